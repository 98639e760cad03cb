"""Telling trainees the result of a practical assessment: an in-app notification and a mail of the kind
"practical" (which a person may turn off), in their language and zone, through lms.messages' `dispatch`
(lms.mail's `send_many`), as lms.assessing.notices tells them a mark.

A record is told when the trainee can read it: at the sign-off when it is released at once, else when the
course's staff release the held-back records. The idempotency key names the record (`practical:<id>`), so
a result is told once however often a release is tried; a new assessment is a new record, told again.
Written in the caller's transaction.
"""
from __future__ import annotations

from sqlalchemy import select

from lms.auth.models import User
from lms.catalog.models import Course
from lms.extensions import db
from lms.messages.outgoing import Message, dispatch, item_path, links
from lms.messages.reminders import REACHABLE
from lms.practicals.models import Practical, Record

KIND = "practical"
TEMPLATE = "practical_result"


def tell_results(record_ids: list[int]) -> int:
    """Tell each trainee of these records, those released and current, their result; returns how many
    messages were written. One statement to read them, then lms.mail's bulk write. The caller commits."""
    if not record_ids:
        return 0
    rows = db.session.execute(
        select(Record, User, Practical.slug, Practical.title, Course.slug, Course.title)
        .join(User, User.id == Record.user_id).join(Practical, Practical.id == Record.practical_id)
        .join(Course, Course.id == Practical.course_id)
        .where(Record.id.in_(record_ids), Record.is_released, Record.is_current,
               *REACHABLE).order_by(Record.id)).all()
    with links():
        messages = [Message(user, f"practical:{record.id}", {
            "passed": record.passed, "percent": f"{record.percent.normalize():f}", "assessed_on": record.assessed_on,
            "practical_title": practical_title, "course_title": course_title,
        }, item_path("practicals.practical", course_slug, practical=practical_slug))
            for record, user, practical_slug, practical_title, course_slug, course_title in rows]
        return dispatch(KIND, TEMPLATE, messages)
