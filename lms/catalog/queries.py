"""Named reads of the catalogue and of a course's outline."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, lru_cache

from sqlalchemy import select

from lms.catalog.models import Course, CourseAsset, CourseTopic, Module
from lms.extensions import db
from lms.quizzes.models import Quiz


@dataclass(frozen=True, eq=False)
class CatalogueEntry:
    """What the catalogue and the home page show of a published course.

    Compared and hashed by identity: entries are built once per state of the catalogue
    (`_build_catalogue`), so the rendered cards can be cached by the entries they show at the cost of
    hashing a few pointers, and a changed course, being a new entry, never finds a stale card.
    """

    id: int
    slug: str
    title: str
    summary: str
    language: str
    estimated_hours: object
    topic_names: tuple[str, ...]
    folded: str = field(default="", repr=False)  # title and summary, case-folded, for the search


@dataclass(frozen=True)
class Catalogue:
    """The courses matching a search, and the languages and topics of all published courses."""

    courses: tuple[CatalogueEntry, ...]
    languages: tuple[str, ...]
    topics: tuple[str, ...]


def published_courses() -> tuple[CatalogueEntry, ...]:
    """Published courses by title, with their topics."""
    return search_catalogue().courses


@cache
def _published_statements():
    # Built once: the catalogue is the most visited page after the lessons.
    published = Course.status == "published"
    return (select(Course.id, Course.slug, Course.title, Course.summary, Course.language, Course.estimated_hours)
            .where(published).order_by(Course.title, Course.id),
            select(CourseTopic.course_id, CourseTopic.topic).join(Course).where(published)
            .order_by(CourseTopic.topic, CourseTopic.course_id))


def search_catalogue(text: str = "", language: str = "", topic: str = "") -> Catalogue:
    """Published courses whose title or summary contains `text` (any case, any script), in
    `language`, with `topic`; and the filters' choices.

    Two statements whatever the filters: a catalogue lists at most a few hundred courses, so they
    are matched here, where case folding works for Cyrillic, Georgian and Armenian alike (SQLite's
    lower() folds only ASCII).
    """
    courses, topics = _published_statements()
    rows = tuple(tuple(row) for row in db.session.execute(courses))
    topic_rows = tuple(tuple(row) for row in db.session.execute(topics))
    catalogue = _build_catalogue(rows, topic_rows)
    needle = " ".join(text.split()).casefold()
    if not (needle or language or topic):
        return catalogue
    shown = tuple(e for e in catalogue.courses
                  if (not needle or needle in e.folded) and (not language or e.language == language)
                  and (not topic or topic in e.topic_names))
    return Catalogue(shown, catalogue.languages, catalogue.topics)


@lru_cache(maxsize=8)
def _build_catalogue(rows: tuple[tuple, ...], topic_rows: tuple[tuple[int, str], ...]) -> Catalogue:
    """The whole catalogue for these rows: the same rows give the same (cached) entries."""
    topics: dict[int, list[str]] = {}
    for course_id, name in topic_rows:
        topics.setdefault(course_id, []).append(name)
    entries = tuple(CatalogueEntry(*row, topic_names=tuple(topics.get(row[0], ())),
                                   folded=f"{row[2]}\n{row[3] or ''}".casefold()) for row in rows)
    return Catalogue(entries, tuple(sorted({e.language for e in entries})),
                     tuple(sorted({t for e in entries for t in e.topic_names})))


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
