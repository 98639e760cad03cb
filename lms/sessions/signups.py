"""The writes of sign-ups and of the attendance register: signing up (a place, or the waiting list, never over
capacity), cancelling (the first waiting gets the place), marking attendance (one person or everyone at once,
each change audited with what it was; marking can complete the course and issue its certificate).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, true

from lms.attendance.models import MARKS, AttendanceMark, SessionSignUp, TrainingSession
from lms.audit import services as audit
from lms.core import clock, signals, when
from lms.extensions import db
from lms.learning import services as learning
from lms.learning.models import Enrolment
from lms.sessions import places, queries
from lms.sessions.services import SessionError

log = logging.getLogger("lms.sessions")


def cutoff(session: TrainingSession) -> datetime:
    """The moment sign-ups (and cancelling them) close: the session's own number of hours before its start, else
    its course's."""
    hours = session.cutoff_hours if session.cutoff_hours is not None else session.course.sign_up_cutoff_hours
    return session.starts_at - timedelta(hours=hours)


def _enrolment_for(user, session: TrainingSession) -> Enrolment:
    """The person's current enrolment in the session's place; SessionError("not_enrolled" | "waiting_for_run")."""
    enrolment = learning.current_enrolment(user.id, session.course_id)
    if enrolment is None or enrolment.status == "withdrawn" or enrolment.run_id != session.run_id:
        raise SessionError("not_enrolled")
    if enrolment.waiting_since is not None:
        raise SessionError("waiting_for_run")
    return enrolment


def sign_up(user, session: TrainingSession, actor=None) -> tuple[SessionSignUp, bool]:
    """Sign a trainee up for a session: a place while there is one, else its waiting list (never over capacity,
    under the session's row lock); returns (sign-up, created). Signed up already: nothing changes. Audited as
    "session.signed_up". SessionError("cancelled" | "run_cancelled" | "closed" | "not_enrolled" |
    "waiting_for_run" | "overlaps")."""
    session = places.lock(session.id)
    if session.cancelled_at is not None:
        raise SessionError("cancelled")
    if session.run is not None and session.run.cancelled_at is not None:
        raise SessionError("run_cancelled")
    enrolment = _enrolment_for(user, session)
    existing = queries.live_sign_up(session.id, user.id)
    if existing is not None:
        return existing, False
    now = clock.now()
    if now >= cutoff(session):
        raise SessionError("closed")
    if queries.overlapping_sign_up(user.id, session.starts_at, session.ends_at, session.id) is not None:
        raise SessionError("overlaps")
    full = session.capacity is not None and queries.places_taken(session.id) >= session.capacity
    record = SessionSignUp(session_id=session.id, user_id=user.id, enrolment_id=enrolment.id, signed_up_at=now,
                           waiting_since=now if full else None)
    db.session.add(record)
    db.session.flush()
    audit.record("session.signed_up", actor=actor or user, target=record, institution_id=user.institution_id,
                 session_id=session.id, waiting=full)
    db.session.commit()
    return record, True


def cancel_sign_up(record: SessionSignUp, actor, *, staff: bool = False) -> None:
    """Cancel a live sign-up: until the cut-off for the trainee, until the session ends for staff (after it, its
    register says who came); its place goes to the first waiting. Audited as "session.sign_up_cancelled".
    SessionError("not_signed_up" | "closed" | "over")."""
    session = places.lock(record.session_id)
    db.session.refresh(record)
    if record.cancelled_at is not None:
        raise SessionError("not_signed_up")
    if staff and clock.now() >= session.ends_at:
        raise SessionError("over")
    if not staff and clock.now() >= cutoff(session):
        raise SessionError("closed")
    _cancel(record, actor, session)
    db.session.commit()


def _cancel(record: SessionSignUp, actor, session: TrainingSession) -> None:
    held = record.waiting_since is None
    record.cancelled_at = clock.now()
    db.session.flush()
    audit.record("session.sign_up_cancelled", actor=actor, target=record, institution_id=record.user.institution_id,
                 session_id=session.id, held_place=held)
    if held:
        places.promote(session, actor)


