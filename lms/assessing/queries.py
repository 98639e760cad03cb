"""The marking's named reads: the queues of a course (each assignment with its counts, in one grouped
statement), one assignment's submissions in a queue (one statement, the current mark joined), the work on one
marking page, the courses a person assesses, and the stable pseudonym shown instead of a name.

A queue is read for a person through `scope` (`lms.access.assess_scope` on `Enrolment.run_id`): the query
cannot run without it.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from decimal import Decimal

from flask import current_app
from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import selectinload

from lms.assignments.models import Assignment, Extension, Mark, Submission, SubmissionFile
from lms.auth.models import User
from lms.catalog.items import live_items
from lms.catalog.models import Course, CourseStaff, EDITING_ROLES
from lms.extensions import db
from lms.learning.models import Enrolment
from lms.runs.models import CourseRun

# The states a queue of one assignment shows.
SHOWS = ("to_mark", "marked", "returned", "late", "all")


def pseudonym(submission: Submission) -> str:
    """The number shown instead of a trainee's name when the assignment hides names: the same for every try of
    one trainee at one assignment (the marking page shows them together), different across assignments, and
    not the account's id (a keyed hash of the assignment and enrolment, six digits)."""
    key = current_app.config["SECRET_KEY"].encode()
    message = f"pseudonym:{submission.assignment_id}:{submission.enrolment_id}".encode()
    return str(100000 + int.from_bytes(hmac.new(key, message, hashlib.sha256).digest()[:8], "big") % 900000)


# Lookups of the pages' objects --------------------------------------------------------------------------------
def submission_by_id(submission_id: int) -> Submission | None:
    """A submission by its id."""
    return db.session.get(Submission, submission_id)


def run_of_enrolment(enrolment_id: int) -> int | None:
    """The run an enrolment is in (None: none)."""
    return db.session.scalar(select(Enrolment.run_id).where(Enrolment.id == enrolment_id))


def work_file(file_id: int) -> SubmissionFile | None:
    """A file of a submission by its id."""
    return db.session.get(SubmissionFile, file_id)


def mark_by_id(mark_id: int) -> Mark | None:
    """A mark by its id."""
    return db.session.get(Mark, mark_id)


def assignment_by_id(assignment_id: int) -> Assignment | None:
    """An assignment by its id."""
    return db.session.get(Assignment, assignment_id)


def assesses_any_course(user_id: int) -> bool:
    """Whether the person is on some course's staff as its assessor, owner or instructor (those who mark)."""
    return bool(db.session.scalar(select(exists().where(
        CourseStaff.user_id == user_id, CourseStaff.role.in_((*EDITING_ROLES, "assessor"))))))


def courses_assessed(user_id: int | None) -> list[Course]:
    """The courses whose work the person marks, by title: where they are on the staff as assessor, owner or
    instructor (None: every course with an assignment, for admins)."""
    if user_id is None:
        condition = Course.id.in_(select(Assignment.course_id))
    else:
        condition = Course.id.in_(select(CourseStaff.course_id).where(
            CourseStaff.user_id == user_id, CourseStaff.role.in_((*EDITING_ROLES, "assessor"))))
    return list(db.session.scalars(select(Course).where(condition).order_by(Course.title)))


# The queues ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class QueueCounts:
    """An assignment of the course with the counts of its handed-in work in the reader's scope."""

    assignment: Assignment
    to_mark: int
    marked: int
    returned: int
    late: int
    held: int


def _in_scope(scope, run_id: int | None):
    conditions = [Enrolment.id == Submission.enrolment_id, scope]
    if run_id is not None:
        conditions.append(Enrolment.run_id == run_id)
    return conditions


def queue(course_id: int, scope, run_id: int | None = None) -> list[QueueCounts]:
    """The course's live assignments in the order of the course, each with how many submissions are to mark
    (submitted), marked, returned and late, and how many current marks are held back, among the work `scope`
    lets the reader see (of one run when `run_id` is given). One statement."""
    handed_in = Submission.status != "draft"
    counts = (select(Submission.assignment_id.label("assignment_id"),
                     func.sum(case((Submission.status == "submitted", 1), else_=0)).label("to_mark"),
                     func.sum(case((Submission.status == "marked", 1), else_=0)).label("marked"),
                     func.sum(case((Submission.status == "returned", 1), else_=0)).label("returned"),
                     func.sum(case((Submission.late.is_(True), 1), else_=0)).label("late"))
              .join(Enrolment, and_(*_in_scope(scope, run_id))).where(handed_in)
              .group_by(Submission.assignment_id).subquery())
    held = (select(Submission.assignment_id.label("assignment_id"), func.count(Mark.id).label("held"))
            .join(Mark, Mark.submission_id == Submission.id).join(Enrolment, and_(*_in_scope(scope, run_id)))
            .where(~Mark.is_released, Mark.is_current)
            .group_by(Submission.assignment_id).subquery())
    live = live_items(Assignment).where(Assignment.course_id == course_id)
    rows = db.session.execute(
        select(Assignment, *(func.coalesce(counts.c[name], 0) for name in ("to_mark", "marked", "returned", "late")),
               func.coalesce(held.c.held, 0))
        .outerjoin(counts, counts.c.assignment_id == Assignment.id)
        .outerjoin(held, held.c.assignment_id == Assignment.id)
        .where(Assignment.id.in_(live)).order_by(Assignment.module_id, Assignment.position))
    return [QueueCounts(a, int(m), int(d), int(r), int(late), int(h)) for a, m, d, r, late, h in rows]


