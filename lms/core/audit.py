"""The audit log's one writer. Services call `record` (or `record_many` for a batch) inside their own
unit of work."""
from __future__ import annotations

import logging
from collections import Counter

from sqlalchemy import insert

from lms.core.models import AuditEvent
from lms.extensions import db

log = logging.getLogger("lms.audit")


def record(action: str, actor=None, target=None, institution_id: int | None = None, **details) -> AuditEvent:
    """Add an audit event to the current transaction; the calling service commits it.

    `target` is a model instance (its table name and id are kept), `details` plain JSON values.
    """
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        target_type=getattr(target, "__tablename__", None),
        target_id=getattr(target, "id", None),
        institution_id=institution_id,
        details=details,
    )
    db.session.add(event)
    log.info("%s by user %s on %s %s", action, event.actor_id, event.target_type, event.target_id)
    return event


def event_row(action: str, actor=None, target_type: str | None = None, target_id: int | None = None,
              institution_id: int | None = None, **details) -> dict:
    """One event for `record_many`: the columns `record` would set, with the target named by table and id
    (for rows written without ORM objects)."""
    return {"action": action, "actor_id": getattr(actor, "id", None), "target_type": target_type,
            "target_id": target_id, "institution_id": institution_id, "details": details}


def record_many(events: list[dict], what: str) -> None:
    """Add many events (`event_row`s, in order) with one executemany; one log line per kind of event
    instead of one per event. `what` names the batch in the log. The calling service commits."""
    if not events:
        return
    db.session.execute(insert(AuditEvent.__table__), events)  # created_at: the column's default, per event
    for action, count in Counter(e["action"] for e in events).items():
        log.info("%s by user %s: %d events (%s)", action, events[0]["actor_id"], count, what)
