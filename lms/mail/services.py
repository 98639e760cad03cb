"""The writers of mail: sending (one person or many), notifications read, preferences and unsubscribing.

`send` and `send_many` write in the caller's transaction (the caller commits): an in-app `Notification` for
a non-security kind (and one more on the person's unread count, users.unread_notifications) and, unless the
person turned the kind off, an `OutboxMessage`, held for their daily digest if they chose one; the delivery
is queued when the transaction commits (lms.jobs.after_commit). The idempotency key makes a second send with
the same key a no-op, so a retried or re-run job never mails twice. Deactivated and anonymised accounts are
never mailed.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from sqlalchemy import func, insert, select, update

from lms.auth.models import User
from lms.core import clock
from lms.extensions import db
from lms.mail import queries
from lms.mail.compose import compose
from lms.mail.delivery import queue_delivery
from lms.mail.kinds import DIGEST, KINDS, check, optional_kinds
from lms.mail.models import MailAttachment, MailPreference, Notification, OutboxMessage

# Keys are checked and rows inserted this many at a time: well under every database's limit of parameters.
CHUNK = 500


class Attachment(NamedTuple):
    """A file sent with a message (a session's .ics)."""

    filename: str
    content_type: str
    data: bytes


def mailable(user: User) -> bool:
    """Whether the person may be mailed at all: an active account that was not anonymised."""
    return bool(user.active) and user.anonymised_at is None


def send(user: User, kind: str, key: str, template: str, context: dict, *, link: str | None = None,
         attachments: Sequence[Attachment] = ()) -> bool:
    """Send one message of `kind` to `user` (see the module's docstring); False, storing nothing, for an
    account that may not be mailed or a key already used. The caller commits."""
    return send_many([user], kind, lambda _user: key, template, lambda _user: context, link=link,
                     attachments=attachments) == 1


def send_many(users: Iterable[User], kind: str, key_for: Callable[[User], str], template: str,
              context_for: Callable[[User], dict], *, link: str | Callable[[User], str | None] | None = None,
              attachments: Sequence[Attachment] = (), mail: bool = True) -> int:
    """Send one message of `kind` to each of `users` (each key from `key_for`, each context from
    `context_for`; `link` a path, or a function of the person). Returns how many were written. Without `mail`
    the people get the in-app notification only (an announcement staff chose not to e-mail). A bounded
    number of statements per CHUNK recipients, none per recipient: the preferences and the keys already used
    are read for all at once, rows inserted in bulk. The caller commits."""
    security = check(kind).security
    candidates = [(user, key_for(user)) for user in users if mailable(user)]
    written = 0
    for start in range(0, len(candidates), CHUNK):
        written += _send_chunk(candidates[start:start + CHUNK], kind, security, template, context_for, link,
                               attachments, mail)
    return written


def _send_chunk(candidates, kind, security, template, context_for, link, attachments, mail=True) -> int:
    keys = [key for _user, key in candidates]
    used = queries.used_keys(keys)
    seen: set[str] = set()
    fresh = []
    for user, key in candidates:
        if key not in used and key not in seen:
            seen.add(key)
            fresh.append((user, key))
    if not fresh:
        return 0
    # A security message goes whatever the person chose: no need to read their choices.
    preferences = {} if security or not mail else queries.preferences_of([user.id for user, _key in fresh])
    now = clock.now()
    notifications, messages = [], []
    for user, key in fresh:
        page = link(user) if callable(link) else link
        composed = compose(user, kind, template, context_for(user), page)
        if not security:
            notifications.append({"user_id": user.id, "kind": kind, "key": key, "title": composed.subject,
                                  "link": page, "created_at": now})
        if not mail:
            continue
        preference = preferences.get(user.id)
        if not security and preference is not None and kind in (preference.muted or []):
            continue
        held = not security and preference is not None and preference.digest
        messages.append({"user_id": user.id, "kind": kind, "key": key, "to_address": user.email,
                         "subject": composed.subject, "text_body": composed.text, "html_body": composed.html,
                         "unsubscribe_url": composed.unsubscribe_url, "status": "held" if held else "queued",
                         "attempts": 0, "created_at": now})
    if notifications:
        db.session.execute(insert(Notification), notifications)
        counts: dict[int, int] = {}
        for row in notifications:
            counts[row["user_id"]] = counts.get(row["user_id"], 0) + 1
        _add_unread(counts)
    if messages:
        _insert_messages(messages, attachments)
    return len(fresh)


def _add_unread(counts: dict[int, int]) -> None:
    """One more unread notification for each person (one statement per distinct count: nearly always one)."""
    by_amount: dict[int, list[int]] = {}
    for user_id, amount in counts.items():
        by_amount.setdefault(amount, []).append(user_id)
    for amount, user_ids in by_amount.items():
        db.session.execute(update(User).where(User.id.in_(user_ids))
                           .values(unread_notifications=User.unread_notifications + amount)
                           .execution_options(synchronize_session=False))


def _insert_messages(messages: list[dict], attachments: Sequence[Attachment]) -> None:
    """Insert the messages in one statement and queue the delivery of the queued ones after the commit."""
    keys = [row["key"] for row in messages]
    db.session.execute(insert(OutboxMessage), messages)
    ids = db.session.execute(select(OutboxMessage.id, OutboxMessage.status)
                             .where(OutboxMessage.key.in_(keys))).all()
    if attachments:
        db.session.execute(insert(MailAttachment), [
            {"message_id": message_id, "filename": a.filename, "content_type": a.content_type, "data": a.data}
            for message_id, _status in ids for a in attachments])
    queue_delivery([message_id for message_id, status in ids if status == "queued"])


# --- notifications ---------------------------------------------------------------------------------------

def mark_read(user: User, notification_id: int) -> bool:
    """Mark one of the person's notifications read; False if it is not theirs or was read already."""
    done = db.session.execute(update(Notification).where(
        Notification.id == notification_id, Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=clock.now())).rowcount
    if done:
        _recount(user)
    db.session.commit()
    return bool(done)


def mark_all_read(user: User) -> int:
    """Mark every notification of the person read; returns how many were unread."""
    done = db.session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)).values(read_at=clock.now())).rowcount
    _recount(user)
    db.session.commit()
    return done


