"""Writes of the catalogue's facts that more than one feature makes: who owns a new course."""
from __future__ import annotations

from lms.audit import services as audit
from lms.catalog.models import Course, CourseStaff
from lms.extensions import db


def give_to_creator(course: Course, creator) -> None:
    """The creator of a new course becomes its owner when they are an instructor (admins may edit every
    course already; the command line has no creator). Whether the course was made in the browser or
    imported from a package, in the caller's unit of work: the caller commits."""
    if creator is None or creator.role != "instructor":
        return
    db.session.add(CourseStaff(course_id=course.id, user_id=creator.id, role="owner"))
    audit.record("course.staff_added", actor=creator, target=course, user_id=creator.id, role="owner")
