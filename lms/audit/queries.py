"""Named reads of the audit log.

Whom an event concerns (`concerning`) is decided here, once. An event records its target as a table
name and an id (`target_type`, `target_id`), so the person it concerns is:
- the target itself when it is an account (`users`): a sign-in, a password set, an account changed;
- the owner of the target when the target is a row that belongs to one person (an enrolment, a
  certificate, a quiz attempt, an API token, a password link: `OWNED_TARGETS`);
- the person named in the details as `user_id` (a course's staff added or removed: the target there is
  the course, the person is in the details).
The owner is looked up now, not kept in the event: an event about an enrolment follows the enrolment,
and a table the log does not know (a target of another kind) concerns no one. The audit log sits
below the features, so it names their tables rather than importing their models.
"""
from __future__ import annotations

from datetime import UTC, date, tzinfo

from sqlalchemy import and_, column, or_, select, table

from lms.audit.models import AuditEvent
from lms.core import when
from lms.extensions import db

PER_PAGE = 100
#: Targets that belong to one person: table name -> the column naming the person (users.id).
OWNED_TARGETS = {"enrolments": "user_id", "certificates": "user_id", "quiz_attempts": "user_id",
                 "api_tokens": "user_id", "password_links": "user_id"}
#: How an event may involve a person: who acted, whom it concerned, either.
ROLES = ("any", "actor", "subject")


def actions() -> list[str]:
    """Every action that occurs in the log, for the filter."""
    return list(db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def concerning(people):
    """SQL condition: the event concerns one of `people` (a SELECT of account ids); see the module docstring."""
    conditions = [and_(AuditEvent.target_type == "users", AuditEvent.target_id.in_(people))]
    for name, owner in OWNED_TARGETS.items():
        rows = table(name, column("id"), column(owner))
        conditions.append(and_(AuditEvent.target_type == name,
                               AuditEvent.target_id.in_(select(rows.c.id).where(rows.c[owner].in_(people)))))
    conditions.append(AuditEvent.details["user_id"].as_integer().in_(people))
    return or_(*conditions)


def involving(people, role: str = "any"):
    """SQL condition: one of `people` acted ("actor"), was concerned ("subject"), or either ("any")."""
    acted = AuditEvent.actor_id.in_(people)
    if role == "actor":
        return acted
    if role == "subject":
        return concerning(people)
    return or_(acted, concerning(people))


def search(action: str = "", since: date | None = None, until: date | None = None, page: int = 1, *,
           zone: tzinfo = UTC, people=None, role: str = "any"):
    """A page of events, newest first, filtered by action, by day (whole days in `zone`, the viewer's) and,
    with `people` (a SELECT of account ids, already limited to whom the reader may see), by who acted or
    whom it concerned (`role`)."""
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
    if people is not None:
        query = query.where(involving(people, role))
    return db.paginate(query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()), page=page,
                       per_page=PER_PAGE, error_out=False)
