"""The audit log's one writer. Services call `record` for an event, or build events with `event_row` and
write them with `record_many`, inside their own unit of work (the calling service commits).

An event is written at once, as a plain INSERT in the caller's transaction: an event whose unit of
work rolls back is gone with it.
"""
from __future__ import annotations

import logging
from collections import Counter

from sqlalchemy import insert

from lms.audit.models import AuditEvent
from lms.extensions import db

log = logging.getLogger("lms.audit")


def event_row(action: str, actor=None, target_type: str | None = None, target_id: int | None = None,
              institution_id: int | None = None, **details) -> dict:
    """One event: who (`actor`, a user or None for the system), what (`action`), on what (the target's
    table and id), for which institution, with `details` as plain JSON values."""
    return {"action": action, "actor_id": getattr(actor, "id", None), "target_type": target_type,
            "target_id": target_id, "institution_id": institution_id, "details": details}


def record(action: str, actor=None, target=None, institution_id: int | None = None, **details) -> None:
    """Write an event about `target`, a model instance already in the database (its table and id are kept)."""
    event = event_row(action, actor, getattr(target, "__tablename__", None), getattr(target, "id", None),
                      institution_id, **details)
    _insert([event])
    log.info("%s by user %s on %s %s", action, event["actor_id"], event["target_type"], event["target_id"])


def record_many(events: list[dict], what: str) -> None:
    """Write many events (`event_row`s, in order) with one executemany; one log line per kind of event
    instead of one per event. `what` names the batch in the log."""
    if not events:
        return
    _insert(events)
    for action, count in Counter(e["action"] for e in events).items():
        log.info("%s by user %s: %d events (%s)", action, events[0]["actor_id"], count, what)


def _insert(events: list[dict]) -> None:
    # created_at: the column's default, per event. Core, not the ORM: nothing reads an event back here.
    db.session.execute(_INSERT, events)


_INSERT = insert(AuditEvent.__table__)  # built once: a completion, a sign-in and most admin actions write one
