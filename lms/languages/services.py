"""The one writer of language versions: a package's import replaces a course's versions; the editor adds a
version, saves its texts item by item, publishes it once it is complete, returns it to draft or deletes it.

The writers take the course (any object with `id`, `language` and `package_hash`, a `Course`): these models
sit below the catalogue and name it only by its key. Each browser edit clears the course's package
fingerprint, as the authoring editors do, so that `lms init` keeps what was made in the browser. Every
write of the editor is audited (on the course, with the language) and commits.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, select

from lms.audit import services as audit
from lms.core import clock
from lms.extensions import db
from lms.languages import queries
from lms.languages.completeness import lacks
from lms.languages.models import LANGUAGE_RE, MAX_CREDIT, MAX_TAG, MAX_VERSIONS, CourseVersion, VersionText


@dataclass
class Text:
    """The texts of one thing in a version (see VersionText)."""

    kind: str
    item_id: int
    title: str | None = None
    body: str | None = None
    data: dict | None = None


@dataclass
class Version:
    """A whole version as a package holds it: who translated it and how, and every text."""

    language: str
    translated_from: str
    translated_by: str
    reviewed: bool
    note: str
    texts: list[Text] = field(default_factory=list)


def replace_versions(course_id: int, versions: list[Version]) -> None:
    """Make the course's published versions exactly `versions` (a package's import): each published, its
    texts written anew; a published version the package no longer holds is removed with its texts. A draft
    made in the browser that the package does not hold is kept with its texts (an export holds published
    versions only, so a package downloaded and uploaded again never had it). Attempts taken in a removed
    version keep their own copy of the questions. Part of the caller's transaction."""
    wanted = {v.language for v in versions}
    existing = {v.language: v for v in db.session.scalars(
        select(CourseVersion).where(CourseVersion.course_id == course_id))}
    kept = {language for language, v in existing.items() if v.status == "draft" and language not in wanted}
    for language in set(existing) - wanted - kept:
        db.session.delete(existing[language])
    db.session.execute(delete(VersionText).where(VersionText.course_id == course_id,
                                                 VersionText.language.not_in(kept)))
    db.session.flush()
    for v in versions:
        row = existing.get(v.language) or CourseVersion(course_id=course_id, language=v.language)
        row.status, row.translated_from, row.translated_by = "published", v.translated_from, v.translated_by
        row.reviewed, row.note = v.reviewed, v.note
        db.session.add(row)
        db.session.add_all(VersionText(course_id=course_id, language=v.language, kind=t.kind, item_id=t.item_id,
                                       title=t.title, body=t.body, data=t.data) for t in v.texts)
    db.session.flush()


class VersionError(ValueError):
    """A refused change of a version. `code`: "not_language" (not a language tag), "own_language" (the
    course's own), "exists" (the course has it), "too_many" (MAX_VERSIONS), "unknown_source" (translated
    from neither the course's language nor another of its versions), "too_long" (a credit past MAX_CREDIT),
    "no_credit" (publishing without saying who translated it), "incomplete" (publishing, or emptying a text
    of a published version, while texts are missing: `lacking` lists (original's texts, parts missing)),
    "source_draft" (a published version translated from a version that is a draft: a package holds published
    versions only, so it would name a source it does not hold), "is_source" (deleting a version others say
    they were translated from, or taking it back to draft while a published one does: `languages` names them)."""

    def __init__(self, code: str, lacking: list | None = None, languages: list[str] | None = None):
        super().__init__(code)
        self.code, self.lacking, self.languages = code, lacking or [], languages or []


def normal_tag(tag: str) -> str:
    """A language tag as typed, tidied as the platform writes it: no spaces, "_" as "-", the language in
    lower case ("PT_br" becomes "pt-br"; the subtags after it keep their case)."""
    language, _sep, rest = (tag or "").strip().replace("_", "-").partition("-")
    return language.lower() + (f"-{rest}" if rest else "")


def add_version(course, language: str, translated_from: str, translated_by: str, reviewed: bool, note: str,
                actor) -> CourseVersion:
    """Start a version of the course in `language`, as a draft with no texts yet: a language tag, not the
    course's own, not one it has, within MAX_VERSIONS; translated from the course's language or one of its
    versions."""
    language = normal_tag(language)
    if not LANGUAGE_RE.match(language) or len(language) > MAX_TAG:
        raise VersionError("not_language")
    if language.lower() == (course.language or "").lower():
        raise VersionError("own_language")
    others = [v.language for v in db.session.scalars(select(CourseVersion).where(CourseVersion.course_id == course.id))]
    if language.lower() in {other.lower() for other in others}:
        raise VersionError("exists")
    if len(others) >= MAX_VERSIONS:
        raise VersionError("too_many")
    source, translated_by, note = _credit(course, others, translated_from, translated_by, note)
    version = CourseVersion(course_id=course.id, language=language, status="draft", translated_from=source,
                            translated_by=translated_by, reviewed=bool(reviewed), note=note)
    db.session.add(version)
    _touched(course)
    audit.record("version.added", actor=actor, target=course, language=language)
    db.session.commit()
    return version


