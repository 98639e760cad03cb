"""Data for the calendar tests: the clock stopped on 1 March 2027, trainees in Lisbon and Tbilisi with a due
date on 10 March, a course run in March, and helpers to get and read a feed."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from icalendar import Calendar

from lms.auth.services import set_timezone
from lms.core import clock
from lms.extensions import db as _db
from lms.learning import services as learning
from lms.runs import services as runs
from lms.runs.services import RunFields
from tests.helpers import Auth, make_course, make_user

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
DUE = date(2027, 3, 10)
FEED_URL = re.compile(r'id="feed-url"[^>]*value="([^"]+)"')


@pytest.fixture()
def stopped_clock():
    clock.freeze(NOW)
    yield NOW
    clock.freeze(None)


@pytest.fixture()
def calendar_world(db, world, stopped_clock):
    """The trainee (Lisbon) and the other trainee (Tbilisi), each due on 10 March in the "Border checks" course;
    the trainee is also in its run "March intake" (15-26 March) of the course "Risk analysis"."""
    trainee, other = world["trainee"], world["other_trainee"]
    set_timezone(trainee, "Europe/Lisbon", world["admin"])
    set_timezone(other, "Asia/Tbilisi", world["admin"])
    _db.session.commit()
    checks = make_course("border-checks", "Border checks")
    risk = make_course("risk-analysis", "Risk analysis")
    for person in (trainee, other):
        learning.enrol(person, checks, actor=world["admin"], source="admin", due_on=DUE)
    run = runs.create_run(risk, RunFields(code="2027-03", title="March intake", starts_on=date(2027, 3, 15),
                                          ends_on=date(2027, 3, 26), capacity=10), world["admin"])
    enrolment, _created = runs.enrol_in_run(trainee, run, actor=world["admin"], source="admin")
    return {"trainee": trainee, "other": other, "checks": checks, "risk": risk, "run": run,
            "run_enrolment": enrolment, "admin": world["admin"]}


def make_feed(app, email: str) -> str:
    """Sign in as `email` in a browser of its own, make the calendar address on the calendar page, and return
    the address the page shows (once)."""
    client = app.test_client()
    auth = Auth(client)
    auth.login(email)
    page = auth.post("/calendar/address", {}, form_page="/calendar/")
    assert page.status_code == 200
    found = FEED_URL.search(page.get_data(as_text=True))
    assert found, "the page shows no calendar address"
    return found.group(1)


def fetch(app, url: str, **kwargs):
    """Fetch a feed as a calendar app does: without signing in."""
    return app.test_client().get(url.replace("http://localhost", ""), **kwargs)


def parse(body: bytes) -> Calendar:
    """The iCalendar file, parsed by the `icalendar` library (raises on a file that breaks RFC 5545's syntax)."""
    return Calendar.from_ical(body)


def vevents(cal: Calendar) -> dict[str, object]:
    """The VEVENTs of a calendar by their summary."""
    return {str(e["SUMMARY"]): e for e in cal.walk("VEVENT")}
