"""What a version's texts of one thing lack, next to the original's: the one definition of a complete text.

A thing's texts are given in the shape a version keeps them (`VersionText`, or a `services.Text`): a title, a
body (a lesson's or question's text, instructions, a course's summary) and `data` (a course's outcomes and
topics; a question's explanation, choices in the original's order and short-text answers; an assignment's
rubric; a practical's criteria by slug). The original's texts are read into the same shape by its caller.

A version gives a text wherever the original has one: a title, a body that is not empty, an explanation,
each choice (as many as the original's), at least one accepted answer and one learning outcome, the rubric's
titles (and the descriptions the original has) in a rubric of the same criteria, levels and points, and each
criterion of a practical. Topics are the version's own and may be left out. A version is complete when every
live thing's texts lack nothing; only a complete version is published (`services.publish`).
"""
from __future__ import annotations

# What a thing's texts may lack, in the order a page lists them.
PARTS = ("title", "body", "outcomes", "choices", "explanation", "accepted", "rubric", "criteria")


def lacks(original, found) -> tuple[str, ...]:
    """The parts (of PARTS) that `found` (the version's texts of a thing, or None when it has none) does not
    give although `original` (the original's texts of the same thing) has them; empty when complete."""
    theirs = original.data or {}
    ours = (found.data if found is not None else None) or {}
    title = found.title if found is not None else None
    body = found.body if found is not None else None
    missing = []
    if _filled(original.title) and not _filled(title):
        missing.append("title")
    if _filled(original.body) and not _filled(body):
        missing.append("body")
    if _any(theirs.get("outcomes")) and not _any(ours.get("outcomes")):
        missing.append("outcomes")
    if not _same_choices(theirs.get("choices"), ours.get("choices")):
        missing.append("choices")
    if _filled(theirs.get("explanation")) and not _filled(ours.get("explanation")):
        missing.append("explanation")
    if _any(theirs.get("accepted")) and not _any(ours.get("accepted")):
        missing.append("accepted")
    if theirs.get("rubric") and not _same_rubric(theirs.get("rubric"), ours.get("rubric")):
        missing.append("rubric")
    if not _same_criteria(theirs.get("criteria"), ours.get("criteria")):
        missing.append("criteria")
    return tuple(missing)


def _filled(value) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _any(values) -> bool:
    return isinstance(values, list) and any(_filled(v) for v in values)


def _same_choices(theirs, ours) -> bool:
    """As many choices as the original's, each with a text where the original's has one."""
    if not theirs:
        return True
    if not isinstance(ours, list) or len(ours) != len(theirs):
        return False
    return all(_filled(b) or not _filled(a) for a, b in zip(theirs, ours))


def _same_rubric(theirs, ours) -> bool:
    """The same criteria and levels with the same points (a version changes texts only), each title given
    and each description the original has."""
    if not isinstance(theirs, list) or not isinstance(ours, list) or len(ours) != len(theirs):
        return False
    for a, b in zip(theirs, ours):
        if not isinstance(a, dict) or not isinstance(b, dict):
            return False
        if not _filled(b.get("title")) or (_filled(a.get("description")) and not _filled(b.get("description"))):
            return False
        levels_a, levels_b = a.get("levels") or [], b.get("levels") or []
        if not isinstance(levels_b, list) or len(levels_a) != len(levels_b):
            return False
        for x, y in zip(levels_a, levels_b):
            if not isinstance(y, dict) or y.get("points") != x.get("points") or not _filled(y.get("title")):
                return False
    return True


def _same_criteria(theirs, ours) -> bool:
    """A text for each criterion of the original (by slug)."""
    if not theirs:
        return True
    ours = ours if isinstance(ours, dict) else {}
    return all(_filled(ours.get(slug)) for slug, text in theirs.items() if _filled(text))
