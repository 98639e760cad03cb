"""Named reads of the language versions' editor: a course's texts item by item, in the course's order, as the
original has them, and how complete each version is.

A version translates every live thing of the course: the course itself, its live modules, and in each module
its live lessons, quizzes (with the questions of their bank that are not retired), assignments and practical
assessments, in the outline's order. `course_texts` reads them in a fixed number of statements, whatever the
size of the course, each with the original's texts in the shape a version keeps them (`lms.languages`), so
that `lms.languages.completeness` compares the two and `lms.languages.services.publish` refuses an
incomplete version. `progress` counts, for every version at once, the things whose texts lack nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.assignments.models import Assignment
from lms.catalog.models import Course, Lesson, Module
from lms.extensions import db
from lms.languages.completeness import lacks
from lms.languages.models import VersionText
from lms.languages.services import Text
from lms.practicals.models import Practical
from lms.quizzes.models import Question, Quiz

# Items of different kinds at the same position of a module, in the outline's order.
RANKS = {"lesson": 0, "quiz": 1, "assignment": 2, "practical": 3}
# The kinds of things a version translates, and the authoring URLs' plural of each (as in its other pages).
KINDS = {"module": "modules", "lesson": "lessons", "quiz": "quizzes", "question": "questions",
         "assignment": "assignments", "practical": "practicals"}


@dataclass(eq=False)
class Entry:
    """One thing of the course a version translates: its kind, the model itself, the module it is in, and the
    original's texts (`Text`, as a version keeps them); a quiz's questions and a module's items are its
    `children`."""

    kind: str
    item: object
    original: Text
    module: Module | None = None
    children: list[Entry] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, int]:
        """(kind, id): how a version's texts name it."""
        return self.kind, self.original.item_id

    @property
    def slug(self) -> str | None:
        """Its slug in the course (None for the course itself)."""
        return None if self.kind == "course" else self.item.slug


def original_text(kind: str, item) -> Text:
    """The original's texts of a course, module or item, in the shape a version keeps them (what a package's
    version holds: lms.packages.importer)."""
    if kind == "course":
        return Text("course", item.id, item.title, item.summary,
                    {"outcomes": list(item.outcomes or []), "topics": list(item.topic_names)})
    if kind == "question":
        return Text("question", item.id, None, item.text,
                    {"explanation": item.explanation or "", "choices": [c.text for c in item.choices],
                     "accepted": list(item.accepted_answers or []) if item.kind == "short_text" else []})
    if kind == "assignment":
        return Text("assignment", item.id, item.title, item.instructions or "",
                    {"rubric": item.rubric} if item.rubric else None)
    if kind == "practical":
        return Text("practical", item.id, item.title, item.instructions or "",
                    {"criteria": {c.slug: c.text for c in item.criteria if not c.retired}})
    if kind == "lesson":
        return Text("lesson", item.id, item.title, item.body or "")
    return Text(kind, item.id, item.title)


def course_texts(course: Course) -> list[Entry]:
    """The course (first) and its live modules, each with its items in the outline's order (a quiz with its
    questions), with the original's texts: a fixed number of statements, whatever the size of the course."""
    modules = list(db.session.scalars(select(Module).where(Module.course_id == course.id, Module.retired.is_(False))
                                      .order_by(Module.position, Module.id)))
    ids = [m.id for m in modules]
    items: dict[int, list[tuple[str, object]]] = {m.id: [] for m in modules}
    for kind, model, options in (
            ("lesson", Lesson, ()),
            ("quiz", Quiz, (selectinload(Quiz.questions).selectinload(Question.choices),)),
            ("assignment", Assignment, ()),
            ("practical", Practical, (selectinload(Practical.criteria),))):
        if not ids:
            break
        for item in db.session.scalars(select(model).where(model.module_id.in_(ids), model.retired.is_(False))
                                       .options(*options)):
            items[item.module_id].append((kind, item))
    entries = [Entry("course", course, original_text("course", course))]
    for module in modules:
        entry = Entry("module", module, original_text("module", module), module)
        for kind, item in sorted(items[module.id], key=lambda pair: (pair[1].position, RANKS[pair[0]], pair[1].id)):
            child = Entry(kind, item, original_text(kind, item), module)
            if kind == "quiz":
                child.children = [Entry("question", q, original_text("question", q), module)
                                  for q in item.questions if not q.retired]
            entry.children.append(child)
        entries.append(entry)
    return entries


def in_order(entries: list[Entry]) -> list[Entry]:
    """Every entry of `course_texts`, children after their parent: the order the editor goes through."""
    flat = []
    for entry in entries:
        flat.append(entry)
        flat.extend(in_order(entry.children))
    return flat


def version_texts(course: Course) -> dict[str, dict[tuple[str, int], VersionText]]:
    """{language: {(kind, item id): texts}} of every version of the course, in one statement."""
    found: dict[str, dict[tuple[str, int], VersionText]] = {}
    for text in db.session.scalars(select(VersionText).where(VersionText.course_id == course.id)):
        found.setdefault(text.language, {})[(text.kind, text.item_id)] = text
    return found


@dataclass(frozen=True)
class Progress:
    """How far a version is: the things whose texts lack nothing, out of the things to translate."""

    done: int
    total: int

    @property
    def complete(self) -> bool:
        return self.done == self.total


def progress(flat: list[Entry], texts: dict[tuple[str, int], VersionText]) -> Progress:
    """How many of the things in `flat` (`in_order`) the version's `texts` give completely."""
    return Progress(sum(1 for e in flat if not lacks(e.original, texts.get(e.key))), len(flat))
