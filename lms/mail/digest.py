"""The daily digest: one mail a day to each person who chose it, with the messages held for them since the last.

Run every hour by the scheduler; a person's digest goes at LMS_MAIL_DIGEST_HOUR in their own zone. The held
messages point to the digest that carries them (digest_id) and are marked sent with it (lms.mail.delivery), so
a re-run finds nothing left to gather, and the digest's key (person and local date) is used once.
"""
from __future__ import annotations

from collections import defaultdict

from flask import current_app
from sqlalchemy import insert, select, update

from lms.auth.models import User
from lms.core import clock, when
from lms.extensions import db
from lms.jobs import after_commit, crontab, periodic
from lms.mail import queries
from lms.mail.compose import compose
from lms.mail.delivery import deliver
from lms.mail.kinds import DIGEST
from lms.mail.models import OutboxMessage
from lms.mail.services import mailable

# Held messages gathered per run; people past it get theirs from the next run that hour... or the next day.
BATCH = 20_000


def due_people(now) -> dict[User, list[OutboxMessage]]:
    """The people whose digest is due at `now` (their local hour is the digest hour) with their held messages,
    oldest first (two statements)."""
    held = db.session.execute(select(OutboxMessage).where(
        OutboxMessage.status == "held", OutboxMessage.digest_id.is_(None)).order_by(OutboxMessage.id)
        .limit(BATCH)).scalars().all()
    by_user: dict[int, list[OutboxMessage]] = defaultdict(list)
    for message in held:
        if message.user_id is not None:
            by_user[message.user_id].append(message)
    if not by_user:
        return {}
    users = db.session.execute(select(User).where(User.id.in_(list(by_user)))).scalars().all()
    hour = current_app.config["MAIL_DIGEST_HOUR"]
    return {user: by_user[user.id] for user in users
            if mailable(user) and when.local(now, when.person_zone(user)).hour == hour}


@periodic(crontab(minute="0"))
def send_digests() -> int:
    """Write the daily digest of everyone whose digest hour it is, and queue their delivery; returns how many."""
    now = clock.now()
    written = 0
    for user, messages in due_people(now).items():
        day = when.local(now, when.person_zone(user)).date()
        key = f"digest:{user.id}:{day:%Y-%m-%d}"  # a key, not a date shown to anyone
        if queries.used_keys([key]):
            continue
        composed = compose(user, DIGEST, "digest", {"messages": messages, "day": day}, "/notifications")
        digest_id = db.session.execute(insert(OutboxMessage).values(
            user_id=user.id, kind=DIGEST, key=key, to_address=user.email, subject=composed.subject,
            text_body=composed.text, html_body=composed.html, unsubscribe_url=composed.unsubscribe_url,
            status="queued", attempts=0, created_at=now).returning(OutboxMessage.id)).scalar_one()
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id.in_([m.id for m in messages]))
                           .values(digest_id=digest_id))
        after_commit(deliver, digest_id)
        written += 1
    db.session.commit()
    return written
