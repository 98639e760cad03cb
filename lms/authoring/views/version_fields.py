"""The side-by-side editor's fields: one row per text of a course, module or item, the original's text beside
the version's, with the bounds of the original's own editors.

`sheet` lays out the rows of one thing (its texts as the version holds them, or as typed), `read` takes what
was typed, `check` sets each row's message (a row keeps what was typed, however wrong), and `text_of` turns
the rows back into the texts a version keeps (`lms.languages.services.Text`). A question's choices come in the
original's order, as many as it has, each with whether it is right (the original's, shown and not edited); an
assignment's rubric keeps the original's criteria, levels and points, its titles and descriptions translated.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext

from lms.assignments import rubrics
from lms.authoring.images import image_problems
from lms.authoring.versions import Entry
from lms.authoring.views.lessons import image_problem_message
from lms.core.markdown.limits import MAX_TEXT, describe, excess
from lms.core.numbers import number, plural_count
from lms.languages.services import Text
from lms.packages.reader import MAX_TOPIC
from lms.practicals.models import MAX_CRITERION_TEXT
from lms.quizzes.models import MAX_CHOICE_TEXT, MAX_QUESTION_TEXT

MAX_TITLE = 200  # characters of a title, as in every editor of the original
MAX_SUMMARY = 2000  # a course's summary (the course settings' bound)
MAX_LINES = 4000  # the outcomes, or the accepted answers, one per line
MAX_TOPICS = 400  # the topics, separated by commas


@dataclass
class Row:
    """One text: its field's name and label, the original's text, the version's (as held or as typed), and how
    it is bounded. `markdown` is "block" or "inline" when the text is Markdown (the original is also shown
    rendered), None for plain text; `needed`: the original has this text, so a published version must too."""

    name: str
    label: str
    original: str
    value: str = ""
    multiline: bool = False
    markdown: str | None = None
    max_length: int = MAX_TITLE
    needed: bool = False
    note: str = ""
    hint: str = ""
    lines: int = 3
    error: str = ""


@dataclass
class Group:
    """Rows under a heading of their own (a question's choices, one criterion of a rubric), or none."""

    heading: str | None
    rows: list[Row]


@dataclass
class Sheet:
    """Every row of one thing, in groups, and the facts of the original shown beside them (a true/false
    statement's answer, a numeric answer: not texts, not edited)."""

    groups: list[Group]
    facts: list[tuple[str, str]] = field(default_factory=list)

    @property
    def rows(self) -> list[Row]:
        return [row for group in self.groups for row in group.rows]

    @property
    def errors(self) -> list[Row]:
        return [row for row in self.rows if row.error]


def _title(original: str | None, value: str | None) -> Row:
    return Row("title", _("Title"), original or "", value or "", needed=bool((original or "").strip()))


def _markdown(name: str, label: str, original: str | None, value: str | None, max_length: int, lines: int) -> Row:
    return Row(name, label, original or "", value or "", multiline=True, markdown="block", max_length=max_length,
               needed=bool((original or "").strip()), lines=lines)


def sheet(entry: Entry, current) -> Sheet:
    """The rows of `entry`'s texts, filled with `current` (the version's texts of it, or None)."""
    original = entry.original
    data = (current.data if current is not None else None) or {}
    title = current.title if current is not None else None
    body = current.body if current is not None else None
    theirs = original.data or {}
    if entry.kind == "course":
        return Sheet([Group(None, [
            _title(original.title, title),
            Row("summary", _("Summary"), original.body or "", body or "", multiline=True, max_length=MAX_SUMMARY,
                needed=True, lines=4),
            Row("outcomes", _("Learning outcomes"), "\n".join(theirs.get("outcomes") or []),
                "\n".join(_texts(data.get("outcomes"))), multiline=True, max_length=MAX_LINES,
                needed=bool(theirs.get("outcomes")), hint=_("One per line: what a trainee can do after the course."),
                lines=4),
            Row("topics", _("Topics"), ", ".join(theirs.get("topics") or []), ", ".join(_texts(data.get("topics"))),
                max_length=MAX_TOPICS, hint=_("Separated by commas.")),
        ])])
    if entry.kind == "lesson":
        return Sheet([Group(None, [_title(original.title, title),
                                   _markdown("body", _("Text (Markdown)"), original.body, body, MAX_TEXT, 22)])])
    if entry.kind == "question":
        return _question_sheet(entry, data, body)
    if entry.kind == "assignment":
        groups = [Group(None, [_title(original.title, title), _markdown(
            "body", _("Instructions (Markdown)"), original.body, body, MAX_TEXT, 10)])]
        return Sheet(groups + _rubric_groups(theirs.get("rubric") or [], data.get("rubric")))
    if entry.kind == "practical":
        texts = data.get("criteria") if isinstance(data.get("criteria"), dict) else {}
        criteria = [Row(f"criterion-{c.slug}", _("Criterion %(n)d", n=number), c.text, _text(texts.get(c.slug)),
                        multiline=True, max_length=MAX_CRITERION_TEXT, needed=True, lines=2,
                        note=_("Critical: must be met to pass") if c.critical else "")
                    for number, c in enumerate((c for c in entry.item.criteria if not c.retired), start=1)]
        groups = [Group(None, [_title(original.title, title), _markdown(
            "body", _("Instructions"), original.body, body, MAX_TEXT, 10)])]
        return Sheet(groups + ([Group(_("Criteria of the checklist"), criteria)] if criteria else []))
    return Sheet([Group(None, [_title(original.title, title)])])


def _question_sheet(entry: Entry, data: dict, body: str | None) -> Sheet:
    question, theirs = entry.item, entry.original.data or {}
    groups = [Group(None, [_markdown("text", _("Question (Markdown)"), question.text, body, MAX_QUESTION_TEXT, 4)])]
    facts = []
    if question.choices:
        ours = _texts(data.get("choices"))
        groups.append(Group(_("Choices"), [
            Row(f"choice-{number}", _("Choice %(n)d", n=number), choice.text,
                ours[number - 1] if number <= len(ours) else "", markdown="inline", max_length=MAX_CHOICE_TEXT,
                needed=True, note=_("A right answer") if choice.correct else _("Not a right answer"))
            for number, choice in enumerate(question.choices, start=1)]))
    if question.kind == "true_false":
        facts.append((_("The statement is"), _("True") if question.true_false_answer else _("False")))
    elif question.kind == "numeric":
        facts.append((_("Right value"), number(question.numeric_answer, most=6)))
        facts.append((_("Tolerance (±)"), number(question.numeric_tolerance or 0, most=6)))
    tail = []
    if question.kind == "short_text":
        tail.append(Row("accepted", _("Accepted answers"), "\n".join(theirs.get("accepted") or []),
                        "\n".join(_texts(data.get("accepted"))), multiline=True, max_length=MAX_LINES, needed=True,
                        hint=_("This version's own, one per line: an attempt in this version accepts them and the "
                               "original's."), lines=3))
    tail.append(_markdown("explanation", _("Explanation shown in review"), question.explanation,
                          _text(data.get("explanation")), MAX_QUESTION_TEXT, 3))
    if len(groups) > 1:
        groups.append(Group(None, tail))
    else:
        groups[0].rows.extend(tail)
    return Sheet(groups, facts)


def _rubric_groups(rubric: list, ours) -> list[Group]:
    """A group per criterion of the original's rubric: its title, description and levels' titles."""
    ours = ours if isinstance(ours, list) else []
    groups = []
    for position, criterion in enumerate(rubric, start=1):
        mine = ours[position - 1] if position <= len(ours) and isinstance(ours[position - 1], dict) else {}
        levels = mine.get("levels") if isinstance(mine.get("levels"), list) else []
        rows = [Row(f"rubric-{position}-title", _("Title"), criterion.get("title") or "", _text(mine.get("title")),
                    max_length=rubrics.MAX_TITLE, needed=True),
                Row(f"rubric-{position}-description", _("Description"), criterion.get("description") or "",
                    _text(mine.get("description")), multiline=True, max_length=rubrics.MAX_DESCRIPTION,
                    needed=bool(criterion.get("description")), lines=2)]
        for index, level in enumerate(criterion.get("levels") or [], start=1):
            theirs = levels[index - 1] if index <= len(levels) and isinstance(levels[index - 1], dict) else {}
            rows.append(Row(f"rubric-{position}-level-{index}", _("Level %(n)d", n=index), level.get("title") or "",
                            _text(theirs.get("title")), max_length=rubrics.MAX_TITLE, needed=True,
                            note=ngettext("%(points)s point", "%(points)s points", plural_count(level.get("points", 0)),
                                          points=number(level.get("points", 0)))))
        groups.append(Group(_("Rubric: criterion %(n)d", n=position), rows))
    return groups


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _texts(values) -> list[str]:
    return [v for v in values if isinstance(v, str)] if isinstance(values, list) else []


def read(form_sheet: Sheet, form) -> None:
    """What was typed into each row (its line breaks as "\\n"); a row not sent is left empty."""
    for row in form_sheet.rows:
        value = (form.get(row.name) or "").replace("\r\n", "\n").replace("\r", "\n")
        row.value = value.strip() if row.multiline else " ".join(value.split())


def check(course, entry: Entry, form_sheet: Sheet, published: bool) -> bool:
    """Set each row's message: past its bound (a Markdown text: the first bound of lms.core.markdown it passes,
    with its line), a topic too long, a lesson's image the package check would refuse, or, in a published
    version, a text the original has left empty. True when no row has one."""
    for row in form_sheet.rows:
        row.error = _problem(course, entry, row, published)
    return not form_sheet.errors


def _problem(course, entry: Entry, row: Row, published: bool) -> str:
    if not row.value:
        return _("The version is published, so this text is needed: the original has it.") \
            if published and row.needed else ""
    if row.markdown:
        found = excess(row.value, row.max_length)
        if found:
            return describe(found)
    elif len(row.value) > row.max_length:
        return _("At most %(max)d characters: this text has %(count)d.", max=row.max_length, count=len(row.value))
    if row.name == "topics" and any(len(t.strip()) > MAX_TOPIC for t in row.value.split(",")):
        return _("Each topic is at most %(n)d characters long.", n=MAX_TOPIC)
    if entry.kind == "lesson" and row.name == "body":
        found = image_problems(course, entry.module.slug, row.value)
        if found:
            return " ".join(image_problem_message(problem) for problem in found)
    return ""


def text_of(entry: Entry, form_sheet: Sheet) -> Text:
    """The version's texts of `entry` as the rows hold them (an empty text as None: not given)."""
    values = {row.name: row.value for row in form_sheet.rows}
    original, kind = entry.original, entry.kind
    title = values.get("title") or None
    body = values.get({"course": "summary", "question": "text"}.get(kind, "body")) or None
    if kind == "course":
        topics = sorted({t.strip() for t in values["topics"].split(",") if t.strip()})  # as an import keeps them
        return Text(kind, original.item_id, title, body, {"outcomes": _lines(values["outcomes"]), "topics": topics})
    if kind == "question":
        choices = [values[f"choice-{n}"] for n in range(1, len(entry.item.choices) + 1)]
        return Text(kind, original.item_id, None, body, {
            "explanation": values["explanation"], "choices": choices,
            "accepted": _lines(values["accepted"]) if "accepted" in values else []})
    if kind == "assignment":
        rubric = (original.data or {}).get("rubric")
        if not rubric:
            return Text(kind, original.item_id, title, body, None)
        return Text(kind, original.item_id, title, body, {"rubric": [
            {"title": values[f"rubric-{n}-title"], "description": values[f"rubric-{n}-description"],
             "levels": [{"title": values[f"rubric-{n}-level-{i}"], "points": level.get("points")}
                        for i, level in enumerate(criterion.get("levels") or [], start=1)]}
            for n, criterion in enumerate(rubric, start=1)]})
    if kind == "practical":
        criteria = {c.slug: values[f"criterion-{c.slug}"] for c in entry.item.criteria if not c.retired}
        return Text(kind, original.item_id, title, body, {"criteria": criteria})
    return Text(kind, original.item_id, title, body if kind == "lesson" else None)


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]
