"""Rubrics: criteria × levels with points, the one reader and writer of an assignment's rubric.

A rubric is kept as JSON on the assignment (and copied onto every mark given with it):
`[{"title": ..., "description": ..., "levels": [{"title": ..., "points": 4}, ...]}, ...]`.
It comes from a course package (YAML: the same structure, `validate`) or from the editor's text box, one
criterion per line and its levels on the lines below it, each starting with its points (`parse_text`):

    Analysis of risks | Names the main risks and how likely they are
    4 | Every main risk named, with likelihood and impact
    2 | Some risks named
    0 | None named

Both are bounded (criteria, levels, characters) and read in one pass, so a pasted book costs no more than its
length. A mark chooses one level per criterion; its score is the sum of the chosen levels' points, out of the
sum of each criterion's highest (`score`, `max_points`).
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

MAX_CRITERIA = 20
MAX_LEVELS = 8
MAX_POINTS = Decimal(1000)
MAX_TITLE = 200
MAX_DESCRIPTION = 1000
MAX_TEXT = 40_000  # characters of the editor's text box


class RubricError(ValueError):
    """A rubric that cannot be kept: `code` names the problem ("too_long", "no_criteria", "too_many_criteria",
    "too_many_levels", "no_levels", "title_missing", "title_too_long", "description_too_long",
    "points_invalid", "level_before_criterion", "level_missing", "level_unknown"), `line` the editor's line
    (1-based) or `criterion` the criterion's number where it applies."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params


def _points(value, **where) -> Decimal:
    try:
        points = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise RubricError("points_invalid", **where) from None
    if not points.is_finite() or points < 0 or points > MAX_POINTS or points != round(points, 2):
        raise RubricError("points_invalid", **where)
    return points


def _title(value, code_missing: str = "title_missing", **where) -> str:
    title = " ".join(str(value or "").split())
    if not title:
        raise RubricError(code_missing, **where)
    if len(title) > MAX_TITLE:
        raise RubricError("title_too_long", **where)
    return title


def _number(points: Decimal):
    """Points as JSON keeps them: a whole number as an int, else a float of two decimals."""
    return int(points) if points == points.to_integral_value() else float(points)


def validate(data) -> list[dict]:
    """The rubric of a package (a list of criteria, each with a title, an optional description and levels of a
    title and points), checked and normalised; RubricError otherwise."""
    if not isinstance(data, list) or not data:
        raise RubricError("no_criteria")
    if len(data) > MAX_CRITERIA:
        raise RubricError("too_many_criteria", maximum=MAX_CRITERIA)
    criteria = []
    for number, criterion in enumerate(data, start=1):
        if not isinstance(criterion, dict):
            raise RubricError("title_missing", criterion=number)
        description = " ".join(str(criterion.get("description") or "").split())
        if len(description) > MAX_DESCRIPTION:
            raise RubricError("description_too_long", criterion=number)
        levels = criterion.get("levels")
        if not isinstance(levels, list) or not levels:
            raise RubricError("no_levels", criterion=number)
        if len(levels) > MAX_LEVELS:
            raise RubricError("too_many_levels", criterion=number, maximum=MAX_LEVELS)
        kept = []
        for level in levels:
            if not isinstance(level, dict):
                raise RubricError("points_invalid", criterion=number)
            kept.append({"title": _title(level.get("title"), criterion=number),
                         "points": _number(_points(level.get("points"), criterion=number))})
        criteria.append({"title": _title(criterion.get("title"), criterion=number), "description": description,
                         "levels": kept})
    return criteria


def parse_text(text: str) -> list[dict] | None:
    """The editor's text box as a rubric (see the module's docstring); None when it is empty (no rubric);
    RubricError naming the line otherwise."""
    if len(text) > MAX_TEXT:
        raise RubricError("too_long", maximum=MAX_TEXT)
    criteria: list[dict] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        head, _bar, rest = line.partition("|")
        if head.strip() and _looks_like_points(head.strip()):
            if not criteria:
                raise RubricError("level_before_criterion", line=number)
            levels = criteria[-1]["levels"]
            if len(levels) >= MAX_LEVELS:
                raise RubricError("too_many_levels", line=number, maximum=MAX_LEVELS)
            levels.append({"title": _title(rest, line=number),
                           "points": _number(_points(head.strip().replace(",", ".", 1), line=number))})
            continue
        if len(criteria) >= MAX_CRITERIA:
            raise RubricError("too_many_criteria", line=number, maximum=MAX_CRITERIA)
        description = " ".join(rest.split())
        if len(description) > MAX_DESCRIPTION:
            raise RubricError("description_too_long", line=number)
        criteria.append({"title": _title(head, line=number), "description": description, "levels": [],
                         "line": number})
    if not criteria:
        return None
    for criterion in criteria:
        line = criterion.pop("line")
        if not criterion["levels"]:
            raise RubricError("no_levels", line=line)
    return criteria


def _looks_like_points(value: str) -> bool:
    """Whether a line's first part is a number of points (digits with at most one decimal point or comma)."""
    digits = value.replace(",", ".", 1)
    return digits.replace(".", "", 1).isdigit()


def to_text(rubric: list[dict] | None) -> str:
    """The rubric in the editor's text form (what `parse_text` reads back to the same rubric)."""
    lines = []
    for criterion in rubric or []:
        lines.append(criterion["title"] + (f" | {criterion['description']}" if criterion.get("description") else ""))
        lines.extend(f"{level['points']} | {level['title']}" for level in criterion["levels"])
    return "\n".join(lines)


def max_points(rubric: list[dict]) -> Decimal:
    """The highest total a mark can give: each criterion's highest level, added up."""
    return sum((max(Decimal(str(level["points"])) for level in c["levels"]) for c in rubric), Decimal(0))


def score(rubric: list[dict], levels: list) -> Decimal:
    """The total of the levels chosen, one per criterion by its index among the criterion's levels;
    RubricError("level_missing") when a criterion has none, ("level_unknown") when an index is not one of its
    levels."""
    if len(levels) != len(rubric):
        raise RubricError("level_missing", criterion=min(len(levels), len(rubric)) + 1)
    total = Decimal(0)
    for number, (criterion, chosen) in enumerate(zip(rubric, levels, strict=True), start=1):
        if chosen is None or chosen == "":
            raise RubricError("level_missing", criterion=number)
        try:
            index = int(chosen)
        except (TypeError, ValueError):
            raise RubricError("level_unknown", criterion=number) from None
        if not 0 <= index < len(criterion["levels"]):
            raise RubricError("level_unknown", criterion=number)
        total += Decimal(str(criterion["levels"][index]["points"]))
    return total
