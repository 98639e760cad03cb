"""The log of personal-data exports: a page of the audit events of exports, for the admin's report."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, tzinfo

from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.auth.models import User
from lms.core import when
from lms.extensions import db
from lms.institutions.models import Institution

EXPORT_ACTION_PREFIX = "export."
PER_PAGE = 50


@dataclass
class ExportRow:
    """One export in the admin's report."""

    event: AuditEvent
    actor_name: str | None
    actor_anonymised: bool
    subject_name: str | None
    institution_code: str | None


def export_log(date_from: date | None = None, date_to: date | None = None, page: int = 1, zone: tzinfo = UTC):
    """A page of the audit events of exports (actions "export.*"), newest first, between two days (inclusive,
    whole days in `zone`, the viewer's).

    The items are `ExportRow`s: who exported (their current name), whose data when the target is an
    account, and the institution concerned; three queries whatever the page size.
    """
    query = select(AuditEvent).where(AuditEvent.action.startswith(EXPORT_ACTION_PREFIX, autoescape=True))
    start, end = when.day_range(date_from, date_to, zone)
    if start:
        query = query.where(AuditEvent.created_at >= start)
    if end:
        query = query.where(AuditEvent.created_at < end)
    query = query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    pagination = db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)
    events = list(pagination.items)
    user_ids = {e.actor_id for e in events if e.actor_id} | {
        e.target_id for e in events if e.target_type == "users" and e.target_id}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    institution_ids = {e.institution_id for e in events if e.institution_id}
    codes = dict(db.session.execute(select(Institution.id, Institution.code)
                                    .where(Institution.id.in_(institution_ids))).all()) if institution_ids else {}
    rows = []
    for e in events:
        actor = users.get(e.actor_id)
        subject = users.get(e.target_id) if e.target_type == "users" else None
        rows.append(ExportRow(e, actor.name if actor else None, bool(actor and actor.anonymised_at),
                              subject.name if subject else None, codes.get(e.institution_id)))
    pagination.items = rows
    return pagination
