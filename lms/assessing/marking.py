"""The writers of marks: marking a submission (a score or a rubric's levels, feedback, a feedback file, marked
or returned for resubmission), re-marking (the earlier mark is kept, superseded), and releasing held-back marks
together.

Two assessors never overwrite each other: the form carries the submission's `version` as it was when the page
opened, and the mark is written only if it is still that version (one conditional UPDATE, atomic on every
database); otherwise `MarkConflict` carries the mark the other assessor gave and nothing is written.

A mark that counts (released, outcome "marked") can complete the course: `check_completion` runs in the same
transaction, so the certificate is issued with it. A mark of an assignment that holds marks is written with
`released_at` NULL and completes nothing until `release_marks`. A return for resubmission is never held back:
it asks the trainee to act, so it is released (and told) at once.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from lms.assessing import notices, queries
from lms.assignments import rubrics
from lms.assignments.models import MAX_FEEDBACK_TEXT, OUTCOMES, Assignment, Mark, Submission
from lms.audit import services as audit
from lms.auth.models import User
from lms.core import clock, uploads
from lms.core.uploads import Upload
from lms.extensions import db
from lms.learning import completion, figures
from lms.learning.models import Enrolment
from lms.learning.services import check_completion, complete_enrolment

# The feedback file an assessor may attach: documents and images, at most FEEDBACK_FILE_MB.
FEEDBACK_FILE_KINDS = ("pdf", "docx", "odt", "xlsx", "ods", "pptx", "jpg", "png")
FEEDBACK_FILE_MB = 10
# A typed score: up to seven digits, and up to two decimals after a point or a comma.
SCORE = re.compile(r"[0-9]{1,7}(?:[.,][0-9]{1,2})?")
# Where feedback files are kept in the storage: a key naming the course, never the person.
FEEDBACK_PREFIX = "assignment-feedback"


class MarkingError(ValueError):
    """A mark that cannot be written: `code` "outcome_unknown", "score_missing", "score_invalid",
    "score_above_maximum" (`maximum`), "level_missing" / "level_unknown" (`criterion`), "feedback_too_long"
    (`maximum`), "not_handed_in" (a draft) or "newer_try" (the trainee has handed in a later try)."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params


class MarkConflict(Exception):
    """Another assessor marked the submission since the form was opened: `mark` is what they gave (None if their
    change was not a mark), `version` the submission's version now. Nothing was written."""

    def __init__(self, mark: Mark | None, version: int):
        super().__init__("conflict")
        self.mark, self.version = mark, version


@dataclass(frozen=True)
class MarkFields:
    """What the marking form sends: the outcome, a score (without a rubric) or a level per criterion (with one,
    each the index of a level, or None), the feedback, and the submission's version the page was opened on."""

    outcome: str
    version: int
    score: str | Decimal | None = None
    levels: tuple = ()
    feedback: str = ""


@dataclass(frozen=True)
class Judgement:
    """A checked mark before it is written: its score, percent and pass, and the levels chosen."""

    score: Decimal | None
    percent: Decimal | None
    passed: bool
    levels: list | None


def _score(value, maximum: Decimal) -> Decimal | None:
    """A typed score: digits with at most two decimals after a point or a comma (nothing else: no sign, no
    exponent), at most the maximum; None when empty."""
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    if not SCORE.fullmatch(text):
        raise MarkingError("score_invalid")
    score = Decimal(text.replace(",", ".", 1))
    if score > maximum:
        raise MarkingError("score_above_maximum", maximum=maximum)
    return score


def judge(assignment: Assignment, fields: MarkFields) -> Judgement:
    """The mark the fields give, checked against the assignment (its maximum, or its rubric); MarkingError
    otherwise. A return for resubmission may carry a score or levels, or none; a mark must carry one."""
    if fields.outcome not in OUTCOMES:
        raise MarkingError("outcome_unknown")
    if len(fields.feedback or "") > MAX_FEEDBACK_TEXT:
        raise MarkingError("feedback_too_long", maximum=MAX_FEEDBACK_TEXT)
    levels = None
    if assignment.rubric:
        chosen = [None if level in (None, "") else level for level in fields.levels]
        if fields.outcome == "returned" and not any(level is not None for level in chosen):
            return Judgement(None, None, False, None)
        try:
            score = rubrics.score(assignment.rubric, chosen)
        except rubrics.RubricError as exc:
            raise MarkingError(exc.code, **exc.params) from None
        maximum = rubrics.max_points(assignment.rubric)
        levels = [int(level) for level in chosen]
    else:
        maximum = Decimal(assignment.max_score)
        score = _score(fields.score, maximum)
        if score is None:
            if fields.outcome == "returned":
                return Judgement(None, None, False, None)
            raise MarkingError("score_missing")
    percent = queries.percent_of(score, maximum)
    passed = fields.outcome == "marked" and percent >= assignment.pass_mark
    return Judgement(score, percent, passed, levels)


