"""Named reads of language versions: which versions a course has, and a version's texts."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from lms.extensions import db
from lms.languages.choice import Reading, reading
from lms.languages.models import CourseVersion, VersionText


def versions_of(course_id: int) -> list[CourseVersion]:
    """The course's versions, drafts included, by language."""
    return list(db.session.scalars(select(CourseVersion).where(CourseVersion.course_id == course_id)
                                   .order_by(CourseVersion.language)))


def published_languages(course_id: int) -> list[str]:
    """The languages of the course's published versions (trainees may choose them), by language."""
    return list(db.session.scalars(select(CourseVersion.language).where(
        CourseVersion.course_id == course_id, CourseVersion.status == "published").order_by(CourseVersion.language)))


def published_by_course(course_ids: list[int]) -> dict[int, list[str]]:
    """{course id: languages of its published versions} for a list of courses, in one statement."""
    found: dict[int, list[str]] = {}
    if not course_ids:
        return found
    for course_id, language in db.session.execute(
            select(CourseVersion.course_id, CourseVersion.language)
            .where(CourseVersion.course_id.in_(course_ids), CourseVersion.status == "published")
            .order_by(CourseVersion.language)):
        found.setdefault(course_id, []).append(language)
    return found


def version(course_id: int, language: str) -> CourseVersion | None:
    """One version of the course, if it has it."""
    return db.session.get(CourseVersion, (course_id, language))


def texts(course_id: int, language: str, kind: str | None = None,
          item_ids: list[int] | None = None) -> dict[tuple[str, int], VersionText]:
    """{(kind, item id): texts} of a course's version, of one kind and some items when given; one statement."""
    query = select(VersionText).where(VersionText.course_id == course_id, VersionText.language == language)
    if kind is not None:
        query = query.where(VersionText.kind == kind)
    if item_ids is not None:
        query = query.where(VersionText.item_id.in_(item_ids))
    return {(t.kind, t.item_id): t for t in db.session.scalars(query)}


def text_of(kind: str, item_id: int, language: str) -> VersionText | None:
    """The texts of one course, module or item in one version."""
    return db.session.scalar(select(VersionText).where(VersionText.kind == kind, VersionText.item_id == item_id,
                                                       VersionText.language == language))


def titles(course_id: int, language: str) -> dict[tuple[str, int], str]:
    """{(kind, item id): title} of a course's version: what the outline and the course page need, without the
    lessons' bodies."""
    return {(kind, item_id): title for kind, item_id, title in db.session.execute(
        select(VersionText.kind, VersionText.item_id, VersionText.title)
        .where(VersionText.course_id == course_id, VersionText.language == language,
               VersionText.title.is_not(None)))}


def reading_of(course, offered: tuple[str, ...], enrolment=None, asked: str | None = None,
               interface: str | None = None) -> Reading:
    """The version a page of `course` shows (lms.languages.choice): `asked` for this page, else the
    enrolment's chosen one, else the `interface` language, among the course's published versions `offered`."""
    return reading(course.language, offered, asked=asked,
                   chosen=getattr(enrolment, "content_language", None), interface=interface)


@dataclass(frozen=True)
class CourseTexts:
    """A course's own texts as one version shows them (the original's where the version has none)."""

    title: str
    summary: str
    outcomes: list
    topics: list


def course_texts(course, language: str | None, topics=None) -> CourseTexts:
    """The course's title, summary, outcomes and topics in the version `language` (None: the original's).
    `topics`: the course's own topic names when the caller has them (`lms.catalog.outline.course_topics`)."""
    found = text_of("course", course.id, language) if language else None
    if found is None:
        return CourseTexts(course.title, course.summary, list(course.outcomes or []),
                           list(course.topic_names if topics is None else topics))
    data = found.data or {}
    return CourseTexts(found.title or course.title, found.body or course.summary,
                       list(data.get("outcomes") or course.outcomes or []), list(data.get("topics") or []))


@dataclass(frozen=True)
class Said:
    """A text as a page shows it and the language it is written in: the version's where it gives the text, else
    the original's (a page marks each with its own `lang`)."""

    text: str
    language: str


def said(ours, theirs: str | None, language: str | None, original: str) -> Said:
    """The version's text `ours` (in `language`) when it gives one, else the original's `theirs` (in
    `original`, the course's own language): the fallback of a version's text, field by field."""
    if language and isinstance(ours, str) and ours.strip():
        return Said(ours, language)
    return Said(theirs or "", original)


def published_title(course_id: int, language: str | None) -> str | None:
    """The course's title in its published version `language`, if it has one (a certificate, a verification
    page and a catalogue card show it)."""
    if not language:
        return None
    return db.session.scalar(
        select(VersionText.title).join(CourseVersion, (CourseVersion.course_id == VersionText.course_id)
                                       & (CourseVersion.language == VersionText.language))
        .where(VersionText.course_id == course_id, VersionText.language == language, VersionText.kind == "course",
               VersionText.item_id == course_id, CourseVersion.status == "published"))


def translated_from(course_id: int, language: str, published_only: bool = False) -> list[str]:
    """The languages of the course's other versions (the published ones only, when asked) that say they were
    translated from its version in `language`."""
    query = select(CourseVersion.language).where(CourseVersion.course_id == course_id,
                                                 CourseVersion.translated_from == language,
                                                 CourseVersion.language != language)
    if published_only:
        query = query.where(CourseVersion.status == "published")
    return list(db.session.scalars(query.order_by(CourseVersion.language)))