def mark(session: TrainingSession, marks: dict[int, str], actor) -> int:
    """Mark the attendance of people on the session's register: {user id: "present" | "absent" | "excused" |
    "late"}; returns how many marks changed. Each change is audited as "attendance.marked" with what it was;
    then whoever now meets the course's completion rule completes it (and gets the certificate). Whether `actor`
    may mark these people is decided by the caller (lms.access: a coordinator marks only their institution's).
    SessionError("cancelled" | "not_started" | "status_unknown" | "not_on_register")."""
    if session.cancelled_at is not None:
        raise SessionError("cancelled")
    if session.starts_at > clock.now():
        raise SessionError("not_started")
    if any(status not in MARKS for status in marks.values()):
        raise SessionError("status_unknown")
    on_register = {row.user.id: row for row in queries.register_rows(session, true())}
    if any(user_id not in on_register for user_id in marks):
        raise SessionError("not_on_register")
    existing = {m.user_id: m for m in db.session.scalars(select(AttendanceMark).where(
        AttendanceMark.session_id == session.id, AttendanceMark.user_id.in_(list(marks))))}
    now, changed, actor_id = clock.now(), [], getattr(actor, "id", None)
    for user_id, status in sorted(marks.items()):
        current = existing.get(user_id)
        if current is not None and current.status == status:
            continue
        before = current.status if current is not None else None
        if current is None:
            current = AttendanceMark(session_id=session.id, user_id=user_id, status=status, marked_by_id=actor_id,
                                     marked_at=now)
            db.session.add(current)
        else:
            current.status, current.marked_by_id, current.marked_at = status, actor_id, now
        changed.append((current, before))
    if not changed:
        return 0
    db.session.flush()
    audit.record_many([audit.event_row("attendance.marked", actor, "attendance_marks", m.id,
                                       on_register[m.user_id].user.institution_id, session_id=session.id,
                                       user_id=m.user_id, was=before, status=m.status, at=when.iso(now))
                       for m, before in changed], "attendance")
    _complete(session, [m.user_id for m, _b in changed])
    db.session.commit()
    return len(changed)


def mark_everyone_present(session: TrainingSession, user_ids: list[int], actor) -> int:
    """Mark present everyone of `user_ids` on the register who has no mark yet (those marked keep their mark);
    returns how many. See `mark`."""
    marked = set(db.session.scalars(select(AttendanceMark.user_id).where(AttendanceMark.session_id == session.id)))
    return mark(session, {u: "present" for u in user_ids if u not in marked}, actor)


def _complete(session: TrainingSession, user_ids: list[int]) -> None:
    """Decide completion for the people just marked (learning's one rule; a met rule issues the certificate)."""
    course = session.course
    if course.completion_attendance == "none":
        return
    for enrolment in db.session.scalars(select(Enrolment).where(
            Enrolment.user_id.in_(user_ids), Enrolment.course_id == course.id, Enrolment.is_current.is_(True),
            Enrolment.status == "active")):
        learning.check_completion(enrolment, course)


def _on_place_freed(_sender, *, enrolment: Enrolment, actor) -> None:
    """A withdrawn trainee's sign-ups for sessions still to come in the course are cancelled (their places go to
    the waiting)."""
    now = clock.now()
    for record in db.session.scalars(select(SessionSignUp).join(TrainingSession).where(
            SessionSignUp.user_id == enrolment.user_id, SessionSignUp.cancelled_at.is_(None),
            TrainingSession.course_id == enrolment.course_id, TrainingSession.starts_at > now)):
        _cancel(record, actor, places.lock(record.session_id))


def connect_signals() -> None:
    """Cancel a withdrawn trainee's coming sign-ups when learning says a place freed (called once by the app)."""
    signals.place_freed.connect(_on_place_freed)
