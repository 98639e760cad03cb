"""iCalendar (RFC 5545) files of events, written with the `icalendar` library.

All-day events carry VALUE=DATE dates (DTEND the day after the last, as the RFC counts it); timed events
carry their times in the zone of their place (DTSTART;TZID=...), with a VTIMEZONE for every zone used
(icalendar makes them from the zone database, for the years the events span); cancelled events carry
STATUS:CANCELLED. Every VEVENT has a UID that depends only on what it is (lms.calendar.events.Event.uid) and
the site's host, and a DTSTAMP; one that changed since it was first written (a session moved or cancelled) a
SEQUENCE (lms.calendar.events.revision) that grows with each change.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from icalendar import Calendar
from icalendar import Event as VEvent

from lms.calendar.events import Event
from lms.core.when import zone as zone_of

PRODID = "-//IBM training platform//Calendar//EN"


def _vevent(event: Event, domain: str, stamp: datetime) -> VEvent:
    item = VEvent()
    item.add("uid", f"{event.uid}@{domain}")
    item.add("dtstamp", stamp)
    if event.sequence:
        item.add("sequence", event.sequence)
    item.add("summary", event.title)
    if event.all_day:
        item.add("dtstart", event.first_day)
        item.add("dtend", (event.last_day or event.first_day) + timedelta(days=1))
        item.add("transp", "TRANSPARENT")  # a due date or a run's span does not make the person busy all day
    else:
        place = zone_of(event.zone)
        item.add("dtstart", event.starts_at.astimezone(place) if place else event.starts_at)
        if event.ends_at is not None:
            item.add("dtend", event.ends_at.astimezone(place) if place else event.ends_at)
    if event.description:
        item.add("description", event.description)
    if event.location:
        item.add("location", event.location)
    if event.url:
        item.add("url", event.url)
    if event.cancelled:
        item.add("status", "CANCELLED")
    elif event.tentative:
        item.add("status", "TENTATIVE")
    else:
        item.add("status", "CONFIRMED")
    return item


def _span(events: list[Event]) -> tuple[date, date] | None:
    """The first and last dates of the timed events (the VTIMEZONEs cover them), None without any."""
    timed = [e for e in events if not e.all_day and e.zone]
    if not timed:
        return None
    first = min(e.starts_at for e in timed).date() - timedelta(days=1)
    last = max((e.ends_at or e.starts_at) for e in timed).date() + timedelta(days=2)
    return first, last


def calendar_file(events: Iterable[Event], *, domain: str, stamp: datetime, name: str | None = None,
                  zone: str | None = None) -> bytes:
    """The events as one iCalendar file. `domain` completes the UIDs (the site's host), `stamp` is the
    DTSTAMP (now); `name` and `zone` name the calendar and its zone for the apps that read them
    (X-WR-CALNAME, X-WR-TIMEZONE)."""
    events = list(events)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if name:
        cal.add("x-wr-calname", name)
    if zone:
        cal.add("x-wr-timezone", zone)
    for event in events:
        cal.add_component(_vevent(event, domain, stamp))
    span = _span(events)
    if span:
        cal.add_missing_timezones(first_date=span[0], last_date=span[1])
    return cal.to_ical()
