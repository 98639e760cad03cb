"""Named reads of the catalogue, of a course and its images, and of course staff."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, lru_cache

from sqlalchemy import bindparam, cast, func, literal, null, select, union_all

from lms.catalog.models import EDITING_ROLES, Course, CourseAsset, CourseStaff, CourseTopic
from lms.core.reads import plain_rows
from lms.extensions import db
from lms.languages.models import CourseVersion, VersionText


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
    folded: str = field(default="", repr=False)  # titles and summaries of every version, case-folded, for the search
    versions: tuple[str, ...] = ()  # the languages of its published language versions
    translations: tuple[CardText, ...] = field(default=(), repr=False)  # their texts, by language

    @property
    def languages(self) -> tuple[str, ...]:
        """Every language the course can be read in: its own, then its versions'."""
        return (self.language, *self.versions)

    def text_in(self, language: str) -> CardText:
        """What a card shows to a reader of `language`: the course's published version in it, else the
        original (each with the language it is written in)."""
        for text in self.translations:
            if text.language == language:
                return CardText(language, text.title or self.title, text.summary or self.summary or "",
                                text.topic_names or self.topic_names)
        return CardText(self.language, self.title, self.summary or "", self.topic_names)


@dataclass(frozen=True)
class CardText:
    """A course's title, summary and topics in one of its languages, as a catalogue card shows them."""

    language: str
    title: str
    summary: str
    topic_names: tuple[str, ...]


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
def _catalogue_statement():
    # Built once: the catalogue is the most visited page after the lessons. One statement of two parts (a round
    # trip less on PostgreSQL than one each): the published courses, one row per course and topic (a course
    # without topics once, with None), by title; then the title, summary and topics of every published language
    # version of a published course, by course and language. Each row says its part first; a column one part does
    # not fill is NULL of the other part's type.
    no_text, no_number, no_data = (cast(null(), column.type) for column in (Course.slug, Course.estimated_hours,
                                                                             VersionText.data))
    courses = (select(literal(0).label("part"), Course.id, Course.slug, Course.title, Course.summary, Course.language,
                      Course.estimated_hours, CourseTopic.topic, no_data.label("data"),
                      Course.title.label("order_title"), CourseTopic.topic.label("order_name"))
               .outerjoin(CourseTopic, CourseTopic.course_id == Course.id)
               .where(Course.status == "published"))
    versions = (select(literal(1), VersionText.course_id, no_text, VersionText.title, VersionText.body,
                       VersionText.language, no_number, no_text, VersionText.data, no_text, VersionText.language)
                .join(CourseVersion, (CourseVersion.course_id == VersionText.course_id)
                      & (CourseVersion.language == VersionText.language))
                .join(Course, Course.id == VersionText.course_id)
                .where(VersionText.kind == "course", VersionText.item_id == VersionText.course_id,
                       CourseVersion.status == "published", Course.status == "published"))
    both = union_all(courses, versions)
    order = both.selected_columns
    return both.order_by(order.part, order.order_title, order.id, order.order_name)


def search_catalogue(text: str = "", language: str = "", topic: str = "") -> Catalogue:
    """Published courses whose title or summary, in any of their language versions, contains `text` (any
    case, any script), readable in `language` (their own or a published version's), with `topic`; and the
    filters' choices.

    One statement whatever the filters (the courses, and their versions' titles, summaries and topics): a catalogue
    lists at most a few hundred courses, so they are matched here, where case folding works for Cyrillic,
    Georgian and Armenian alike (SQLite's lower() folds only ASCII). The plain rows are read through the
    session's connection (`lms.core.reads`): they need none of the ORM's work on results, which cost more than the
    query.
    """
    rows, versions = [], []
    for part, *row in plain_rows(_catalogue_statement()):
        if part == 0:  # id, slug, title, summary, language, hours, topic
            rows.append(tuple(row[:7]))
        else:  # course id, the version's language, its title, summary and topics
            course_id, _slug, title, summary, code, _hours, _topic, data, *_order = row
            versions.append((course_id, code, title, summary, tuple((data or {}).get("topics") or ())))
    rows, versions = tuple(rows), tuple(versions)
    catalogue = _build_catalogue(rows, versions)
    needle = " ".join(text.split()).casefold()
    if not (needle or language or topic):
        return catalogue
    shown = tuple(e for e in catalogue.courses
                  if (not needle or needle in e.folded) and (not language or language in e.languages)
                  and (not topic or topic in e.topic_names))
    return Catalogue(shown, catalogue.languages, catalogue.topics)


@lru_cache(maxsize=8)
def _build_catalogue(rows: tuple[tuple, ...], versions: tuple[tuple, ...] = ()) -> Catalogue:
    """The whole catalogue for these rows and versions: the same rows give the same (cached) entries."""
    translated: dict[int, list[CardText]] = {}
    for course_id, code, title, summary, topic_names in versions:
        translated.setdefault(course_id, []).append(CardText(code, title or "", summary or "", topic_names))
    courses: dict[int, tuple] = {}
    topics: dict[int, list[str]] = {}
    for *course, topic_name in rows:
        courses.setdefault(course[0], tuple(course))
        names = topics.setdefault(course[0], [])
        if topic_name is not None:
            names.append(topic_name)
    entries = tuple(CatalogueEntry(
        *row, topic_names=tuple(topics[row[0]]),
        folded="\n".join([row[2], row[3] or "", *(f"{t.title}\n{t.summary}" for t in translated.get(row[0], []))])
        .casefold(),
        versions=tuple(t.language for t in translated.get(row[0], [])),
        translations=tuple(translated.get(row[0], [])),
    ) for row in courses.values())
    return Catalogue(entries, tuple(sorted({code for e in entries for code in e.languages})),
                     tuple(sorted({t for e in entries for t in e.topic_names})))


def course_by_id(course_id: int) -> Course | None:
    """The course with this id (from the session when it is there already)."""
    return db.session.get(Course, course_id)


def course_by_slug(slug: str) -> Course | None:
    """The course with this slug (its topics load when a page shows them)."""
    return db.session.scalar(_course_by_slug_statement(), {"slug": slug})


@cache
def _course_by_slug_statement():
    # Built once: every course, lesson and quiz page runs it first, and building it costs more than running it.
    return select(Course).where(Course.slug == bindparam("slug"))


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
