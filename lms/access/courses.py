"""Who may see, create and edit courses, and manage their staff and enrolment keys.

`course_or_404` and `editable_course_or_404` are the one step of a course page that loads the course
named in the URL and decides access, as indico's `_check_access` does.
"""
from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import true

from lms.access.rules import INSTRUCTOR, has_role, is_admin, require, rule, signed_in
from lms.catalog import queries as catalog_queries
from lms.catalog.models import EDITING_ROLES, Course
from lms.runs import queries as run_queries


def staff_role(user, course) -> str | None:
    """The user's role in the course's staff ("owner", "instructor", "trainer") or None."""
    if not signed_in(user) or course is None or course.id is None:
        return None
    return catalog_queries.staff_role(course.id, user.id)


@rule
def can_create_course(user) -> bool:
    """May create courses and upload packages (admins and instructors)."""
    return is_admin(user) or has_role(user, INSTRUCTOR)


@rule
def can_edit_course(user, course) -> bool:
    """May change a course's content and settings: admins, and instructors on its staff as owner or instructor
    (a trainer only sees and marks the sessions of the runs given to them: lms.access.sessions)."""
    if is_admin(user):
        return True
    return has_role(user, INSTRUCTOR) and staff_role(user, course) in EDITING_ROLES


@rule
def can_manage_staff(user, course) -> bool:
    """May add and remove a course's staff: admins and the course's owners."""
    return is_admin(user) or (has_role(user, INSTRUCTOR) and staff_role(user, course) == "owner")


@rule
def can_view_course(user, course) -> bool:
    """May open a course page: published and archived ones for all (archived ones are out of the
    catalogue but their trainees keep access), drafts for their editors."""
    if course.status in ("published", "archived"):
        return True
    return can_edit_course(user, course)


@rule
def can_set_enrolment_key(user, course) -> bool:
    """May set or clear a course's enrolment key."""
    return is_admin(user)


def editable_courses(user):
    """SQL condition on `Course` for the courses `user` may edit (admins: all; instructors: their staff
    courses)."""
    if is_admin(user):
        return true()
    return Course.id.in_(catalog_queries.staff_course_ids(user.id))


def course_or_404(slug: str) -> Course:
    """The course named in the URL if the current user may see it, else 404 (drafts are invisible to
    trainees, so they are "not found" rather than "forbidden")."""
    course = catalog_queries.course_by_slug(slug)
    if course is None or not can_view_course(current_user, course):
        abort(404)
    return course


def editable_course_or_404(slug: str) -> Course:
    """The course named in the URL if the current user may edit it: 404 when it does not exist, 403
    (or the sign-in page) when it is not theirs to edit."""
    course = catalog_queries.course_by_slug(slug) or abort(404)
    require(can_edit_course, course)
    return course



@rule
def can_manage_runs(user, course) -> bool:
    """May add, change and cancel a course's runs, and move its trainees between them: whoever may edit
    the course (admins, its instructors)."""
    return can_edit_course(user, course)


def run_of_course_or_404(course: Course, run_id: int):
    """The run named in the URL if it belongs to the course, else 404 (the course's access is decided
    first, by the caller's `editable_course_or_404` or `course_or_404`)."""
    run = run_queries.run_by_id(run_id)
    if run is None or run.course_id != course.id:
        abort(404)
    return run
