"""Writes of a trainee's learning: completing enrolments and issuing certificates."""
from __future__ import annotations

import calendar
import logging
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.catalog.models import Course
from lms.core import audit, clock
from lms.extensions import db
from lms.learning import completion
from lms.learning.models import Certificate, Enrolment

log = logging.getLogger("lms.learning")


def add_months(moment: datetime, months: int) -> datetime:
    """`moment` plus whole calendar months (the 31st becomes the month's last day when needed)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def new_certificate_code() -> str:
    """An unguessable verification code: 128 random bits, URL-safe."""
    return secrets.token_urlsafe(16)


def complete_enrolment(enrolment: Enrolment, course: Course, when: datetime | None = None) -> Certificate:
    """Mark an enrolment completed (once) and issue its certificate. The caller commits."""
    when = when or clock.now()
    enrolment.status, enrolment.completed_at = "completed", when
    user = enrolment.user
    certificate = Certificate(
        code=new_certificate_code(), enrolment_id=enrolment.id, user_id=user.id, course_id=course.id,
        holder_name=user.name, course_title=course.title,
        institution_name=user.institution.name if user.institution else None, issued_at=when,
        expires_at=add_months(when, course.certificate_validity_months) if course.certificate_validity_months else None,
    )
    db.session.add(certificate)
    audit.record("enrolment.completed", target=enrolment, institution_id=user.institution_id, course=course.slug)
    return certificate


def reevaluate_course(course: Course) -> int:
    """Complete every active enrolment of `course` that now meets the rule; returns how many. The caller commits."""
    ids = completion.enrolments_meeting_rule(course, completion.active_enrolment_ids(course.id))
    if not ids:
        return 0
    enrolments = db.session.scalars(
        select(Enrolment).where(Enrolment.id.in_(ids)).options(selectinload(Enrolment.user))).all()
    for enrolment in enrolments:
        complete_enrolment(enrolment, course)
    log.info("course %s: %d enrolments completed on re-evaluation", course.slug, len(enrolments))
    return len(enrolments)
