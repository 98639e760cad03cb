"""Who may manage training sessions, mark their attendance and see whom.

Staff who edit a course (admins, its owners and instructors) manage its sessions and runs' trainers. A trainer
marks the register of the sessions of the runs given to them (or of the sessions naming them) and sees every
trainee there; a coordinator opens any session's register but sees and marks only their institution's
trainees (`register_scope`); nobody else opens a register.
"""
from __future__ import annotations

from flask import abort
from sqlalchemy import false, true

from lms.access.courses import can_edit_course, staff_role
from lms.access.rules import COORDINATOR, INSTRUCTOR, has_role, rule, signed_in
from lms.attendance.models import TrainingSession
from lms.auth.models import User
from lms.sessions import queries as session_queries


@rule
def can_manage_sessions(user, course) -> bool:
    """May add, change and cancel a course's sessions, see who comes, and give runs their trainers: whoever may
    edit the course."""
    return can_edit_course(user, course)


def trains(user, session: TrainingSession) -> bool:
    """Whether the user is a trainer of the session: of its run, or named on it while on the course's staff."""
    if not has_role(user, INSTRUCTOR):
        return False
    if session_queries.is_run_trainer(user.id, session.run_id):
        return True
    return staff_role(user, session.course) is not None and session_queries.is_session_trainer(user.id, session.id)


@rule
def can_mark_attendance(user, session: TrainingSession) -> bool:
    """May open a session's register and its sign-in sheet, and mark attendance: the course's editors, its
    trainers, and coordinators (for their institution's trainees only: `register_scope`)."""
    if not signed_in(user):
        return False
    if can_edit_course(user, session.course) or trains(user, session):
        return True
    return has_role(user, COORDINATOR) and session.course.status != "draft"


def register_scope(user, session: TrainingSession):
    """SQL condition on `User`: whom the user sees and marks on the session's register (all for its editors and
    trainers, their institution's people for a coordinator, nobody otherwise)."""
    if can_edit_course(user, session.course) or trains(user, session):
        return true()
    if has_role(user, COORDINATOR) and user.institution_id is not None:
        return User.institution_id == user.institution_id
    return false()


@rule
def can_sign_up(user, session: TrainingSession) -> bool:
    """May sign up for a session (and cancel): any signed-in person; the service checks their enrolment."""
    return signed_in(user) and session.course.status != "draft"


def session_or_404(session_id: int) -> TrainingSession:
    """The session named in the URL, or 404 (its access is decided by the caller's rule)."""
    return session_queries.session_by_id(session_id) or abort(404)


def session_of_course_or_404(course, session_id: int) -> TrainingSession:
    """The session named in the URL if it belongs to the course, else 404 (the course's access first)."""
    session = session_queries.session_by_id(session_id)
    if session is None or session.course_id != course.id:
        abort(404)
    return session
