"""Named reads of the calendar: a person's events over a period, one event, their feed, the month grid.

`events_for` is the one read of what is on a person's calendar; the month page, the agenda, the feed and the
downloads all ask it (or `event_for`). It gathers from the providers (lms.calendar.providers.PROVIDERS).
"""
from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass, field
from datetime import date, timedelta, tzinfo

from sqlalchemy import select

from lms.calendar.events import Event
from lms.calendar.models import CalendarFeed
from lms.calendar.providers import PROVIDERS
from lms.core.security import hash_token
from lms.core.when import person_zone
from lms.extensions import db

# The period a feed covers, around today in the person's zone: recent past to a year ahead.
FEED_DAYS_BEFORE = 90
FEED_DAYS_AFTER = 366
# A token longer than this is not one of ours: refused before it is hashed.
MAX_TOKEN_LENGTH = 200


def events_for(user, start: date, end: date, where: tzinfo | None = None) -> list[Event]:
    """The person's events touching the days `start`..`end` (both included) in `where` (default: the person's
    zone), from every provider, in agenda order. A fixed number of statements (two per provider)."""
    where = where or person_zone(user)
    found = [event for provider in PROVIDERS for event in provider.between(user, start, end, where)]
    return sorted(found, key=lambda event: event.sort_key(where))


def event_for(user, kind: str, source_id: int) -> Event | None:
    """One event of the person's calendar by its kind and id; None if the kind is unknown or the event is not
    theirs (a person downloads only their own events)."""
    for provider in PROVIDERS:
        if provider.kind == kind:
            return provider.one(user, source_id)
    return None


def event_kinds() -> tuple[str, ...]:
    """The kinds of event there are."""
    return tuple(provider.kind for provider in PROVIDERS)


def feed_window(today: date) -> tuple[date, date]:
    """The first and last day a feed fetched on `today` covers."""
    return today - timedelta(days=FEED_DAYS_BEFORE), today + timedelta(days=FEED_DAYS_AFTER)


def feed_of(user) -> CalendarFeed | None:
    """The person's feed, if they made one."""
    return db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def feed_by_token(token: str) -> CalendarFeed | None:
    """The feed of a token from an address, found by its hash (the token never reaches a query or its log)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return db.session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == hash_token(token)))


# --- the month page -------------------------------------------------------------------------------

@dataclass
class Day:
    """A day of the month grid and what happens on it: events that are on that day alone, start or end on it."""

    day: date
    in_month: bool
    today: bool
    items: list[tuple[Event, str]] = field(default_factory=list)  # (event, "on" | "starts" | "ends")


@dataclass
class Month:
    """A month as weeks of days (first day of the week per the language), and its events in agenda order."""

    first: date
    weeks: list[list[Day]]
    events: list[Event]
    weekdays: list[int]  # the weekday numbers (Monday 0) of the columns, in order

    @property
    def previous(self) -> date:
        """The first day of the month before."""
        return (self.first - timedelta(days=1)).replace(day=1)

    @property
    def next(self) -> date:
        """The first day of the month after."""
        return (self.first + timedelta(days=32)).replace(day=1)


def month_of(user, first: date, today: date, where: tzinfo, first_weekday: int = 0) -> Month:
    """The month starting on `first` for the person, read in `where` (the viewer's zone), with weeks starting
    on `first_weekday` (Monday 0). An event spanning days is listed on its first and last day in the grid."""
    weeks_of = _calendar.Calendar(first_weekday).monthdatescalendar(first.year, first.month)
    events = events_for(user, weeks_of[0][0], weeks_of[-1][-1], where)
    days = {d: Day(d, d.month == first.month, d == today) for week in weeks_of for d in week}
    for event in events:
        start, end = event.days(where)
        if start == end:
            if start in days:
                days[start].items.append((event, "on"))
            continue
        if start in days:
            days[start].items.append((event, "starts"))
        if end in days:
            days[end].items.append((event, "ends"))
    in_month = [e for e in events if e.days(where)[1] >= first and e.days(where)[0] < _next_month(first)]
    return Month(first, [[days[d] for d in week] for week in weeks_of], in_month,
                 [(first_weekday + i) % 7 for i in range(7)])


def _next_month(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1)
