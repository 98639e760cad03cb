"""A course's outline (its live modules and their items in order), cached by course version.

Every lesson, quiz and course page shows the outline or steps through it (previous / next, the
progress per module). It changes only when the course is edited or imported, so it is read
once per `Course.outline_stamp` and kept as plain immutable data (no ORM objects) in a small
per-process cache. The stamp is renewed by a flush hook (`watch_outline_changes`, installed by the
application) whenever a module or an item of any registered kind (`lms.catalog.items`) is added,
changed or deleted through the ORM (authoring, package import), so every process sees the change on
its next request, which loads the course row anyway.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

from flask_babel import get_locale
from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session

from lms.catalog import items as item_kinds
from lms.catalog.models import Course, CourseTopic, Module, new_outline_stamp
from lms.extensions import db
from lms.languages import queries as language_queries
from lms.languages.choice import Reading
from lms.languages.models import CourseVersion, VersionText


@dataclass(frozen=True)
class OutlineItem:
    """A lesson or a quiz as the outline shows it."""

    kind: str  # the name of its ItemKind: "lesson", "quiz", ...
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
    # The course's title in the outline's language version (None: the original's, on the course).
    course_title: str | None = None

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


def course_outline(course: Course, language: str | None = None) -> Outline:
    """The live modules and items of a course (one query per kind of item, and one for the modules,
    when not cached), with the titles of its version in `language` when given (one query more)."""
    if language is None:
        return _outline(course.id, course.outline_stamp, item_kinds.kinds())
    return _translated(course.id, course.outline_stamp, item_kinds.kinds(), language)


def offered_languages(course: Course) -> tuple[str, ...]:
    """The languages of the course's published versions, read once per outline stamp (a version's texts or
    status changing renews the stamp)."""
    return _offered(course.id, course.outline_stamp)


def course_topics(course: Course) -> tuple[str, ...]:
    """The course's own topic names in order, read once per outline stamp (a topic added or taken away renews
    it): the course page shows them, and reading the course's topics was a statement of its own."""
    return _topics(course.id, course.outline_stamp)


@lru_cache(maxsize=512)
def _topics(course_id: int, stamp: str) -> tuple[str, ...]:
    return tuple(db.session.scalars(select(CourseTopic.topic).where(CourseTopic.course_id == course_id)
                                    .order_by(CourseTopic.topic)))


def page_reading(course: Course, enrolment=None, asked: str | None = None) -> Reading:
    """The version a page of `course` shows its reader, among its published versions: `asked` (the page's
    `?version=`), else the enrolment's kept choice, else the interface language (lms.languages.choice)."""
    return language_queries.reading_of(course, offered_languages(course), enrolment, asked,
                                       str(get_locale() or "en"))


@lru_cache(maxsize=512)
def _offered(course_id: int, stamp: str) -> tuple[str, ...]:
    return tuple(language_queries.published_languages(course_id))


@lru_cache(maxsize=512)
def _translated(course_id: int, stamp: str, kinds: tuple[item_kinds.ItemKind, ...], language: str) -> Outline:
    """The outline with the version's titles over the original's (an untranslated title stays the original's)."""
    titles = language_queries.titles(course_id, language)
    return Outline(course_title=titles.get(("course", course_id)), modules=tuple(
        OutlineModule(replace(m.module, title=titles.get(("module", m.module.id), m.module.title)),
                      tuple(replace(item, title=titles.get((item.kind, item.id), item.title)) for item in m.items))
        for m in _outline(course_id, stamp, kinds).modules))


@lru_cache(maxsize=512)
def _outline(course_id: int, stamp: str, kinds: tuple[item_kinds.ItemKind, ...]) -> Outline:
    modules = db.session.execute(
        select(Module.id, Module.slug, Module.title, Module.position)
        .where(Module.course_id == course_id, Module.retired.is_(False)).order_by(Module.position)).all()
    items: dict[int, list[tuple]] = {m.id: [] for m in modules}
    for kind in kinds:
        for row in db.session.execute(item_kinds.outline_rows(kind, course_id)):
            item = OutlineItem(kind.name, row.id, row.slug, row.title, row.position, row.module_id,
                               minutes=row.minutes, is_final=bool(row.is_final))
            items[row.module_id].append((row.position, kind.rank, item))
    return Outline(tuple(
        OutlineModule(OutlineModuleInfo(*m), tuple(item for *_order, item in sorted(items[m.id], key=lambda i: i[:2])))
        for m in modules))


def watch_outline_changes() -> None:
    """Renew a course's outline stamp whenever its modules or items change (installed once by the
    application; installing it again changes nothing)."""
    if not event.contains(Session, "before_flush", _renew_outline_stamps):
        event.listen(Session, "before_flush", _renew_outline_stamps)


def _renew_outline_stamps(session: Session, _context, _instances) -> None:
    """Give a course a new outline stamp when one of its modules or items, a text of a version, or its topics
    change."""
    watched = (Module, CourseVersion, VersionText, CourseTopic, *(kind.model for kind in item_kinds.kinds()))
    course_ids = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, watched) and (
                obj in session.new or obj in session.deleted or session.is_modified(obj, include_collections=False)):
            course_ids.add(obj.course_id)
        elif isinstance(obj, Course) and inspect(obj).attrs.topics.history.has_changes():
            # Topics added to or taken from the course's list: the rows get their course (or are deleted as
            # orphans) only during the flush.
            course_ids.add(obj.id)
    course_ids.discard(None)
    if course_ids:
        stamp = new_outline_stamp()
        session.execute(update(Course).where(Course.id.in_(course_ids)).values(outline_stamp=stamp)
                        .execution_options(synchronize_session=False))
        for course_id in course_ids:
            course = session.identity_map.get(session.identity_key(Course, course_id))  # type: ignore[arg-type]
            if course is not None:
                session.expire(course, ["outline_stamp"])
