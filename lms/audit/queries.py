"""Named reads of the audit log."""
from __future__ import annotations

from datetime import UTC, date, tzinfo

from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.core import when
from lms.extensions import db

PER_PAGE = 100


def actions() -> list[str]:
    """Every action that occurs in the log, for the filter."""
    return list(db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def search(action: str = "", since: date | None = None, until: date | None = None, page: int = 1,
           zone: tzinfo = UTC):
    """A page of events, newest first, filtered by action and by day (whole days in `zone`, the viewer's)."""
    query = select(AuditEvent)
    if action.endswith("*"):
        query = query.where(AuditEvent.action.startswith(action[:-1]))
    elif action:
        query = query.where(AuditEvent.action == action)
    start, end = when.day_range(since, until, zone)
    if start:
        query = query.where(AuditEvent.created_at >= start)
    if end:
        query = query.where(AuditEvent.created_at < end)
    return db.paginate(query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()), page=page,
                       per_page=PER_PAGE, error_out=False)
