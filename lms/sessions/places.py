"""The places of a session under its row lock: locking it, and giving free places to its waiting list.

Shared by the writers of sessions (a larger capacity) and of sign-ups (a cancelled sign-up); the lock makes
concurrent sign-ups take no more places than the session has (PostgreSQL: SELECT ... FOR UPDATE; SQLite
writes one transaction at a time).
"""
from __future__ import annotations

import logging

from sqlalchemy import select

from lms.attendance.models import TrainingSession
from lms.audit import services as audit
from lms.core import signals
from lms.extensions import db
from lms.sessions import queries

log = logging.getLogger("lms.sessions")


def lock(session_id: int) -> TrainingSession:
    """Take the session's row lock for the rest of the transaction and read it afresh."""
    return db.session.scalars(select(TrainingSession).where(TrainingSession.id == session_id).with_for_update()
                              .execution_options(populate_existing=True)).one()


def promote(session: TrainingSession, actor) -> int:
    """Give the free places of a locked session to the first on its waiting list; returns how many. Audited as
    "session.promoted" each, and told to them (signal `session_promoted`). The caller commits."""
    if session.cancelled_at is not None:
        return 0
    free = None if session.capacity is None else session.capacity - queries.places_taken(session.id)
    if free is not None and free <= 0:
        return 0
    promoted = queries.first_waiting(session.id, free if free is not None else 1_000_000)
    waited = [(sign_up.id, sign_up.waiting_since) for sign_up in promoted]
    for sign_up in promoted:
        sign_up.waiting_since = None
        audit.record("session.promoted", actor=actor, target=sign_up, institution_id=sign_up.user.institution_id,
                     session_id=session.id)
    if promoted:
        db.session.flush()
        log.info("session %s: %d promoted from the waiting list", session.id, len(promoted))
        signals.session_promoted.send("sessions", session=session, promoted=waited, actor=actor)
    return len(promoted)
