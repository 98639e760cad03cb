"""Time zones and the one formatter of dates and times.

Stored times are UTC (lms.core.types.UTCDateTime). What a person reads is in *their* zone: the
viewer's own choice in the profile, else their institution's, else the platform's (`LMS_TIMEZONE`).
Every date and time on a page, in a PDF or in an export goes through the functions here:

- `format_datetime` names the zone ("28 Mar 2027, 15:05 Eastern European Summer Time"), in the
  interface language's format (Babel);
- `format_date` shows an instant's calendar date in the zone, or a plain date (a due date) as it is;
- `iso` writes ISO 8601 with the zone's offset, for exports and the API.

A due date is a calendar date; the moment it ends is `end_of_day(date, zone)`: midnight at the end of
that date in the trainee's zone. Report periods are whole days in the viewer's zone: `day_range`.

This module knows no feature: a person is anything with `timezone` and `institution` attributes.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import pytz
from babel import dates as babel_dates
from flask import current_app, g, has_app_context, has_request_context
from flask_babel import get_locale
from flask_login import current_user

from lms.core import clock

# Zones for the countries that have several, where one is where nearly everyone lives (the capital's);
# an institution elsewhere in the country picks its own on the institution form.
CAPITAL_ZONES = {
    "UA": "Europe/Kyiv", "DE": "Europe/Berlin", "ES": "Europe/Madrid", "PT": "Europe/Lisbon",
    "KZ": "Asia/Almaty", "RU": "Europe/Moscow", "CY": "Asia/Nicosia", "DK": "Europe/Copenhagen",
    "NL": "Europe/Amsterdam", "FR": "Europe/Paris", "GB": "Europe/London", "US": "America/New_York",
}


@lru_cache(maxsize=256)
def zone(name: str | None) -> ZoneInfo | None:
    """The zone of an IANA name ("Europe/Kyiv"), or None for an empty or unknown name."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def is_zone(name: str | None) -> bool:
    """Whether `name` is an IANA zone this machine knows."""
    return zone(name) is not None


@lru_cache(maxsize=1)
def all_zones() -> tuple[str, ...]:
    """Every zone a person may choose: the canonical "Region/City" names, sorted."""
    names = set(pytz.common_timezones) & available_timezones()
    return tuple(sorted(n for n in names if "/" in n)) + ("UTC",)


def country_zones(country: str | None) -> list[str]:
    """The zones used in a country (ISO 3166-1 alpha-2), the capital's first."""
    names = [n for n in pytz.country_timezones.get((country or "").upper(), []) if is_zone(n)]
    capital = CAPITAL_ZONES.get((country or "").upper())
    return sorted(names, key=lambda n: n != capital)


def country_default_zone(country: str | None) -> str | None:
    """The zone an institution in `country` gets unless it picks another: the country's only zone, or
    its capital's; None for a country whose zones the platform cannot tell apart (it must pick)."""
    names = country_zones(country)
    if len(names) == 1:
        return names[0]
    capital = CAPITAL_ZONES.get((country or "").upper())
    return capital if capital in names else None


def platform_zone() -> ZoneInfo:
    """The platform's default zone (`LMS_TIMEZONE`), UTC when unset or unknown."""
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE") if has_app_context() else None
    return zone(name) or ZoneInfo("UTC")


def person_zone(person, institution=None) -> ZoneInfo:
    """A person's zone: their own choice, else their institution's, else the platform's.

    `institution` stands in when there is no person yet (an account a bulk enrolment is about to make)."""
    own = zone(getattr(person, "timezone", None))
    if own is not None:
        return own
    institution = getattr(person, "institution", None) if person is not None else institution
    theirs = zone(getattr(institution, "timezone", None))
    if theirs is not None:
        return theirs
    return platform_zone()


# The zone of a reader who is not the visitor: a mail's recipient while it is composed (`reading_in`).
_READER_ZONE: ContextVar[ZoneInfo | None] = ContextVar("reader_zone", default=None)


@contextmanager
def reading_in(where: ZoneInfo):
    """Within the block, dates and times are formatted for a reader in `where` (a mail's recipient), not for
    the visitor of the page."""
    token = _READER_ZONE.set(where)
    try:
        yield
    finally:
        _READER_ZONE.reset(token)


def viewer_zone() -> ZoneInfo:
    """The zone of whoever is looking: the recipient of a mail being composed, the signed-in person's, else
    the platform's."""
    reader = _READER_ZONE.get()
    if reader is not None:
        return reader
    if not has_request_context():
        return platform_zone()
    if "viewer_zone" not in g:
        signed_in = current_user if current_user and current_user.is_authenticated else None
        g.viewer_zone = person_zone(signed_in)
    return g.viewer_zone


def select_timezone() -> str:
    """Flask-Babel's zone selector: the viewer's, so Babel's own helpers agree with these."""
    return viewer_zone().key


def _locale():
    return (get_locale() if has_app_context() else None) or "en"


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def local(moment: datetime, where: ZoneInfo | None = None) -> datetime:
    """A stored instant as wall-clock time in `where` (default: the viewer's zone)."""
    return _aware(moment).astimezone(where or viewer_zone())


def format_datetime(moment: datetime | None, width: str = "medium", where: ZoneInfo | None = None,
                    empty: str = "") -> str:
    """An instant as the viewer reads it: date, hours and minutes, and the zone's name.

    `width` is the date's width (short, medium, long); the time is always hours and minutes.
    """
    if moment is None:
        return empty
    locale = _locale()
    pattern = (babel_dates.get_datetime_format(width, locale=locale)
               .replace("{1}", str(babel_dates.get_date_format(width, locale=locale)))
               .replace("{0}", f"{babel_dates.get_time_format('short', locale=locale)} zzzz"))
    return babel_dates.format_datetime(_aware(moment), pattern, tzinfo=where or viewer_zone(), locale=locale)


