"""Who may post, correct and withdraw announcements, and who reads them.

A course's editors (admins, its owners and instructors) announce to the whole course or to any of its runs; a
run's trainers to the runs given to them, and they manage those runs' announcements only. A course's
announcements are read by its enrolled trainees (the course's and their own run's; a withdrawn enrolment reads
none) and by those who announce there.
"""
from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import ColumnElement, false, or_, true

from lms.access.courses import can_edit_course
from lms.access.rules import INSTRUCTOR, has_role, require, rule, signed_in
from lms.announcements import queries as announcement_queries
from lms.announcements.models import Announcement
from lms.catalog import queries as catalog_queries
from lms.catalog.models import Course
from lms.learning import queries as learning_queries
from lms.runs.models import CourseRun
from lms.sessions import queries as session_queries


def _trained_runs(user, course: Course) -> list[int]:
    if not has_role(user, INSTRUCTOR):
        return []
    return announcement_queries.trained_run_ids(user.id, course.id)


@rule
def can_announce(user, course: Course) -> bool:
    """May open a course's announcements as staff: its editors, and the trainers of one of its runs."""
    return can_edit_course(user, course) or bool(_trained_runs(user, course))


@rule
def can_announce_to(user, course: Course, run: CourseRun | None = None) -> bool:
    """May announce to the whole course (`run` None: its editors) or to one of its runs (its editors, and that
    run's trainers)."""
    if can_edit_course(user, course):
        return True
    return (run is not None and run.course_id == course.id and has_role(user, INSTRUCTOR)
            and session_queries.is_run_trainer(user.id, run.id))


@rule
def can_manage_announcement(user, announcement: Announcement) -> bool:
    """May correct or withdraw the announcement: whoever may announce to its course or run."""
    return can_announce_to(user, announcement.course, announcement.run)


def staff_scope(user, course: Course) -> ColumnElement[bool]:
    """SQL condition on `Announcement`: those of the course the person manages (all for its editors, their runs'
    for trainers)."""
    if can_edit_course(user, course):
        return true()
    runs = _trained_runs(user, course)
    return Announcement.run_id.in_(runs) if runs else false()


def reading_scope(user, course: Course) -> ColumnElement[bool]:
    """SQL condition on `Announcement`: those of the course the person reads (their enrolment's, and what they
    manage)."""
    if not signed_in(user):
        return false()
    enrolment = learning_queries.enrolment_of(user.id, course.id)
    return or_(announcement_queries.for_enrolment(enrolment), staff_scope(user, course))


@rule
def can_read_announcements(user, course: Course) -> bool:
    """May open the list of a course's announcements: its trainees whose enrolment is not withdrawn, and those
    who announce there."""
    if not signed_in(user):
        return False
    enrolment = learning_queries.enrolment_of(user.id, course.id)
    if enrolment is not None and enrolment.status != "withdrawn":
        return True
    return can_announce(user, course)


def announcing_course_or_404(slug: str) -> Course:
    """The course named in the URL if the current user announces there: 404 when it does not exist, 403 (or the
    sign-in page) otherwise."""
    course = catalog_queries.course_by_slug(slug) or abort(404)
    require(can_announce, course)
    return course


def announcement_of_course_or_404(course: Course, announcement_id: int) -> Announcement:
    """The announcement named in the URL if it belongs to the course, else 404 (the course's access first)."""
    announcement = announcement_queries.announcement_by_id(announcement_id)
    if announcement is None or announcement.course_id != course.id:
        abort(404)
    return announcement


def reading_course_or_404(slug: str) -> Course:
    """The course named in the URL if the current user reads its announcements: 404 when it does not exist or
    they may not see it, 403 (or the sign-in page) when they may see it but read none of its announcements."""
    course = catalog_queries.course_by_slug(slug) or abort(404)
    if course.status == "draft" and not can_edit_course(current_user, course):
        abort(404)
    require(can_read_announcements, course)
    return course
