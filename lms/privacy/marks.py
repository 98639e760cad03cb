"""Marks and their feedback in privacy: the personal-data download, anonymisation and retention.

- **Download.** The marks given on the person's work that they have been shown (released; a held-back mark
  joins once released, as exam results are told to everyone at once), with the rubric's levels chosen, the
  feedback and the feedback file (in the zip under `feedback/`). The marks the person gave as an assessor are
  listed without the work's owner or the feedback text (about someone else).
- **Anonymising the trainee.** The assessor's judgement stays (outcome, score, percent, passed, the rubric and
  levels: the figures of the course and of the gradebook); the feedback text, written about the person's work,
  is replaced by the placeholder, and the feedback files are deleted (after the commit).
- **Anonymising an assessor.** Their marks stay as given; the assessor shown is the anonymised account.
- **Retention.** As attempts' raw answers (LMS_ANSWER_RETENTION_DAYS): the feedback text and file of marks
  given longer ago are cleared; the judgement stays.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, null, or_, select, update

from lms.assignments.models import Assignment, Mark, Submission
from lms.auth.models import User
from lms.catalog.models import Course
from lms.core import uploads
from lms.core.storage import StorageNotFound
from lms.extensions import db

FEEDBACK_FOLDER = "feedback"
PLACEHOLDER = "[removed]"
KINDS = ("assignment_marks", "assignment_marks_given")


def _levels(mark: Mark) -> str | None:
    """The levels a rubric mark chose, as "criterion: level (points)" joined by "; "."""
    if not mark.rubric or not mark.levels:
        return None
    return "; ".join(f"{c['title']}: {c['levels'][i]['title']} ({c['levels'][i]['points']})"
                     for c, i in zip(mark.rubric, mark.levels, strict=False) if 0 <= i < len(c["levels"]))


def feedback_file_name(mark: Mark) -> str:
    """The path of a mark's feedback file in the zip download: feedback/<mark>-<name>."""
    return f"{FEEDBACK_FOLDER}/{mark.id}-{mark.feedback_name or 'feedback'}"


def rows_of(user_id: int) -> dict[str, list[dict]]:
    """The person's marks (received, released) and the marks they gave, as rows of the download. Two
    statements."""
    received = []
    for mark, number, a_slug, a_title, c_slug, assessor in db.session.execute(
            select(Mark, Submission.number, Assignment.slug, Assignment.title, Course.slug, User.name)
            .join(Submission, Submission.id == Mark.submission_id)
            .join(Assignment, Assignment.id == Submission.assignment_id)
            .join(Course, Course.id == Assignment.course_id).outerjoin(User, User.id == Mark.assessor_id)
            .where(Submission.user_id == user_id, Mark.is_released).order_by(Mark.id)):
        received.append({
            "course_slug": c_slug, "assignment_slug": a_slug, "assignment_title": a_title, "submission": number,
            "outcome": mark.outcome, "score": mark.score, "percent": mark.percent, "passed": mark.passed,
            "rubric_levels": _levels(mark), "feedback": mark.feedback,
            "feedback_file": feedback_file_name(mark) if mark.feedback_key else None, "assessor": assessor,
            "marked_at": mark.created_at, "released_at": mark.released_at, "superseded_at": mark.superseded_at,
        })
    given = [{"course_slug": c_slug, "assignment_slug": a_slug, "outcome": outcome, "marked_at": created_at}
             for outcome, created_at, a_slug, c_slug in db.session.execute(
                 select(Mark.outcome, Mark.created_at, Assignment.slug, Course.slug)
                 .join(Submission, Submission.id == Mark.submission_id)
                 .join(Assignment, Assignment.id == Submission.assignment_id)
                 .join(Course, Course.id == Assignment.course_id)
                 .where(Mark.assessor_id == user_id).order_by(Mark.id))]
    return {"assignment_marks": received, "assignment_marks_given": given}


def feedback_documents(user_id: int, log) -> dict[str, bytes]:
    """The feedback files of the person's released marks, by their path in the zip (one missing from the storage
    is left out: its row still names it)."""
    documents = {}
    for mark in db.session.scalars(select(Mark).join(Submission, Submission.id == Mark.submission_id).where(
            Submission.user_id == user_id, Mark.is_released, Mark.feedback_key.is_not(None))):
        try:
            documents[feedback_file_name(mark)] = b"".join(uploads.stream(mark.feedback_key))
        except StorageNotFound:
            log.warning("feedback file %s of mark %s is missing from the storage", mark.feedback_key, mark.id)
    return documents


def anonymise_trainee(user_id: int) -> list[str]:
    """Clear the feedback (text and file) of every mark on the person's work; the judgement stays. Returns the
    storage keys to delete once the anonymisation commits. The caller commits."""
    theirs = Mark.submission_id.in_(select(Submission.id).where(Submission.user_id == user_id))
    keys = list(db.session.scalars(select(Mark.feedback_key).where(theirs, Mark.feedback_key.is_not(None))))
    db.session.execute(update(Mark).where(theirs, Mark.feedback != "").values(feedback=PLACEHOLDER)
                       .execution_options(synchronize_session=False))
    db.session.execute(update(Mark).where(theirs, Mark.feedback_key.is_not(None)).values(
        feedback_key=None, feedback_name=None, feedback_mime=None, feedback_size=None)
        .execution_options(synchronize_session=False))
    return keys


def feedback_to_clear(before: datetime):
    """SQL condition on `Mark`: given before `before` and still holding feedback text or a file."""
    return and_(Mark.created_at < before, or_(and_(Mark.feedback != "", Mark.feedback != PLACEHOLDER),
                                              Mark.feedback_key.is_not(None)))


def clear_feedback(before: datetime) -> list[str]:
    """Clear the feedback text and file of marks given before `before`; returns the files' keys to delete after
    the commit. The caller commits."""
    condition = feedback_to_clear(before)
    keys = list(db.session.scalars(select(Mark.feedback_key).where(condition, Mark.feedback_key.is_not(None))))
    db.session.execute(update(Mark).where(condition).values(
        feedback=PLACEHOLDER, feedback_key=null(), feedback_name=null(), feedback_mime=null(),
        feedback_size=null()).execution_options(synchronize_session=False))
    return keys


def discard_files(keys: list[str]) -> None:
    """Delete feedback files from the storage (after the commit that forgot them)."""
    for key in keys:
        uploads.discard(key)