def change_credit(course, version: CourseVersion, translated_from: str, translated_by: str, reviewed: bool,
                  note: str, actor) -> None:
    """Say again who translated the version and how (from which language, by whom, reviewed or not, a note).
    A published version keeps someone named."""
    others = [v.language for v in db.session.scalars(select(CourseVersion).where(
        CourseVersion.course_id == course.id, CourseVersion.language != version.language))]
    source, translated_by, note = _credit(course, others, translated_from, translated_by, note)
    if version.status == "published" and not translated_by:
        raise VersionError("no_credit")
    if version.status == "published":
        _published_source(course, source)
    version.translated_from, version.translated_by, version.reviewed, version.note = \
        source, translated_by, bool(reviewed), note
    _touched(course)
    audit.record("version.credit_changed", actor=actor, target=course, language=version.language,
                 translated_from=version.translated_from, reviewed=version.reviewed)
    db.session.commit()


def _credit(course, others: list[str], translated_from: str, translated_by: str, note: str) -> tuple[str, str, str]:
    """(translated from, by, note) checked and tidied: the source is the course's language or one of its
    other versions (`others`); the texts within MAX_CREDIT."""
    source = normal_tag(translated_from) or course.language
    if source != course.language and source not in others:
        raise VersionError("unknown_source")
    translated_by, note = " ".join((translated_by or "").split()), (note or "").strip()
    if len(translated_by) > MAX_CREDIT or len(note) > MAX_CREDIT:
        raise VersionError("too_long")
    return source, translated_by, note


def save_text(course, version: CourseVersion, text: Text, original: Text, actor) -> VersionText:
    """Write the version's texts of one thing (`text`), in place of those it had. `original` is the
    original's texts of the same thing: a published version stays complete, so a text it lacks is refused
    ("incomplete"); a draft may hold some texts and not others."""
    if version.status == "published":
        missing = lacks(original, text)
        if missing:
            raise VersionError("incomplete", [(original, missing)])
    row = db.session.scalar(select(VersionText).where(
        VersionText.kind == text.kind, VersionText.item_id == text.item_id, VersionText.language == version.language))
    if row is None:
        row = VersionText(course_id=course.id, language=version.language, kind=text.kind, item_id=text.item_id)
        db.session.add(row)
    row.title, row.body, row.data = text.title, text.body, text.data
    version.updated_at = clock.now()  # the version changed with its texts
    _touched(course)
    audit.record("version.text_saved", actor=actor, target=course, language=version.language, kind=text.kind,
                 item_id=text.item_id)
    db.session.commit()
    return row


def publish(course, version: CourseVersion, originals: list[Text], actor) -> None:
    """Publish the version (trainees may choose it), when it is complete: `originals` are the original's
    texts of every live thing of the course, and the version must give each (`completeness.lacks`), and say
    who translated it. Refused otherwise, with the list of what is missing."""
    found = {(t.kind, t.item_id): t for t in db.session.scalars(select(VersionText).where(
        VersionText.course_id == course.id, VersionText.language == version.language))}
    lacking = [(o, missing) for o in originals if (missing := lacks(o, found.get((o.kind, o.item_id))))]
    if lacking:
        raise VersionError("incomplete", lacking)
    if not version.translated_by:
        raise VersionError("no_credit")
    _published_source(course, version.translated_from)
    version.status = "published"
    _touched(course)
    audit.record("version.published", actor=actor, target=course, language=version.language,
                 texts=len(originals))
    db.session.commit()


def return_to_draft(course, version: CourseVersion, actor) -> None:
    """Take the version back to draft: trainees no longer choose it (what they took in it is kept). Refused
    while a published version says it was translated from it."""
    _not_a_source(course, version, published_only=True)
    version.status = "draft"
    _touched(course)
    audit.record("version.unpublished", actor=actor, target=course, language=version.language)
    db.session.commit()


def delete_version(course, version: CourseVersion, actor) -> None:
    """Delete the version and every text of it. Attempts taken in it keep their own copy of the questions
    (and name its language); the audit keeps who deleted it and how many texts went. Refused while another
    version says it was translated from it."""
    _not_a_source(course, version, published_only=False)
    language = version.language
    gone = db.session.execute(delete(VersionText).where(VersionText.course_id == course.id,
                                                        VersionText.language == language)).rowcount
    db.session.delete(version)
    _touched(course)
    audit.record("version.deleted", actor=actor, target=course, language=language, status=version.status,
                 texts=gone)
    db.session.commit()


def _not_a_source(course, version: CourseVersion, published_only: bool) -> None:
    found = queries.translated_from(course.id, version.language, published_only)
    if found:
        raise VersionError("is_source", languages=found)


def _published_source(course, source: str) -> None:
    """A published version is translated from the course's language or from a published version."""
    if source and source != course.language and db.session.scalar(select(CourseVersion.status).where(
            CourseVersion.course_id == course.id, CourseVersion.language == source)) != "published":
        raise VersionError("source_draft")


def _touched(course) -> None:
    """The course changed in the browser since its package was imported: its fingerprint is cleared (as every
    authoring edit clears it), so that `lms init` does not import its package over what was made here."""
    course.package_hash = None