def format_time(moment: datetime | None, where: ZoneInfo | None = None, empty: str = "") -> str:
    """The hours and minutes of an instant, with the zone's name."""
    if moment is None:
        return empty
    locale = _locale()
    pattern = f"{babel_dates.get_time_format('short', locale=locale)} zzzz"
    return babel_dates.format_time(_aware(moment), pattern, tzinfo=where or viewer_zone(), locale=locale)


def format_date(value: date | datetime | None, width: str = "medium", where: ZoneInfo | None = None,
                empty: str = "") -> str:
    """A calendar date: a plain date (a due date) as it is, an instant's date in the zone."""
    if value is None:
        return empty
    if isinstance(value, datetime):
        value = local(value, where)
    return babel_dates.format_date(value, width, locale=_locale())


def iso(value: date | datetime | None, where: ZoneInfo | None = None) -> str | None:
    """ISO 8601 for exports and the API: an instant with the zone's offset, a date as YYYY-MM-DD."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return local(value, where).replace(microsecond=0).isoformat()
    return value.isoformat()


_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_day(text: str) -> date:
    """A date as people and files type it, YYYY-MM-DD and only so (not the other forms ISO 8601 allows);
    raises ValueError. The bulk file's due column, the report filters and the API read dates with it."""
    text = (text or "").strip()
    if len(text) != 10 or not _DAY.fullmatch(text):
        raise ValueError(text)
    return date.fromisoformat(text)


def today(where: ZoneInfo | None = None) -> date:
    """Today's date in `where` (default: the viewer's zone), by the platform's clock."""
    return clock.now().astimezone(where or viewer_zone()).date()


def start_of_day(day: date, where: tzinfo) -> datetime:
    """The instant (UTC) a date begins in `where`."""
    try:
        return datetime.combine(day, time(0), tzinfo=where).astimezone(UTC)
    except OverflowError:  # the first day there is, east of UTC: its start is before year 1 in UTC
        return datetime.min.replace(tzinfo=UTC)


def end_of_day(day: date | None, where: tzinfo) -> datetime | None:
    """The instant (UTC) a date ends in `where`: midnight at its end. A due date ends then."""
    if day is None:
        return None
    if day >= date.max:  # the last day there is never ends
        return datetime.max.replace(tzinfo=UTC)
    return start_of_day(day + timedelta(days=1), where)


def day_range(first: date | None, last: date | None, where: tzinfo | None = None
              ) -> tuple[datetime | None, datetime | None]:
    """A period of whole days in `where` (default: the viewer's) as [start, end) instants in UTC."""
    where = where or viewer_zone()
    return (start_of_day(first, where) if first else None, end_of_day(last, where) if last else None)


_OFFSET = re.compile(r"(?:UTC)?([+-])([0-9]{2}):?([0-9]{2})")


def parse_zone(text: str | None) -> tzinfo:
    """A zone as a parameter names it: an IANA name ("Europe/Kyiv"), "UTC" or "Z", or a UTC offset
    ("+03:00", "-0530", "UTC+02:00"); raises ValueError for anything else."""
    text = (text or "").strip()
    if len(text) > 64:
        raise ValueError(text[:64])
    if text.upper() in ("Z", "UTC"):
        return UTC
    match = _OFFSET.fullmatch(text)
    if match:
        sign, hours, minutes = match.groups()
        if int(hours) > 14 or int(minutes) > 59:
            raise ValueError(text)
        offset = timedelta(hours=int(hours), minutes=int(minutes))
        return timezone(-offset if sign == "-" else offset)
    found = zone(text) if "/" in text else None
    if found is None:
        raise ValueError(text)
    return found


def zone_name(where: tzinfo) -> str:
    """A zone's name as a parameter would give it: its IANA name, or its UTC offset ("+03:00")."""
    key = getattr(where, "key", None)
    if key:
        return key
    offset = zone_offset(where, datetime.now(UTC))  # a fixed zone: the same offset at any time
    return "UTC" if offset == "+00:00" else offset


def zone_offset(where: tzinfo, at: datetime | None = None) -> str:
    """A zone's UTC offset at `at` (default: now), as "+02:00"."""
    offset = (at or clock.now()).astimezone(where).strftime("%z")  # machine text, reshaped below
    return f"{offset[:3]}:{offset[3:]}"


def zone_label(where: ZoneInfo, at: datetime | None = None, separator: str = " (") -> str:
    """A zone's name for a person: "Europe/Kyiv (UTC+02:00)", with its offset at `at` (default: now);
    with `separator=", "`: "Europe/Kyiv, UTC+02:00"."""
    if where.key == "UTC":
        return "UTC"
    label = f"{where.key}{separator}UTC{zone_offset(where, at)}"
    return label + ")" if separator == " (" else label


def format_month(day: date) -> str:
    """A month and its year as the viewer's language writes them ("March 2027", "березень 2027 р.")."""
    return babel_dates.format_skeleton("yMMMM", day, locale=_locale())


def weekday_name(weekday: int, width: str = "wide") -> str:
    """The name of a weekday (Monday 0) in the viewer's language; `width` "wide" or "abbreviated"."""
    return babel_dates.get_day_names(width, context="stand-alone", locale=_locale())[weekday]


def first_weekday() -> int:
    """The weekday (Monday 0) a week starts on in the viewer's language's territory."""
    return babel_dates.Locale.parse(str(_locale())).first_week_day
