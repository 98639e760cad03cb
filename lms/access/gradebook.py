"""Who may see a course's gradebook, change its grading and override results, and whose rows they see.

Staff who edit a course (admins, its owners and instructors) see every row, set the grading rule and weights
and override results. A run's trainer sees the rows of the runs they train, read-only; a coordinator the rows of
their institution's officers, read-only: marks and status, never the work itself. A trainee sees their own row.
An assessor sees the work they mark and nothing else of the course (issue 22): not its gradebook, which holds
quiz results and attendance too; their marking queues are their view.
"""
from __future__ import annotations

from sqlalchemy import false, or_, true

from lms.access.assessment import can_manage_assessed_work
from lms.access.courses import can_edit_course, staff_role
from lms.access.rules import COORDINATOR, INSTRUCTOR, has_role, rule, signed_in
from lms.auth.models import User
from lms.gradebook import queries
from lms.learning.models import Enrolment


def _trains(user, course) -> list[int]:
    """The runs of the course the user trains (none for anyone else)."""
    if not has_role(user, INSTRUCTOR) or staff_role(user, course) is None:
        return []
    return queries.trained_run_ids(user.id, course.id)


def _coordinates(user, course) -> bool:
    return has_role(user, COORDINATOR) and user.institution_id is not None and course.status != "draft"


@rule
def can_view_gradebook(user, course) -> bool:
    """May open the course's gradebook: its editors, the trainers of its runs, coordinators (their institution's
    rows only)."""
    if not signed_in(user):
        return False
    return can_edit_course(user, course) or bool(_trains(user, course)) or _coordinates(user, course)


@rule
def can_view_gradebook_run(user, course, run_id: int | None) -> bool:
    """May open the gradebook of one run of the course: its editors, the run's trainers, and coordinators (their
    institution's rows)."""
    if not can_view_gradebook(user, course):
        return False
    if can_edit_course(user, course) or _coordinates(user, course):
        return True
    return run_id in _trains(user, course)


@rule
def can_manage_gradebook(user, course) -> bool:
    """May set the grading rule and weights and override results: whoever manages the course's assessed work."""
    return can_manage_assessed_work(user, course)


def gradebook_scope(user, course):
    """SQL condition on Enrolment and User: whose rows of the course's gradebook the user sees."""
    if can_edit_course(user, course):
        return true()
    conditions = []
    trained = _trains(user, course)
    if trained:
        conditions.append(Enrolment.run_id.in_(trained))
    if _coordinates(user, course):
        conditions.append(User.institution_id == user.institution_id)
    if not conditions:
        return false()
    return conditions[0] if len(conditions) == 1 else or_(*conditions)