def _recount(user: User) -> None:
    """Write the person's unread count again from their notifications (never drifts from a lost update)."""
    unread = (select(func.count()).select_from(Notification)
              .where(Notification.user_id == user.id, Notification.read_at.is_(None)).scalar_subquery())
    db.session.execute(update(User).where(User.id == user.id).values(unread_notifications=unread)
                       .execution_options(synchronize_session=False))
    db.session.expire(user, ["unread_notifications"])


# --- preferences -----------------------------------------------------------------------------------------

def _preference(user_id: int) -> MailPreference:
    preference = db.session.get(MailPreference, user_id)
    if preference is None:
        preference = MailPreference(user_id=user_id, muted=[], digest=False)
        db.session.add(preference)
    return preference


def save_preferences(user: User, enabled: Iterable[str], digest: bool) -> None:
    """Keep the person's choice: the kinds they receive (the others are turned off) and the daily digest."""
    enabled = set(enabled)
    preference = _preference(user.id)
    preference.muted = [kind.name for kind in KINDS.values() if not kind.security and kind.name not in enabled]
    preference.digest = bool(digest)
    preference.updated_at = clock.now()
    db.session.commit()


def unsubscribe(user_id: int, kind: str) -> bool:
    """Turn one kind off for a person (the one-click unsubscribe; the daily digest's turns every kind off);
    False if the account is gone or the kinds were off already. Security kinds cannot be turned off."""
    if (kind != DIGEST and KINDS[kind].security) or db.session.get(User, user_id) is None:
        return False
    preference = _preference(user_id)
    muted = list(preference.muted or [])
    wanted = [k.name for k in optional_kinds()] if kind == DIGEST else [kind]
    added = [k for k in wanted if k not in muted]
    if not added:
        return False
    preference.muted = muted + added
    preference.updated_at = clock.now()
    db.session.commit()
    return True
