"""Writes of a trainee's learning: completing enrolments and issuing certificates."""
from __future__ import annotations

import calendar
import logging
import secrets
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from lms.catalog.models import Course
from lms.core import audit, clock
from lms.extensions import db
from lms.learning import completion
from lms.learning.models import Certificate, Enrolment

# A lesson opened again within this time of its last recorded view writes nothing (see record_lesson_view).
VIEW_RECORD_INTERVAL = timedelta(minutes=5)
LOOK_UP = object()  # record_lesson_view: "read the progress row yourself"

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


class EnrolmentError(ValueError):
    """A refused enrolment; `code` says why (see the views for the messages)."""


def current_enrolment(user_id: int, course_id: int) -> Enrolment | None:
    """The user's current enrolment cycle in a course, if any."""
    return db.session.scalar(select(Enrolment).where(
        Enrolment.user_id == user_id, Enrolment.course_id == course_id, Enrolment.is_current.is_(True)))


def enrol(trainee, course: Course, *, actor=None, source: str = "self", due_at: datetime | None = None,
          key: str | None = None) -> tuple[Enrolment, bool]:
    """Enrol `trainee` in `course`; returns (enrolment, created). Enrolling twice is harmless.

    A trainee whose completed enrolment's certificate has expired starts a new cycle; the earlier
    enrolment is kept as history. Self-enrolment needs a published course that allows it and, when
    the course has one, its enrolment key.
    """
    enrolment, created, changed = prepare_enrolment(trainee, course, actor=actor, source=source, due_at=due_at,
                                                    key=key)
    if created or changed:
        db.session.commit()
    return enrolment, created


def prepare_enrolment(trainee, course: Course, *, actor=None, source: str = "self", due_at: datetime | None = None,
                      key: str | None = None) -> tuple[Enrolment, bool, bool]:
    """The work of `enrol` without the commit, for callers that enrol many in one transaction (bulk
    enrolment); returns (enrolment, created, due date changed). The caller commits."""
    from lms.core.security import check_password

    if course.status != "published":
        raise EnrolmentError("not_published")
    existing = current_enrolment(trainee.id, course.id)
    now = clock.now()
    if existing is not None:
        expired = existing.status == "completed" and _certificate_expired(existing, now)
        if not expired:
            if due_at is not None and source != "self" and existing.due_at != due_at:
                existing.due_at = due_at
                audit.record("enrolment.due_changed", actor=actor, target=existing,
                             institution_id=trainee.institution_id, due_at=due_at.isoformat())
                return existing, False, True
            return existing, False, False
    if source == "self":
        if not course.self_enrolment:
            raise EnrolmentError("no_self_enrolment")
        if course.enrolment_key_hash and not check_password(course.enrolment_key_hash, key or ""):
            raise EnrolmentError("wrong_key")
    cycle = 1
    if existing is not None:
        existing.is_current = False
        cycle = existing.cycle + 1
        db.session.flush()
    enrolment = Enrolment(user_id=trainee.id, course_id=course.id, cycle=cycle, source=source, due_at=due_at,
                          enrolled_by_id=getattr(actor, "id", None), enrolled_at=now)
    db.session.add(enrolment)
    db.session.flush()
    audit.record("enrolment.created", actor=actor or trainee, target=enrolment, institution_id=trainee.institution_id,
                 course=course.slug, source=source, cycle=cycle)
    return enrolment, True, False


def _certificate_expired(enrolment: Enrolment, now: datetime) -> bool:
    certificate = db.session.scalar(select(Certificate).where(Certificate.enrolment_id == enrolment.id))
    return certificate is not None and certificate.expires_at is not None and certificate.expires_at <= now


def touch(enrolment: Enrolment, now: datetime) -> None:
    """Note activity on an enrolment (first and last time)."""
    if enrolment.started_at is None:
        enrolment.started_at = now
    enrolment.last_activity_at = now


def touch_by_id(enrolment_id: int, now: datetime, connection=None) -> None:
    """`touch` in one UPDATE, without loading the enrolment (a quiz submission that did not pass
    needs nothing else of it), on `connection` (default: the session's). The caller commits."""
    (connection or db.session.connection()).execute(_touch_statement(), {"enrolment_id": enrolment_id, "now": now})


@cache
def _touch_statement():
    table = Enrolment.__table__
    now = bindparam("now", type_=table.c.last_activity_at.type)
    return update(table).where(table.c.id == bindparam("enrolment_id")).values(
        started_at=func.coalesce(table.c.started_at, now), last_activity_at=now)


def record_lesson_view(enrolment: Enrolment, lesson, course: Course, progress=LOOK_UP) -> None:
    """The trainee opened a lesson: count it as viewed, then decide completion.

    Opening a lesson again only moves its last-viewed time and the enrolment's last activity, and
    not more often than every VIEW_RECORD_INTERVAL: reading back and forth writes nothing, and a
    lesson seen before cannot newly complete the course. `progress` is the enrolment's
    LessonProgress row for the lesson (or None) when the caller has already read it.
    """
    from lms.learning.models import LessonProgress

    now = clock.now()
    if progress is LOOK_UP:
        progress = db.session.scalar(select(LessonProgress).where(
            LessonProgress.enrolment_id == enrolment.id, LessonProgress.lesson_id == lesson.id))
    if progress is not None:
        if _recent(progress.last_viewed_at, now) and _recent(enrolment.last_activity_at, now):
            return
        progress.last_viewed_at = now
        touch(enrolment, now)
        db.session.commit()
        return
    db.session.add(LessonProgress(enrolment_id=enrolment.id, lesson_id=lesson.id, first_viewed_at=now,
                                  last_viewed_at=now))
    touch(enrolment, now)
    db.session.flush()
    check_completion(enrolment, course)
    try:
        db.session.commit()
    except IntegrityError:
        # The same lesson opened twice at once: the other request recorded the view.
        db.session.rollback()


def _recent(moment: datetime | None, now: datetime) -> bool:
    return moment is not None and now - VIEW_RECORD_INTERVAL <= moment <= now


def check_completion(enrolment: Enrolment, course: Course) -> Certificate | None:
    """Complete the enrolment if it is active and now meets the rule. The caller commits."""
    if enrolment.status != "active" or not enrolment.is_current:
        return None
    if completion.enrolments_meeting_rule(course, [enrolment.id]):
        return complete_enrolment(enrolment, course)
    return None


def save_feedback(enrolment: Enrolment, rating: int, comment: str) -> None:
    """Record or change the trainee's end-of-course feedback."""
    from lms.learning.models import Feedback

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
    audit.record("certificate.revoked", actor=actor, target=certificate, reason=reason.strip(), code=certificate.code)
    db.session.commit()


def set_enrolment_key(course: Course, key: str | None, actor) -> None:
    """Set (or clear, with an empty key) the key trainees need to enrol themselves."""
    from lms.core.security import hash_password

    course.enrolment_key_hash = hash_password(key) if key else None
    audit.record("course.enrolment_key_set" if key else "course.enrolment_key_cleared", actor=actor, target=course)
    db.session.commit()
