"""The audit log's one writer. Services call `record` inside their own unit of work."""
from __future__ import annotations

import logging

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
