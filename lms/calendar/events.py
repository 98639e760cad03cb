"""What the calendar shows: `Event`, one thing on a person's calendar, and `Provider`, a source of them.

An event is all-day (a due date, the days of a course run: calendar dates, the same dates in every zone) or
timed (a session: instants in UTC, with the zone of the place where it happens). Each event is named by its
kind and the id of the row it comes from (`kind`, `source_id`); its UID in iCalendar derives from them only,
so a calendar app that fetches the feed again, or imports the event's .ics file, updates the event it has
instead of adding a copy.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from lms.core.when import local


@dataclass(frozen=True)
class Event:
    """One thing on a person's calendar.

    All-day: `first_day` and `last_day` (both included). Timed: `starts_at` and `ends_at`, aware UTC,
    with `zone`, the IANA name of the zone of the place (the .ics writes the times in it, with its VTIMEZONE).
    """

    kind: str  # the provider's kind: "due", "run" (and later "session"); also the download's URL part
    source_id: int  # the id of the row it comes from, within its kind
    title: str
    first_day: date | None = None
    last_day: date | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    zone: str | None = None
    location: str = ""
    url: str = ""  # an absolute link to the page of the thing (the course)
    description: str = ""
    cancelled: bool = False  # STATUS:CANCELLED: still listed, so calendar apps strike it through
    tentative: bool = False  # STATUS:TENTATIVE: e.g. a run the person is on the waiting list of
    sequence: int = 0  # SEQUENCE: higher after each change a calendar app must take (`revision`)

    @property
    def uid(self) -> str:
        """Stable across fetches and downloads (the .ics adds "@" and the site's host)."""
        return f"lms-{self.kind}-{self.source_id}"

    @property
    def all_day(self) -> bool:
        """Whether the event is dates rather than times."""
        return self.first_day is not None

    def days(self, where: tzinfo) -> tuple[date, date]:
        """The first and last calendar day the event touches, read in `where` (all-day events: their dates)."""
        if self.all_day:
            return self.first_day, self.last_day or self.first_day
        first = local(self.starts_at, where).date()
        last = local(self.ends_at - timedelta(microseconds=1), where).date() if self.ends_at else first
        return first, max(first, last)

    def sort_key(self, where: tzinfo) -> tuple:
        """Order of an agenda: by first day, all-day events first, then by time and title."""
        first, _last = self.days(where)
        return (first, not self.all_day, self.starts_at or datetime.min, self.title, self.kind, self.source_id)


# SEQUENCE counts from here: seconds since then fit the 32-bit INTEGER of RFC 5545 until 2088.
_SEQUENCE_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def revision(*changes: datetime | None) -> int:
    """The SEQUENCE of an event changed at these moments (None: never): 0 for one never changed, else the
    seconds from 2020 to its latest change. It grows with every change and derives from the stored row alone,
    so the feed, the download and a mail's .ics all carry the same one, and a calendar app that has an older
    copy of the event (same UID, lower SEQUENCE) takes the new one."""
    latest = max((moment for moment in changes if moment is not None), default=None)
    return 0 if latest is None else max(0, int((latest - _SEQUENCE_EPOCH).total_seconds()))


@dataclass(frozen=True)
class Provider:
    """A source of events of one kind.

    `between(user, first, last, where)`: the person's events touching the days `first`..`last` (included) in
    `where`, in a fixed number of statements whatever their number. `one(user, source_id)`: that event if it
    is on the person's calendar, else None (the download of one event checks access through it: a person
    downloads only their own events).
    """

    kind: str
    between: Callable[..., list[Event]]
    one: Callable[..., Event | None]
