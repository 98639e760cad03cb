"""Named reads of the catalogue and of a course's outline."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from lms.catalog.models import Course, CourseAsset, CourseTopic, Lesson, Module
from lms.extensions import db
from lms.quizzes.models import Quiz


def published_courses() -> list[Course]:
    """Published courses by title, with their topics loaded."""
    return search_catalogue()


def search_catalogue(text: str = "", language: str = "", topic: str = "") -> list[Course]:
    """Published courses whose title or summary contains `text`, in `language`, with `topic`."""
    query = (select(Course).where(Course.status == "published").options(selectinload(Course.topics))
             .order_by(Course.title))
    if text.strip():
        like = "%" + text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(func.lower(Course.title).like(like, escape="\\"),
                                func.lower(Course.summary).like(like, escape="\\")))
    if language:
        query = query.where(Course.language == language)
    if topic:
        query = query.where(Course.id.in_(select(CourseTopic.course_id).where(CourseTopic.topic == topic)))
    return list(db.session.scalars(query))


def catalogue_facets() -> tuple[list[str], list[str]]:
    """The languages and topics of published courses, for the filters."""
    languages = db.session.scalars(select(Course.language).where(Course.status == "published").distinct()
                                   .order_by(Course.language)).all()
    topics = db.session.scalars(select(CourseTopic.topic).join(Course).where(Course.status == "published")
                                .distinct().order_by(CourseTopic.topic)).all()
    return list(languages), list(topics)


def course_by_slug(slug: str) -> Course | None:
    """The course with this slug."""
    return db.session.scalar(select(Course).where(Course.slug == slug).options(selectinload(Course.topics)))


@dataclass
class OutlineModule:
    """A module with its live lessons and quizzes in course order."""

    module: Module
    items: list = field(default_factory=list)  # Lesson and Quiz objects, by position


@dataclass
class Outline:
    """A course's live content in order, and the flat sequence used for previous/next."""

    modules: list[OutlineModule]

    @property
    def sequence(self) -> list:
        return [item for m in self.modules for item in m.items]

    @property
    def lessons(self) -> list[Lesson]:
        return [i for i in self.sequence if isinstance(i, Lesson)]

    @property
    def quizzes(self) -> list[Quiz]:
        return [i for i in self.sequence if isinstance(i, Quiz)]

    def neighbours(self, item) -> tuple[object | None, object | None]:
        seq = self.sequence
        index = next(i for i, x in enumerate(seq) if type(x) is type(item) and x.id == item.id)
        return (seq[index - 1] if index > 0 else None, seq[index + 1] if index + 1 < len(seq) else None)


def course_outline(course: Course) -> Outline:
    """The live modules, lessons and quizzes of a course, in three queries whatever its size."""
    modules = db.session.scalars(select(Module).where(Module.course_id == course.id, Module.retired.is_(False))
                                 .order_by(Module.position)).all()
    lessons = db.session.scalars(select(Lesson).where(Lesson.course_id == course.id, Lesson.retired.is_(False))
                                 .options(_lesson_columns())).all()
    quizzes = db.session.scalars(select(Quiz).where(Quiz.course_id == course.id, Quiz.retired.is_(False))).all()
    by_module = {m.id: OutlineModule(m) for m in modules}
    for item in [*lessons, *quizzes]:
        if item.module_id in by_module:
            by_module[item.module_id].items.append(item)
    for entry in by_module.values():
        entry.items.sort(key=lambda i: (i.position, isinstance(i, Quiz)))
    return Outline([by_module[m.id] for m in modules])


def _lesson_columns():
    """Outlines need lesson titles, not bodies."""
    from sqlalchemy.orm import defer

    return defer(Lesson.body)


def lesson_by_slug(course: Course, slug: str) -> Lesson | None:
    """A live lesson of the course."""
    return db.session.scalar(select(Lesson).join(Module).where(
        Lesson.course_id == course.id, Lesson.slug == slug, Lesson.retired.is_(False), Module.retired.is_(False)))


def quiz_by_slug(course: Course, slug: str) -> Quiz | None:
    """A live quiz of the course."""
    return db.session.scalar(select(Quiz).join(Module).where(
        Quiz.course_id == course.id, Quiz.slug == slug, Quiz.retired.is_(False), Module.retired.is_(False)))


def asset(course: Course, path: str) -> CourseAsset | None:
    """An image of the course by its package path (module-slug/file)."""
    return db.session.scalar(select(CourseAsset).where(CourseAsset.course_id == course.id, CourseAsset.path == path))
