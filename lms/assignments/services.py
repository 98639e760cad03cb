"""The writers of assignments: a rubric changed after marking (the editor's other writes are authoring's), the trainee's
(save a draft with its files, submit) and the extension staff give one trainee.

A trainee's save or submission is one unit of work: the text, the files added and the files removed are kept
together or not at all. A file is checked by its content (`lms.core.uploads.read_upload`, with the
assignment's kinds and size) and stored before its row is written; when anything of the unit is refused, the
files stored for it are deleted again and nothing is kept. Files removed from a draft leave the storage once
the removal has committed.

These services sit below learning and runs (whose completion counts assignments passed): an enrolment is
read by its attributes (`id`, `user_id`, `user`, `status`, `is_current`, `waiting`, `run`, `due_on`), never
by importing its model.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lms.assignments.models import MAX_SUBMISSION_TEXT, Assignment, Extension, Mark, Submission, SubmissionFile
from lms.assignments.rubrics import max_points
from lms.audit import services as audit
from lms.core import clock, signals, uploads, when
from lms.extensions import db

MAX_REASON = 500
# Where submissions' files are kept in the storage (keys name nothing of the person).
FILE_PREFIX = "assignments"


class SubmissionError(ValueError):
    """Work that cannot be saved or handed in: `code` is one of "not_enrolled", "handed_in", "no_tries_left",
    "text_too_long", "too_many_files", "no_files_here", "nothing" (nothing to hand in), "late_not_allowed",
    "conflict", or an upload's refusal ("too_large", "empty", "wrong_type", "archive_not_allowed"), with the parameters its message needs."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params


# The rubric ------------------------------------------------------------------------------------------------
def _change_rubric(assignment: Assignment, rubric: list | None, remark: bool, actor) -> int:
    assignment.rubric = rubric
    assignment.rubric_version = (assignment.rubric_version or 1) + 1
    reopened = 0
    if remark:
        now = clock.now()
        rows = db.session.execute(
            select(Submission, Mark).join(Mark, Mark.submission_id == Submission.id)
            .where(Submission.assignment_id == assignment.id, Submission.status == "marked",
                   Mark.is_current, Mark.outcome == "marked",
                   Mark.rubric_version.is_(None) | (Mark.rubric_version < assignment.rubric_version))).all()
        for submission, mark in rows:
            mark.superseded_at = now
            submission.status = "submitted"
            submission.version += 1
            reopened += 1
        if rows:
            # A superseded mark that passed no longer counts in the enrolments' figures (learning keeps them).
            db.session.flush()
            signals.work_changed.send("assignments", enrolment_ids=sorted({s.enrolment_id for s, _m in rows}))
    audit.record("assignment.rubric_changed", actor=actor, target=assignment, version=assignment.rubric_version,
                 remark=remark, reopened=reopened)
    return reopened


def change_rubric(assignment: Assignment, rubric: list | None, remark: bool, actor) -> int:
    """Give the assignment a new rubric (a new `rubric_version`). With `remark`, the submissions whose current
    mark was given with an older rubric go back to "submitted" to be marked again (their marks kept,
    superseded); without it the marks stay as they were given, each with the rubric it was given with.
    Returns how many went back; audited."""
    reopened = _change_rubric(assignment, rubric, remark, actor)
    if rubric:
        assignment.max_score = max(1, int(max_points(rubric)))
    assignment.course.package_hash = None
    db.session.commit()
    return reopened


# Due dates -------------------------------------------------------------------------------------------------
def due_day(assignment: Assignment, extension: Extension | None, enrolment) -> date | None:
    """The day the work is due for this enrolment: its extension; else the assignment's date; else the end of
    the trainee's run; else the enrolment's due date; else none."""
    if extension is not None:
        return extension.due_on
    if assignment.due_on is not None:
        return assignment.due_on
    run = getattr(enrolment, "run", None)
    if run is not None:
        return run.ends_on
    return getattr(enrolment, "due_on", None)


def due_at(assignment: Assignment, extension: Extension | None, enrolment) -> datetime | None:
    """The moment the work is due: the end of `due_day` in the trainee's zone."""
    return when.end_of_day(due_day(assignment, extension, enrolment), when.person_zone(enrolment.user))


def may_hand_in(enrolment) -> bool:
    """Whether the enrolment may save and hand in work: current, not withdrawn, holding a place."""
    return (enrolment is not None and enrolment.is_current and enrolment.status != "withdrawn"
            and not enrolment.waiting)


def open_try(assignment: Assignment, tries: list[Submission]) -> tuple[Submission | None, int | None, str | None]:
    """What the trainee works on now: (the draft, None, None), (None, the number a new try would take, None),
    or (None, None, why none: "handed_in" while the last is being marked or marked, "no_tries_left")."""
    latest = tries[-1] if tries else None
    if latest is None:
        return None, 1, None
    if latest.status == "draft":
        return latest, None, None
    if latest.status == "returned":
        if latest.number <= assignment.resubmissions:
            return None, latest.number + 1, None
        return None, None, "no_tries_left"
    return None, None, "handed_in"


# The trainee's work ----------------------------------------------------------------------------------------
def _draft(assignment: Assignment, enrolment, tries: list[Submission]) -> Submission:
    draft, number, why = open_try(assignment, tries)
    if why is not None:
        raise SubmissionError(why)
    if draft is None:
        draft = Submission(assignment_id=assignment.id, enrolment_id=enrolment.id, user_id=enrolment.user_id,
                           number=number, status="draft", text="")
        db.session.add(draft)
    return draft


