"""Named reads of the catalogue, of a course and its images, and of course staff."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, lru_cache

from sqlalchemy import func, select

from lms.catalog.models import EDITING_ROLES, Course, CourseAsset, CourseStaff, CourseTopic
from lms.extensions import db


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
def _published_statement():
    # Built once: the catalogue is the most visited page after the lessons. One row per course and
    # topic (a course without topics once, with None).
    return (select(Course.id, Course.slug, Course.title, Course.summary, Course.language, Course.estimated_hours,
                   CourseTopic.topic)
            .outerjoin(CourseTopic, CourseTopic.course_id == Course.id)
            .where(Course.status == "published").order_by(Course.title, Course.id, CourseTopic.topic))


def search_catalogue(text: str = "", language: str = "", topic: str = "") -> Catalogue:
    """Published courses whose title or summary contains `text` (any case, any script), in
    `language`, with `topic`; and the filters' choices.

    One statement whatever the filters: a catalogue lists at most a few hundred courses, so they
    are matched here, where case folding works for Cyrillic, Georgian and Armenian alike (SQLite's
    lower() folds only ASCII). The plain rows are read through the session's connection: they
    need none of the ORM's work on results, which cost more than the query.
    """
    db.session.flush()  # what the session's own execute would do first (nothing, unless it holds changes)
    rows = tuple(map(tuple, db.session.connection().execute(_published_statement())))
    catalogue = _build_catalogue(rows)
    needle = " ".join(text.split()).casefold()
    if not (needle or language or topic):
        return catalogue
    shown = tuple(e for e in catalogue.courses
                  if (not needle or needle in e.folded) and (not language or e.language == language)
                  and (not topic or topic in e.topic_names))
    return Catalogue(shown, catalogue.languages, catalogue.topics)


@lru_cache(maxsize=8)
def _build_catalogue(rows: tuple[tuple, ...]) -> Catalogue:
    """The whole catalogue for these rows: the same rows give the same (cached) entries."""
    courses: dict[int, tuple] = {}
    topics: dict[int, list[str]] = {}
    for *course, topic_name in rows:
        courses.setdefault(course[0], tuple(course))
        names = topics.setdefault(course[0], [])
        if topic_name is not None:
            names.append(topic_name)
    entries = tuple(CatalogueEntry(*row, topic_names=tuple(topics[row[0]]),
                                   folded=f"{row[2]}\n{row[3] or ''}".casefold()) for row in courses.values())
    return Catalogue(entries, tuple(sorted({e.language for e in entries})),
                     tuple(sorted({t for e in entries for t in e.topic_names})))


def course_by_id(course_id: int) -> Course | None:
    """The course with this id (from the session when it is there already)."""
    return db.session.get(Course, course_id)


def course_by_slug(slug: str) -> Course | None:
    """The course with this slug (its topics load when a page shows them)."""
    return db.session.scalar(select(Course).where(Course.slug == slug))


def asset(course: Course, path: str) -> CourseAsset | None:
    """An image of the course by its package path (module-slug/file)."""
    return db.session.scalar(select(CourseAsset).where(CourseAsset.course_id == course.id, CourseAsset.path == path))


def staff_role(course_id: int, user_id: int) -> str | None:
    """The user's role on the course's staff ("owner", "instructor", "trainer"), or None."""
    return db.session.scalar(select(CourseStaff.role).where(CourseStaff.course_id == course_id,
                                                            CourseStaff.user_id == user_id))


def staff_course_ids(user_id: int, roles: tuple[str, ...] = EDITING_ROLES):
    """SELECT of the ids of the courses the user is on the staff of, in one of `roles` (default: the roles that
    edit the course; trainers do not)."""
    return select(CourseStaff.course_id).where(CourseStaff.user_id == user_id, CourseStaff.role.in_(roles))


def all_courses() -> list[Course]:
    """Every course, whatever its status, by id."""
    return list(db.session.scalars(select(Course).order_by(Course.id)))


def courses_beyond_draft() -> list[Course]:
    """Every course that is not a draft (published or archived), by title: what reports may filter by."""
    return list(db.session.scalars(select(Course).where(Course.status != "draft").order_by(Course.title)))


def courses_by_title(drafts: bool, page: int, per_page: int) -> tuple[list[Course], int]:
    """A page of the published courses (every course when `drafts`) by title, and how many there are."""
    query = select(Course) if drafts else select(Course).where(Course.status == "published")
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = list(db.session.scalars(query.order_by(Course.title, Course.id).limit(per_page)
                                    .offset((page - 1) * per_page)))
    return items, total
