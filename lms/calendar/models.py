"""CalendarFeed: the secret address of a person's iCalendar feed, stored as a hash."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.types import UTCDateTime, utcnow
from lms.extensions import db


class CalendarFeed(db.Model):
    """A person's feed address: /calendar/feed/<token>.ics, at most one per person.

    The token is shown to its owner when made and never again; only its SHA-256 hash is kept, so a copy of
    the database opens no one's calendar. Renewing replaces the hash: the old address stops at once.
    """

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When a calendar app last fetched the feed (noted at most every few minutes); retention removes a feed
    # unused for LMS_CALENDAR_FEED_RETENTION_DAYS.
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<CalendarFeed of user {self.user_id}>"
