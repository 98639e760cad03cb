"""Assignments in the privacy feature: a person's submissions (with their text and files) and extensions in
their personal-data download, what anonymisation removes of them, and their retention.

A submission is kept as long as quiz attempts are (LMS_ANSWER_RETENTION_DAYS): after that, the text and the
files of work handed in that long ago go, as the raw responses of attempts do; that it was handed in, when,
late or not, and its marks (scores, pass/fail) stay, as attempts' scores do. Drafts never handed in are the
trainee's work in progress and are left alone. Anonymisation removes every submission's text and files (the
stored files too, once it has committed) and the reasons of extensions.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update

from lms.assignments.models import Assignment, Extension, Submission, SubmissionFile
from lms.catalog.models import Course
from lms.extensions import db
from lms.learning.models import Enrolment

# Where a submission's files go in the zip of a personal-data download.
FILES_FOLDER = "assignments"
KINDS = ("assignment_submissions", "assignment_files", "assignment_extensions")


def file_path(file: SubmissionFile) -> str:
    """The path of a submission's file in the zip download: assignments/<submission>-<file id>-<name>."""
    return f"{FILES_FOLDER}/{file.submission_id}-{file.id}-{file.name}"


def personal_rows(user_id: int) -> dict[str, list[dict]]:
    """The person's submissions (text included), their files and the extensions given to them, by kind."""
    data: dict[str, list[dict]] = {kind: [] for kind in KINDS}
    submissions = db.session.execute(
        select(Submission, Assignment.slug, Assignment.title, Course.slug)
        .join(Assignment, Assignment.id == Submission.assignment_id).join(Course, Course.id == Assignment.course_id)
        .where(Submission.user_id == user_id).order_by(Submission.created_at, Submission.id)).all()
    for s, slug, title, course_slug in submissions:
        data["assignment_submissions"].append({
            "id": s.id, "enrolment_id": s.enrolment_id, "course_slug": course_slug, "assignment_slug": slug,
            "assignment_title": title, "number": s.number, "status": s.status, "text": s.text,
            "created_at": s.created_at, "saved_at": s.saved_at, "submitted_at": s.submitted_at, "late": s.late})
    for f in db.session.scalars(select(SubmissionFile).join(Submission, Submission.id == SubmissionFile.submission_id)
                                .where(Submission.user_id == user_id).order_by(SubmissionFile.id)):
        data["assignment_files"].append({"submission_id": f.submission_id, "name": f.name, "type": f.mime_type,
                                         "size": f.size, "sha256": f.sha256, "uploaded_at": f.uploaded_at,
                                         "file": file_path(f)})
    for x, slug, course_slug in db.session.execute(
            select(Extension, Assignment.slug, Course.slug).join(Assignment, Assignment.id == Extension.assignment_id)
            .join(Course, Course.id == Assignment.course_id).join(Enrolment, Enrolment.id == Extension.enrolment_id)
            .where(Enrolment.user_id == user_id).order_by(Extension.granted_at)):
        data["assignment_extensions"].append({"enrolment_id": x.enrolment_id, "course_slug": course_slug,
                                              "assignment_slug": slug, "due_on": x.due_on, "reason": x.reason,
                                              "granted_at": x.granted_at})
    return data


def personal_files(user_id: int) -> list[tuple[str, str]]:
    """(path in the zip, storage key) of every file of the person's submissions."""
    files = db.session.scalars(select(SubmissionFile).join(Submission, Submission.id == SubmissionFile.submission_id)
                               .where(Submission.user_id == user_id).order_by(SubmissionFile.id))
    return [(file_path(f), f.storage_key) for f in files]


def _remove_files(condition) -> list[str]:
    """Delete the rows of the files of the submissions matching `condition`; returns their storage keys (deleted
    from the storage by the caller once the transaction has committed)."""
    chosen = select(Submission.id).where(condition)
    keys = list(db.session.scalars(select(SubmissionFile.storage_key).where(SubmissionFile.submission_id.in_(chosen))))
    db.session.execute(SubmissionFile.__table__.delete().where(SubmissionFile.submission_id.in_(chosen)))
    return keys


def anonymise(user_id: int, enrolment_ids: list[int], placeholder: str) -> list[str]:
    """Remove the text and files of every submission of the person, and the reasons of their extensions;
    returns the storage keys to delete after the commit."""
    keys = _remove_files(Submission.user_id == user_id)
    db.session.execute(update(Submission).where(Submission.user_id == user_id).values(text="")
                       .execution_options(synchronize_session=False))
    if enrolment_ids:
        db.session.execute(update(Extension).where(Extension.enrolment_id.in_(enrolment_ids), Extension.reason != "")
                           .values(reason=placeholder).execution_options(synchronize_session=False))
    return keys


def _expired(before: datetime):
    """SQL condition on `Submission`: handed in before `before` and still holding text or files."""
    with_files = select(SubmissionFile.submission_id)
    return (Submission.status != "draft") & (Submission.submitted_at < before) & (
        (Submission.text != "") | Submission.id.in_(with_files))


def expired_count(before: datetime) -> int:
    """How many handed-in submissions retention would clear."""
    return db.session.scalar(select(func.count(Submission.id)).where(_expired(before))) or 0


def prune(before: datetime) -> list[str]:
    """Clear the text and files of work handed in before `before`; returns the storage keys to delete after the
    commit."""
    condition = _expired(before)
    ids = list(db.session.scalars(select(Submission.id).where(condition)))
    if not ids:
        return []
    keys = _remove_files(Submission.id.in_(ids))
    db.session.execute(update(Submission).where(Submission.id.in_(ids)).values(text="")
                       .execution_options(synchronize_session=False))
    return keys
