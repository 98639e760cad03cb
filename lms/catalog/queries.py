"""Named reads of the catalogue and of a course's outline."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from lms.catalog.models import Course, CourseAsset, CourseTopic, Module
from lms.extensions import db
from lms.quizzes.models import Quiz


@dataclass(frozen=True)
class CatalogueEntry:
    """What the catalogue and the home page show of a published course."""

    id: int
    slug: str
    title: str
    summary: str
    language: str
    estimated_hours: object
    topic_names: tuple[str, ...]


@dataclass(frozen=True)
class Catalogue:
    """The courses matching a search, and the languages and topics of all published courses."""

    courses: list[CatalogueEntry]
    languages: list[str]
    topics: list[str]


def published_courses() -> list[CatalogueEntry]:
    """Published courses by title, with their topics."""
    return search_catalogue().courses


def search_catalogue(text: str = "", language: str = "", topic: str = "") -> Catalogue:
    """Published courses whose title or summary contains `text` (any case, any script), in
    `language`, with `topic`; and the filters' choices.

    Two statements whatever the filters: a catalogue lists at most a few hundred courses, so they
    are matched here, where case folding works for Cyrillic, Georgian and Armenian alike (SQLite's
    lower() folds only ASCII).
    """
    rows = db.session.execute(
        select(Course.id, Course.slug, Course.title, Course.summary, Course.language, Course.estimated_hours)
        .where(Course.status == "published").order_by(Course.title, Course.id)).all()
    topics: dict[int, list[str]] = {}
    for course_id, name in db.session.execute(
            select(CourseTopic.course_id, CourseTopic.topic).join(Course)
            .where(Course.status == "published").order_by(CourseTopic.topic)):
        topics.setdefault(course_id, []).append(name)
    entries = [CatalogueEntry(*row, topic_names=tuple(topics.get(row.id, ()))) for row in rows]
    needle = " ".join(text.split()).casefold()
    shown = [e for e in entries
             if (not needle or needle in e.title.casefold() or needle in (e.summary or "").casefold())
             and (not language or e.language == language) and (not topic or topic in e.topic_names)]
    return Catalogue(shown, sorted({e.language for e in entries}), sorted({t for e in entries for t in e.topic_names}))


def course_by_slug(slug: str) -> Course | None:
    """The course with this slug (its topics load when a page shows them)."""
    return db.session.scalar(select(Course).where(Course.slug == slug))


def quiz_by_slug(course: Course, slug: str) -> Quiz | None:
    """A live quiz of the course."""
    return db.session.scalar(select(Quiz).join(Module).where(
        Quiz.course_id == course.id, Quiz.slug == slug, Quiz.retired.is_(False), Module.retired.is_(False)))


def asset(course: Course, path: str) -> CourseAsset | None:
    """An image of the course by its package path (module-slug/file)."""
    return db.session.scalar(select(CourseAsset).where(CourseAsset.course_id == course.id, CourseAsset.path == path))