@dataclass(frozen=True)
class QueueRow:
    """One handed-in submission in a queue, with its trainee, run and current mark (None: not marked)."""

    submission: Submission
    trainee_name: str
    run_code: str | None
    mark: Mark | None


def submissions(assignment: Assignment, scope, show: str = "to_mark", run_id: int | None = None) -> list[QueueRow]:
    """An assignment's handed-in submissions in the reader's `scope` (of one run when given): `show` "to_mark"
    (submitted), "marked", "returned", "late" or "all"; the oldest first, as they wait. One statement."""
    conditions = [Submission.assignment_id == assignment.id, Submission.status != "draft"]
    if show in ("to_mark", "marked", "returned"):
        conditions.append(Submission.status == {"to_mark": "submitted"}.get(show, show))
    elif show == "late":
        conditions.append(Submission.late.is_(True))
    rows = db.session.execute(
        select(Submission, User.name, CourseRun.code, Mark)
        .join(Enrolment, and_(*_in_scope(scope, run_id))).join(User, User.id == Submission.user_id)
        .outerjoin(CourseRun, CourseRun.id == Enrolment.run_id)
        .outerjoin(Mark, and_(Mark.submission_id == Submission.id, Mark.is_current))
        .where(*conditions).order_by(Submission.submitted_at, Submission.id))
    return [QueueRow(s, name, code, mark) for s, name, code, mark in rows]


# One marking page ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Work:
    """What the marking page shows of one submission: the trainee (name, run), every try of theirs at the
    assignment with its files and marks (the oldest first), the current mark, and the extension if any."""

    submission: Submission
    trainee_name: str
    run_code: str | None
    tries: list[Submission]
    current: Mark | None
    extension: Extension | None
    latest_number: int


def current_mark(submission_id: int) -> Mark | None:
    """The submission's mark that is not superseded, if any."""
    return db.session.scalar(select(Mark).where(Mark.submission_id == submission_id, Mark.is_current)
                             .order_by(Mark.id.desc()).limit(1))


def work(submission: Submission) -> Work:
    """The marking page's reading of a submission: three statements (the trainee and run; the tries with files
    and marks and their assessors; the extension)."""
    name, code = db.session.execute(
        select(User.name, CourseRun.code).select_from(Enrolment).join(User, User.id == Enrolment.user_id)
        .outerjoin(CourseRun, CourseRun.id == Enrolment.run_id).where(Enrolment.id == submission.enrolment_id)).one()
    tries = list(db.session.scalars(
        select(Submission).where(Submission.assignment_id == submission.assignment_id,
                                 Submission.enrolment_id == submission.enrolment_id, Submission.status != "draft")
        .order_by(Submission.number)
        .options(selectinload(Submission.files), selectinload(Submission.marks).selectinload(Mark.assessor))))
    extension = db.session.get(Extension, (submission.assignment_id, submission.enrolment_id))
    current = next((m for m in reversed(submission.marks) if m.is_current), None)
    latest = db.session.scalar(select(func.max(Submission.number)).where(
        Submission.assignment_id == submission.assignment_id, Submission.enrolment_id == submission.enrolment_id))
    return Work(submission, name, code, tries, current, extension, latest or submission.number)


def held_marks(assignment_id: int, run_id: int | None = None) -> list[Mark]:
    """The current marks of an assignment still held back (of one run when given), with their submissions."""
    query = (select(Mark).join(Submission, Submission.id == Mark.submission_id)
             .where(Submission.assignment_id == assignment_id, ~Mark.is_released, Mark.is_current))
    if run_id is not None:
        query = query.join(Enrolment, Enrolment.id == Submission.enrolment_id).where(Enrolment.run_id == run_id)
    return list(db.session.scalars(query.order_by(Mark.id).options(selectinload(Mark.submission))))


def percent_of(score: Decimal, maximum: Decimal) -> Decimal:
    """A score as a percentage of its maximum, two decimals, within 0..100."""
    if maximum <= 0:
        return Decimal(0)
    return min(Decimal(100), (score * 100 / maximum).quantize(Decimal("0.01")))

