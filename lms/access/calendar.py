"""Who may read which calendar: one's own, signed in; a feed by its secret address; an event only if it is
on one's own calendar."""
from __future__ import annotations

from flask import abort

from lms.access.rules import rule, signed_in
from lms.auth.queries import user_by_id
from lms.calendar import queries as calendar_queries
from lms.calendar.events import Event
from lms.calendar.models import CalendarFeed


@rule
def can_use_calendar(user) -> bool:
    """May read one's own calendar, download its events and keep a feed address (every signed-in user)."""
    return signed_in(user)


def own_event_or_404(user, kind: str, source_id: int) -> Event:
    """The event named in the URL if it is on the person's own calendar, else 404 (someone else's event is
    "not found", as one that does not exist)."""
    return calendar_queries.event_for(user, kind, source_id) or abort(404)


def feed_or_404(token: str):
    """The feed of a secret address and its owner, else 404: an unknown or renewed token, or the account of
    a person who can no longer sign in (deactivated or anonymised) opens nothing. The address alone is the
    key: calendar apps fetch it without signing in."""
    feed: CalendarFeed | None = calendar_queries.feed_by_token(token)
    owner = user_by_id(feed.user_id) if feed is not None else None
    if owner is None or not owner.active or owner.anonymised_at is not None:
        abort(404)
    return feed, owner
