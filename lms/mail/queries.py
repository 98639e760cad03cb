"""Named reads of mail: keys already used, preferences, a person's notifications, the admins' outbox."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, union

from lms.extensions import db
from lms.mail.delivery import transport
from lms.mail.models import MailPreference, Notification, OutboxMessage

PAGE_SIZE = 25


def used_keys(keys: Sequence[str]) -> set[str]:
    """Which of these idempotency keys a message or a notification already has (one statement)."""
    if not keys:
        return set()
    found = union(select(Notification.key).where(Notification.key.in_(keys)),
                  select(OutboxMessage.key).where(OutboxMessage.key.in_(keys)))
    return set(db.session.execute(found).scalars())


def preferences_of(user_ids: Sequence[int]) -> dict[int, MailPreference]:
    """The preferences of these people that have any, by person (one statement)."""
    if not user_ids:
        return {}
    rows = db.session.execute(select(MailPreference).where(MailPreference.user_id.in_(user_ids))).scalars()
    return {row.user_id: row for row in rows}


def preference_of(user_id: int) -> MailPreference | None:
    """One person's preferences, None when they never chose (every kind on, single mails)."""
    return db.session.get(MailPreference, user_id)


def notifications_page(user_id: int, page: int, size: int = PAGE_SIZE):
    """One page of a person's notifications, newest first (a Flask-SQLAlchemy Pagination)."""
    query = select(Notification).where(Notification.user_id == user_id).order_by(Notification.id.desc())
    return db.paginate(query, page=page, per_page=size, error_out=False, max_per_page=size)


def notification_of(user_id: int, notification_id: int) -> Notification | None:
    """A notification of this person, or None."""
    return db.session.execute(select(Notification).where(
        Notification.id == notification_id, Notification.user_id == user_id)).scalar_one_or_none()


def outbox_page(page: int, status: str | None = None, size: int = 50):
    """One page of the outbox for admins, newest first, optionally of one status (a Pagination)."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if status:
        query = query.where(OutboxMessage.status == status)
    return db.paginate(query, page=page, per_page=size, error_out=False, max_per_page=size)


def status_counts() -> dict[str, int]:
    """How many messages of the outbox are in each state."""
    rows = db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
    return {status: count for status, count in rows}


def waiting_count() -> int:
    """How many messages wait for delivery (queued)."""
    return db.session.execute(select(func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.status == "queued")).scalar_one()


def admin_warning_count() -> int:
    """How many messages wait in production without a mail server (the warning on admins' pages); 0, without a
    query, whenever a transport is set."""
    if transport() is not None:
        return 0
    return waiting_count()


def message(message_id: int) -> OutboxMessage | None:
    """One message of the outbox."""
    return db.session.get(OutboxMessage, message_id)
