"""A course's outline (its live modules, lessons and quizzes in order), cached by course version.

Every lesson, quiz and course page shows the outline or steps through it (previous / next, the
progress per module). It changes only when the course is edited or imported, so it is read
once per `Course.outline_stamp` and kept as plain immutable data (no ORM objects) in a small
per-process cache. The stamp is renewed by a flush hook here whenever a module, lesson or quiz
of the course is added, changed or deleted through the ORM (authoring, package import), so every
process sees the change on its next request, which loads the course row anyway.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from lms.catalog.models import Course, Lesson, Module, new_outline_stamp
from lms.extensions import db
from lms.quizzes.models import Quiz

LESSON, QUIZ = "lesson", "quiz"


@dataclass(frozen=True)
class OutlineItem:
    """A lesson or a quiz as the outline shows it."""

    kind: str  # LESSON or QUIZ
    id: int
    slug: str
    title: str
    position: int
    module_id: int
    minutes: int | None = None  # lessons
    is_final: bool = False  # quizzes


@dataclass(frozen=True)
class OutlineModuleInfo:
    """A module's identity and title."""

    id: int
    slug: str
    title: str
    position: int


@dataclass(frozen=True)
class OutlineModule:
    """A module with its live lessons and quizzes in course order."""

    module: OutlineModuleInfo
    items: tuple[OutlineItem, ...]


@dataclass(frozen=True)
class Outline:
    """A course's live content in order, and the flat sequence used for previous/next."""

    modules: tuple[OutlineModule, ...]

    @property
    def sequence(self) -> list[OutlineItem]:
        return [item for m in self.modules for item in m.items]

    def neighbours(self, kind: str, item_id: int) -> tuple[OutlineItem | None, OutlineItem | None]:
        """The items before and after the lesson or quiz `kind`/`item_id` (None at either end)."""
        seq = self.sequence
        index = next(i for i, x in enumerate(seq) if x.kind == kind and x.id == item_id)
        return (seq[index - 1] if index > 0 else None, seq[index + 1] if index + 1 < len(seq) else None)

    def module(self, module_id: int) -> OutlineModuleInfo | None:
        return next((m.module for m in self.modules if m.module.id == module_id), None)


def course_outline(course: Course) -> Outline:
    """The live modules, lessons and quizzes of a course (three queries when not cached)."""
    return _outline(course.id, course.outline_stamp)


@lru_cache(maxsize=512)
def _outline(course_id: int, stamp: str) -> Outline:
    modules = db.session.execute(
        select(Module.id, Module.slug, Module.title, Module.position)
        .where(Module.course_id == course_id, Module.retired.is_(False)).order_by(Module.position)).all()
    lessons = db.session.execute(
        select(Lesson.id, Lesson.slug, Lesson.title, Lesson.position, Lesson.module_id, Lesson.minutes)
        .where(Lesson.course_id == course_id, Lesson.retired.is_(False))).all()
    quizzes = db.session.execute(
        select(Quiz.id, Quiz.slug, Quiz.title, Quiz.position, Quiz.module_id, Quiz.is_final)
        .where(Quiz.course_id == course_id, Quiz.retired.is_(False))).all()
    items: dict[int, list[OutlineItem]] = {m.id: [] for m in modules}
    for row in lessons:
        if row.module_id in items:
            items[row.module_id].append(OutlineItem(LESSON, *row))
    for row in quizzes:
        if row.module_id in items:
            items[row.module_id].append(OutlineItem(QUIZ, *row[:5], is_final=bool(row.is_final)))
    return Outline(tuple(
        OutlineModule(OutlineModuleInfo(*m), tuple(sorted(items[m.id], key=lambda i: (i.position, i.kind == QUIZ))))
        for m in modules))


@event.listens_for(Session, "before_flush")
def _renew_outline_stamps(session: Session, _context, _instances) -> None:
    """Give a course a new outline stamp when one of its modules, lessons or quizzes changes."""
    course_ids = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, (Module, Lesson, Quiz)) and (
                obj in session.new or obj in session.deleted or session.is_modified(obj, include_collections=False)):
            course_ids.add(obj.course_id)
    course_ids.discard(None)
    if course_ids:
        stamp = new_outline_stamp()
        session.execute(update(Course).where(Course.id.in_(course_ids)).values(outline_stamp=stamp)
                        .execution_options(synchronize_session=False))
        for course_id in course_ids:
            course = session.identity_map.get(session.identity_key(Course, course_id))  # type: ignore[arg-type]
            if course is not None:
                session.expire(course, ["outline_stamp"])