def mark_submission(submission: Submission, fields: MarkFields, feedback_file: Upload | None, actor: User) -> Mark:
    """Mark a handed-in submission (or mark it again: the current mark is superseded, kept), as `actor`.
    Refused with MarkingError for what the fields or the submission's state forbid, MarkConflict when another
    assessor marked it since `fields.version`; in both cases nothing is written. Audited as "assignment.marked".
    Commits."""
    assignment = submission.assignment
    judgement = judge(assignment, fields)
    if submission.status == "draft":
        raise MarkingError("not_handed_in")
    later = db.session.scalar(select(func.count()).select_from(Submission).where(
        Submission.assignment_id == submission.assignment_id, Submission.enrolment_id == submission.enrolment_id,
        Submission.number > submission.number, Submission.status != "draft"))
    if later:
        raise MarkingError("newer_try")
    status = "marked" if fields.outcome == "marked" else "returned"
    taken = db.session.execute(
        update(Submission).where(Submission.id == submission.id, Submission.version == fields.version)
        .values(version=Submission.version + 1, status=status).execution_options(synchronize_session=False)).rowcount
    if taken != 1:
        db.session.rollback()
        db.session.refresh(submission)
        raise MarkConflict(queries.current_mark(submission.id), submission.version)
    now = clock.now()
    db.session.execute(update(Mark).where(Mark.submission_id == submission.id, Mark.is_current)
                       .values(superseded_at=now).execution_options(synchronize_session=False))
    key = uploads.store(feedback_file, f"{FEEDBACK_PREFIX}/{assignment.course_id}") if feedback_file else None
    try:
        held = assignment.hold_marks and fields.outcome == "marked"
        mark = Mark(submission_id=submission.id, assessor_id=actor.id, outcome=fields.outcome,
                    score=judgement.score, percent=judgement.percent, passed=judgement.passed,
                    feedback=(fields.feedback or "").strip(), feedback_key=key,
                    feedback_name=feedback_file.name if feedback_file else None,
                    feedback_mime=feedback_file.mime_type if feedback_file else None,
                    feedback_size=feedback_file.size if feedback_file else None,
                    rubric=assignment.rubric if judgement.levels is not None else None,
                    rubric_version=assignment.rubric_version if judgement.levels is not None else None,
                    levels=judgement.levels, created_at=now, released_at=None if held else now)
        db.session.add(mark)
        db.session.flush()
        # The mark superseded (which may have passed) and the new one, if released, change what counts.
        figures.refresh([submission.enrolment_id], attempts=False)
        if not held:
            _count([mark], assignment)
        audit.record("assignment.marked", actor=actor, target=submission, assignment=assignment.slug,
                     outcome=fields.outcome, score=str(judgement.score) if judgement.score is not None else None,
                     held=held, mark_id=mark.id)
        db.session.commit()
    except Exception:
        db.session.rollback()
        uploads.discard(key)  # the row naming it was not written
        raise
    db.session.expire(submission)
    return mark


def _count(marks: list[Mark], assignment: Assignment) -> None:
    """Make released marks count: the trainees are told, and a passed mark may complete the course (one
    enrolment: `check_completion`; many: the same rule read for all at once, then each completion written)."""
    notices.tell_marked([m.id for m in marks])
    enrolment_ids = sorted({m.submission.enrolment_id for m in marks if m.passed and m.outcome == "marked"})
    if not enrolment_ids:
        return
    course = assignment.course
    enrolments = list(db.session.scalars(select(Enrolment).where(Enrolment.id.in_(enrolment_ids))
                                         .options(selectinload(Enrolment.user))))
    if len(enrolments) == 1:
        check_completion(enrolments[0], course)
        return
    ready = [e for e in enrolments if e.status == "active" and e.is_current and e.waiting_since is None]
    met = set(completion.enrolments_meeting_rule(course, [e.id for e in ready])) if ready else set()
    for enrolment in ready:
        if enrolment.id in met:
            complete_enrolment(enrolment, course)


def release_marks(assignment: Assignment, run_id: int | None, actor: User) -> int:
    """Release every held-back current mark of the assignment (of one run when given) at once: the trainees are
    told and passed marks complete their courses, in this transaction. Returns how many were released.
    Audited as "assignment.marks_released". Commits."""
    held = queries.held_marks(assignment.id, run_id)
    if not held:
        return 0
    now = clock.now()
    db.session.execute(update(Mark).where(Mark.id.in_([m.id for m in held]), ~Mark.is_released)
                       .values(released_at=now).execution_options(synchronize_session=False))
    figures.refresh(sorted({m.submission.enrolment_id for m in held}), attempts=False)  # the passed ones count now
    _count(held, assignment)
    audit.record("assignment.marks_released", actor=actor, target=assignment, run_id=run_id, count=len(held))
    db.session.commit()
    return len(held)
