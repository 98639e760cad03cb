"""The calendar's pages: my month and agenda, the feed address, the feed itself and .ics downloads.

The feed is fetched by calendar apps without signing in: its secret address is the key (lms.access.calendar.
feed_or_404). It is cheap: the events come in a fixed number of statements, an unchanged feed answers 304 to
an app that sends its ETag before anything is written out, and each address has a limit of fetches.
"""
from __future__ import annotations

import hashlib
import re
from datetime import date
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from limits import parse
from werkzeug.exceptions import TooManyRequests

from lms.access import can_use_calendar, feed_or_404, own_event_or_404, requires
from lms.calendar import queries, services
from lms.calendar.forms import RenewFeedForm, StopFeedForm
from lms.calendar.ics import calendar_file
from lms.core import clock, when
from lms.core.counters import counters
from lms.core.security import hash_token
from lms.core.urls import external_url

bp = Blueprint("calendar", __name__, template_folder="templates", url_prefix="/calendar")

ICS = "text/calendar; charset=utf-8"
# The months the page shows: the links before and after them stay inside the calendar's dates.
FIRST_YEAR, LAST_YEAR = 1900, 2999
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


def kind_labels() -> dict[str, str]:
    """What each kind of event is called on the page."""
    return {"due": _("Due date"), "run": _("Course run")}


def _month(text: str | None) -> date | None:
    """The first day of a month given as YYYY-MM, between FIRST_YEAR and LAST_YEAR; None if it is not one
    (bounded: at most 8 characters are read)."""
    match = _MONTH.fullmatch((text or "")[:8])
    if not match or not 1 <= int(match.group(2)) <= 12 or not FIRST_YEAR <= int(match.group(1)) <= LAST_YEAR:
        return None
    return date(int(match.group(1)), int(match.group(2)), 1)


def _page(feed_url: str | None = None):
    where = when.viewer_zone()
    today = when.today(where)
    asked = request.args.get("month")
    chosen = _month(asked) if asked is not None else None
    if asked is not None and chosen is None:
        flash(_("The month must be written as YYYY-MM, e.g. 2027-03; here is this month."), "error")
    first = chosen or today.replace(day=1)
    month = queries.month_of(current_user, first, today, where, when.first_weekday())
    return render_template("calendar/month.html", month=month, feed=queries.feed_of(current_user), feed_url=feed_url,
                           kinds=kind_labels(), renew_form=RenewFeedForm(), stop_form=StopFeedForm(),
                           month_param=_month_param)


def _month_param(day: date) -> str:
    """The `month` parameter of a link to the month of `day`."""
    return f"{day.year:04d}-{day.month:02d}"


@bp.route("/")
@requires(can_use_calendar)
def month():
    """My calendar: the month as a table, its agenda, downloads, and the feed address."""
    return _page()


@bp.route("/address", methods=["POST"])
@requires(can_use_calendar)
def renew():
    """Make the feed address, or a new one (the old stops at once); the page shows it this once."""
    if not RenewFeedForm().validate_on_submit():
        flash(_("The form had expired. Please try again."), "error")
        return redirect(url_for("calendar.month"))
    _feed, token = services.renew_feed(current_user, current_user)
    flash(_("Your calendar address is ready. Copy it now: it is shown only this once."), "success")
    return _page(feed_url=external_url("calendar.feed", token=token))


@bp.route("/address/stop", methods=["POST"])
@requires(can_use_calendar)
def stop():
    """Remove the feed address: subscribed calendars stop updating."""
    if StopFeedForm().validate_on_submit() and services.stop_feed(current_user, current_user):
        flash(_("Your calendar address is removed: calendar apps can no longer read it."), "success")
    return redirect(url_for("calendar.month"))


def _uid_domain() -> str:
    """The host that completes the events' UIDs: LMS_PUBLIC_URL's, else the request's."""
    return urlsplit(current_app.config.get("PUBLIC_URL") or "").hostname or request.host.split(":")[0]


def _throttle(token: str) -> None:
    """429 past the address's limit of fetches (counted for any token, known or not, before a query)."""
    limit = parse(current_app.config["CALENDAR_FEED_LIMIT"])
    amount, window = limit.amount, limit.get_expiry()
    key = "calendar:feed:" + hash_token(token[:queries.MAX_TOKEN_LENGTH])[:32]
    if counters().incr(key, window) > amount:
        raise TooManyRequests(_("This calendar address was fetched too often. Try again later."),
                              retry_after=max(1, int(counters().ttl(key))))


@bp.route("/feed/<token>.ics")
def feed(token: str):
    """The person's feed (public by its secret address): their events from 90 days back to a year ahead, in
    their language and zone."""
    _throttle(token)
    feed_row, owner = feed_or_404(token)
    where = when.person_zone(owner)
    first, last = queries.feed_window(when.today(where))
    with force_locale(owner.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        events = queries.events_for(owner, first, last, where)
        services.note_use(feed_row)
        tag = hashlib.sha256(repr((where.key, str(owner.locale), events)).encode()).hexdigest()[:32]
        if tag in request.if_none_match:
            response = make_response("", 304)
        else:
            response = make_response(calendar_file(events, domain=_uid_domain(), stamp=clock.now(),
                                                   name=_("Training calendar"), zone=where.key))
            response.headers["Content-Type"] = ICS
    response.set_etag(tag)
    # Personal data: no shared cache keeps it; the app asks again each time, with the ETag.
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.route("/event/<event_kind>/<int:event_id>.ics")
@requires(can_use_calendar)
def event_file(event_kind: str, event_id: int):
    """One event of my calendar as an .ics file to open in a calendar app (the same UID as in the feed)."""
    event = own_event_or_404(current_user, event_kind, event_id)
    response = make_response(calendar_file([event], domain=_uid_domain(), stamp=clock.now()))
    response.headers["Content-Type"] = ICS
    response.headers["Content-Disposition"] = f'attachment; filename="{event.uid}.ics"'
    return response
