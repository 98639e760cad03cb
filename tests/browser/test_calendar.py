"""In headless Chromium, without JavaScript: an officer in Tbilisi opens My calendar from the menu, finds the
due date on its day, moves a month on and back by links, makes the calendar address and reads it as a
calendar app would; the page passes axe's WCAG 2.1 AA checks."""
from __future__ import annotations

from datetime import date

import pytest
from icalendar import Calendar

from lms.auth.services import set_timezone
from lms.extensions import db as database
from lms.learning import services as learning
from tests.axe import violations
from tests.helpers import PASSWORD, make_course

pytestmark = pytest.mark.browser  # pages and scripts: on SQLite (docs/development.md, markers)


def sign_in(page, live_server, email: str) -> None:
    page.goto(f"{live_server}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")


def test_the_officers_calendar_and_feed_show_the_due_date_in_their_zone(chromium, live_server, world, db):
    trainee = world["trainee"]
    set_timezone(trainee, "Asia/Tbilisi", actor=trainee)
    database.session.commit()
    today = date.today()
    due = date(today.year + (today.month == 12), today.month % 12 + 1, 10)  # the 10th of next month
    learning.enrol(trainee, make_course("border-checks", "Border checks"), actor=world["admin"], source="admin",
                   due_on=due)

    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, trainee.email)
    page.click("nav >> text=My calendar")
    assert "Asia/Tbilisi" in page.inner_text("main")
    page.click("a[rel=next]")
    cell = page.locator("table.calendar td:not(.other-month)", has=page.locator(".day-number", has_text="10")).first
    assert "Due: Border checks" in cell.inner_text()
    page.click("a[rel=prev]")
    assert "today" in page.inner_text("td[aria-current=date]")
    page.click("text=Make my calendar address")
    address = page.input_value("#feed-url")
    assert "/calendar/feed/" in address
    response = context.request.get(address)  # a calendar app: no sign-in needed
    assert response.status == 200 and response.headers["content-type"] == "text/calendar; charset=utf-8"
    events = {str(e["SUMMARY"]): e for e in Calendar.from_ical(response.body()).walk("VEVENT")}
    assert events["Due: Border checks"]["DTSTART"].dt == due
    context.close()

    context = chromium.new_context(bypass_csp=True)
    page = context.new_page()
    sign_in(page, live_server, trainee.email)
    page.goto(f"{live_server}/calendar/")
    assert violations(page) == []
    page.click("a[rel=next]")
    assert violations(page) == []
    context.close()
