"""Telling trainees their work is marked or returned: an in-app notification and a mail of the kind
"assessment" (which a person may turn off), in their language, through lms.messages' `dispatch` (lms.mail's
`send_many`). The idempotency key names the mark (`mark:<id>`), so a mark is told once however often its
release is tried. Written in the caller's transaction.
"""
from __future__ import annotations

from sqlalchemy import select

from lms.assignments.models import Assignment, Mark, Submission
from lms.auth.models import User
from lms.catalog.models import Course
from lms.extensions import db
from lms.messages.outgoing import Message, dispatch, item_path, links
from lms.messages.reminders import REACHABLE

KIND = "assessment"
TEMPLATE = "work_marked"


def tell_marked(mark_ids: list[int]) -> int:
    """Tell each trainee of these (released) marks that their work is marked or returned; returns how many
    messages were written. One statement to read them, then lms.mail's bulk write. The caller commits."""
    if not mark_ids:
        return 0
    rows = db.session.execute(
        select(Mark, Submission.number, User, Assignment.slug, Assignment.title, Course.slug, Course.title)
        .join(Submission, Submission.id == Mark.submission_id).join(User, User.id == Submission.user_id)
        .join(Assignment, Assignment.id == Submission.assignment_id).join(Course, Course.id == Assignment.course_id)
        .where(Mark.id.in_(mark_ids), Mark.is_released, *REACHABLE).order_by(Mark.id)).all()
    with links():
        messages = [Message(user, f"mark:{mark.id}", {
            "outcome": mark.outcome, "passed": mark.passed,
            "percent": f"{mark.percent.normalize():f}" if mark.percent is not None else None,
            "number": number, "assignment_title": assignment_title, "course_title": course_title,
        }, item_path("assignments.assignment", course_slug, assignment=assignment_slug))
            for mark, number, user, assignment_slug, assignment_title, course_slug, course_title in rows]
        return dispatch(KIND, TEMPLATE, messages)
