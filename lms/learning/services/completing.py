"""Completing enrolments and their certificates: the course's rule applied to one enrolment or to a whole course,
the one writer of certificates, their expiry and revocation, and the trainee's end-of-course feedback."""
from __future__ import annotations

import calendar
import logging
import secrets
from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from lms.attendance import figures as attendance
from lms.audit import services as audit
from lms.catalog.models import Course
from lms.core import clock
from lms.extensions import db
from lms.learning import adding, completion, figures
from lms.learning.models import Certificate, Enrolment, Feedback
from lms.learning.services.common import EnrolmentError

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
    """Mark an enrolment completed (once) and issue its certificate. The caller commits.

    The enrolment of a completion is its trainee's current one: one UPDATE of its row marks it completed and counts
    the certificate in its kept figures (`lms.learning.adding.issued_values`), built once per kind of certificate
    (expiring or not), and the object is given the same values."""
    when = when or clock.now()
    certificate = issue_certificate(enrolment, course, when, when, counted=enrolment.is_current)
    if enrolment.is_current:
        db.session.connection().execute(_completed_statement(certificate.expires_at is not None), {
            "completed_id": enrolment.id, "completed_at": when, "issued_expiry": certificate.expires_at})
        set_committed_value(enrolment, "status", "completed")
        set_committed_value(enrolment, "completed_at", when)
    else:
        enrolment.status, enrolment.completed_at = "completed", when
    audit.record("enrolment.completed", target=enrolment, institution_id=enrolment.user.institution_id,
                 course=course.slug)
    return certificate


@cache
def _completed_statement(expires: bool):
    table = Enrolment.__table__
    expiry = bindparam("issued_expiry", type_=table.c.certificate_best_expiry.type) if expires else None
    return (update(Enrolment).where(Enrolment.id == bindparam("completed_id"))
            .values(status="completed", completed_at=bindparam("completed_at", type_=table.c.completed_at.type),
                    **adding.issued_values(expiry))
            .execution_options(synchronize_session=False))


def issue_certificate(enrolment: Enrolment, course: Course, issued_at: datetime, valid_from: datetime,
                      counted: bool = False) -> Certificate:
    """The certificate of a completed enrolment, added to the session: issued at `issued_at`, valid for the
    course's validity from `valid_from` (the completion), and counted in the kept figures unless the caller
    `counted` it. The one writer of certificates. The caller commits."""
    user = enrolment.user
    months = course.certificate_validity_months
    certificate = Certificate(
        code=new_certificate_code(), enrolment_id=enrolment.id, user_id=user.id, course_id=course.id,
        holder_name=user.name, course_title=course.title,
        institution_name=user.institution.name if user.institution else None, issued_at=issued_at,
        expires_at=add_months(valid_from, months) if months else None,
        attended_hours=(attendance.hours_attended(user.id, course.id, enrolment.run_id)
                        if course.certificate_states_hours else None),
    )
    db.session.add(certificate)
    if not counted:
        adding.count_issued_certificate(enrolment, certificate.expires_at)
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


def check_completion(enrolment: Enrolment, course: Course) -> Certificate | None:
    """Complete the enrolment if it is active, holds its place (not on a run's waiting list) and now meets the
    rule. The caller commits."""
    if enrolment.status != "active" or not enrolment.is_current or enrolment.waiting_since is not None:
        return None
    if completion.enrolments_meeting_rule(course, [enrolment.id]):
        return complete_enrolment(enrolment, course)
    return None


def certificate_expired(enrolment: Enrolment, now: datetime) -> bool:
    """Whether the enrolment's certificate has lapsed at `now` (its holder may then start a new cycle)."""
    return _certificate_expired(enrolment, now)


def _certificate_expired(enrolment: Enrolment, now: datetime) -> bool:
    certificate = db.session.scalar(select(Certificate).where(Certificate.enrolment_id == enrolment.id))
    return certificate is not None and certificate.lapsed(now)


def save_feedback(enrolment: Enrolment, rating: int, comment: str) -> None:
    """Record or change the trainee's end-of-course feedback."""
    if enrolment.status != "completed":
        raise EnrolmentError("not_completed")
    feedback = db.session.scalar(select(Feedback).where(Feedback.enrolment_id == enrolment.id))
    if feedback is None:
        feedback = Feedback(enrolment_id=enrolment.id, course_id=enrolment.course_id, rating=rating)
        db.session.add(feedback)
    feedback.rating, feedback.comment = rating, comment.strip()
    db.session.commit()


def revoke_certificate(certificate: Certificate, reason: str, actor) -> None:
    """Revoke a certificate with a reason; it then verifies as revoked."""
    if certificate.revoked_at is not None:
        return
    certificate.revoked_at, certificate.revoked_reason, certificate.revoked_by_id = clock.now(), reason.strip(), actor.id
    figures.refresh_certificates(certificate.user_id, certificate.course_id)
    audit.record("certificate.revoked", actor=actor, target=certificate, reason=reason.strip(), code=certificate.code)
    db.session.commit()
