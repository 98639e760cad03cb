"""Writes of the calendar: making, renewing and stopping a person's feed address, and noting its use.

The token is shown once, when made; only its hash is kept (lms.core.security). Each change is audited as an
event on the person's account, naming no token.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from lms.audit import services as audit
from lms.calendar import queries
from lms.calendar.models import CalendarFeed
from lms.core import clock
from lms.core.security import new_token
from lms.extensions import db

# Noting every fetch would write on each poll of every calendar app; this often is enough for retention.
TOUCH_INTERVAL = timedelta(minutes=10)


def renew_feed(user, actor) -> tuple[CalendarFeed, str]:
    """Give the person a new feed address (the first, or one in place of the old, which stops at once);
    returns the feed and its token, which is never shown again. Audited as "calendar.feed_created" or
    "calendar.feed_renewed"."""
    token, token_hash = new_token()
    now = clock.now()
    feed = queries.feed_of(user)
    if feed is None:
        feed = CalendarFeed(user_id=user.id, token_hash=token_hash, created_at=now)
        db.session.add(feed)
        action = "calendar.feed_created"
    else:
        feed.token_hash, feed.created_at, feed.last_used_at = token_hash, now, None
        action = "calendar.feed_renewed"
    db.session.flush()
    audit.record(action, actor=actor, target=user, institution_id=user.institution_id)
    db.session.commit()
    return feed, token


def stop_feed(user, actor) -> bool:
    """Remove the person's feed address (calendar apps get "not found" from then on); False if there was none.
    Audited as "calendar.feed_stopped"."""
    feed = queries.feed_of(user)
    if feed is None:
        return False
    db.session.delete(feed)
    audit.record("calendar.feed_stopped", actor=actor, target=user, institution_id=user.institution_id)
    db.session.commit()
    return True


def note_use(feed: CalendarFeed) -> None:
    """Note that a calendar app fetched the feed, at most once per TOUCH_INTERVAL (not audited: a poll is no
    act of the person)."""
    now = clock.now()
    if feed.last_used_at is None or feed.last_used_at < now - TOUCH_INTERVAL:
        db.session.execute(update(CalendarFeed).where(CalendarFeed.id == feed.id).values(last_used_at=now))
        db.session.commit()