def _read_files(assignment: Assignment, files) -> list[uploads.Upload]:
    """Every chosen file checked, before anything is stored: the first refusal stops them all."""
    accepted = []
    for stream, filename in files:
        try:
            accepted.append(uploads.read_upload(stream, filename, uploads.parse_kinds(assignment.file_kinds),
                                                assignment.max_file_mb * 1024 * 1024))
        except uploads.UploadRefused as exc:
            raise SubmissionError(exc.code, name=uploads.clean_name(filename), **exc.params) from None
    return accepted


def _work(assignment: Assignment, enrolment, text: str | None, files, remove_ids) -> tuple[Submission, list, list]:
    """Apply a save to the trainee's draft (not committed): returns it, the keys stored and the keys to delete."""
    if not may_hand_in(enrolment):
        raise SubmissionError("not_enrolled")
    tries = list(db.session.scalars(select(Submission).where(
        Submission.assignment_id == assignment.id, Submission.enrolment_id == enrolment.id)
        .order_by(Submission.number).with_for_update()))
    draft = _draft(assignment, enrolment, tries)
    if text is not None and assignment.accepts != "files":
        if len(text) > MAX_SUBMISSION_TEXT:
            raise SubmissionError("text_too_long", maximum=MAX_SUBMISSION_TEXT)
        draft.text = text
    files = list(files or [])
    if files and assignment.accepts == "text":
        raise SubmissionError("no_files_here")
    remove_ids = set(remove_ids or ())
    removed = [f for f in draft.files if f.id in remove_ids]
    if len(draft.files) - len(removed) + len(files) > assignment.max_files:
        raise SubmissionError("too_many_files", maximum=assignment.max_files)
    accepted = _read_files(assignment, files)
    stored: list[str] = []
    try:
        for upload in accepted:
            key = uploads.store(upload, FILE_PREFIX)
            stored.append(key)
            draft.files.append(SubmissionFile(storage_key=key, name=upload.name, mime_type=upload.mime_type,
                                              size=upload.size, sha256=upload.sha256))
    except Exception:
        for key in stored:
            uploads.discard(key)
        raise
    for file in removed:
        draft.files.remove(file)
    draft.saved_at = clock.now()
    return draft, stored, [f.storage_key for f in removed]


def _commit(stored: list[str], removed: list[str]) -> None:
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        for key in stored:
            uploads.discard(key)
        raise SubmissionError("conflict") from None
    for key in removed:
        uploads.discard(key)


def save_work(assignment: Assignment, enrolment, text: str | None, files=(), remove_ids=()) -> Submission:
    """Save the trainee's draft: its text (None: unchanged), new `files` ((stream, name) pairs) and the ids of
    files to remove; all or nothing (SubmissionError, nothing kept)."""
    try:
        draft, stored, removed = _work(assignment, enrolment, text, files, remove_ids)
    except Exception:
        db.session.rollback()
        raise
    _commit(stored, removed)
    return draft


def submit_work(assignment: Assignment, enrolment, text: str | None, files=(), remove_ids=(),
                due: datetime | None = None) -> Submission:
    """Save what the page holds and hand the draft in, in one unit: refused with nothing kept when it is empty
    for what the assignment accepts ("nothing"), or after `due` when late work is not allowed
    ("late_not_allowed"); marked late after `due` otherwise."""
    now = clock.now()
    stored: list[str] = []
    try:
        late = due is not None and now > due
        if late and not assignment.late_allowed:
            raise SubmissionError("late_not_allowed", due=due)
        draft, stored, removed = _work(assignment, enrolment, text, files, remove_ids)
        has_text, has_files = bool(draft.text.strip()), bool(draft.files)
        if (assignment.accepts == "text" and not has_text) or (assignment.accepts == "files" and not has_files) \
                or not (has_text or has_files):
            raise SubmissionError("nothing", accepts=assignment.accepts)
        draft.status, draft.submitted_at, draft.late = "submitted", now, late
    except Exception:
        db.session.rollback()
        for key in stored:
            uploads.discard(key)
        raise
    _commit(stored, removed)
    return draft


# Extensions ------------------------------------------------------------------------------------------------
def give_extension(assignment: Assignment, enrolment, due_on: date, reason: str, actor) -> Extension:
    """Give one trainee a later due date for the assignment (replacing an earlier extension); audited with the
    date it replaces."""
    reason = " ".join((reason or "").split())[:MAX_REASON]
    extension = db.session.get(Extension, (assignment.id, enrolment.id))
    before = when.iso(extension.due_on) if extension is not None else None
    if extension is None:
        extension = Extension(assignment_id=assignment.id, enrolment_id=enrolment.id)
        db.session.add(extension)
    extension.due_on, extension.reason = due_on, reason
    extension.granted_by_id, extension.granted_at = getattr(actor, "id", None), clock.now()
    # About the trainee's enrolment, so that anonymising them clears the reason from the log too.
    audit.record("assignment.extension_given", actor=actor, target=enrolment, assignment_id=assignment.id,
                 assignment=assignment.slug, due_on=when.iso(due_on), before=before, reason=reason)
    db.session.commit()
    return extension


def remove_extension(assignment: Assignment, enrolment, actor) -> None:
    """Take back a trainee's extension (the usual due date applies again); audited."""
    extension = db.session.get(Extension, (assignment.id, enrolment.id))
    if extension is None:
        return
    audit.record("assignment.extension_removed", actor=actor, target=enrolment, assignment_id=assignment.id,
                 assignment=assignment.slug, before=when.iso(extension.due_on))
    db.session.delete(extension)
    db.session.commit()
