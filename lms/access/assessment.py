"""Who may set, see and mark work a person assesses (assignments, practical assessments) and its files.

Staff who edit a course (admins, its owners and instructors) set its assignments and practicals, give
extensions, release held-back marks and see and mark every trainee's work. An assessor (course-staff role
"assessor", an instructor account) sees and marks the work of the course, or only of the runs given to them
(`run_assessors`), and nothing else of the course. A trainee sees their own work and, once released, its
marks. A coordinator sees their institution's officers' marks and status (the gradebook and the reports),
never the work's text or files.
"""
from __future__ import annotations

from sqlalchemy import false, true

from lms.access.courses import can_edit_course, staff_role
from lms.access.rules import INSTRUCTOR, has_role, rule, signed_in
from lms.runs import queries as run_queries


def assesses(user, course) -> bool:
    """Whether the user is an assessor on the course's staff (with an instructor account)."""
    return has_role(user, INSTRUCTOR) and staff_role(user, course) == "assessor"


def assessed_runs(user, course) -> list[int] | None:
    """The runs whose work the user may mark: None for all of the course's (its editors, and an assessor
    given no runs), else the run ids given to the assessor (empty for anyone else)."""
    if can_edit_course(user, course):
        return None
    if not assesses(user, course):
        return []
    return run_queries.assessor_run_ids(user.id, course.id) or None


@rule
def can_manage_assessed_work(user, course) -> bool:
    """May add and change a course's assignments and practicals, give a trainee an extension, release
    held-back marks and override the gradebook: whoever may edit the course."""
    return can_edit_course(user, course)


@rule
def can_assess(user, course) -> bool:
    """May open the course's marking queues: its editors and its assessors."""
    return can_edit_course(user, course) or assesses(user, course)


@rule
def can_assess_run(user, course, run_id: int | None) -> bool:
    """May see and mark the work of a trainee of this run (None: a trainee in no run) of the course: its
    editors, its assessors given no runs, and the assessors given this run."""
    if can_edit_course(user, course):
        return True
    if not assesses(user, course):
        return False
    runs = run_queries.assessor_run_ids(user.id, course.id)
    return not runs or run_id in runs


def assess_scope(user, course, run_column):
    """SQL condition on `run_column` (an enrolment's run id): whose work the user marks in the course."""
    runs = assessed_runs(user, course)
    if runs is None:
        return true()
    return run_column.in_(runs) if runs else false()


@rule
def can_read_work(user, course, owner_id: int, run_id: int | None) -> bool:
    """May read a trainee's submitted work and download its files and evidence: the trainee, the course's
    editors and the assessors of the trainee's run (never a coordinator, nor another course's staff)."""
    if not signed_in(user):
        return False
    return user.id == owner_id or can_assess_run(user, course, run_id)
