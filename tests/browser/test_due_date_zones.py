"""In headless Chromium: a coordinator in Kyiv types a due date; a trainee in Tbilisi (and the coordinator)
see that very date, not the day before or after."""
from __future__ import annotations

import pytest

from lms.auth.services import set_timezone
from lms.extensions import db as database
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser  # pages and scripts: on SQLite (docs/development.md, markers)


def sign_in(page, live_server, email: str) -> None:
    page.goto(f"{live_server}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    assert "Welcome" in page.inner_text("main")


def test_a_trainee_in_tbilisi_sees_the_due_date_the_coordinator_typed(chromium, live_server, world, course, db):
    trainee = world["trainee"]  # of the Ukrainian institution, reading in Tbilisi's zone (their profile)
    set_timezone(trainee, "Asia/Tbilisi", actor=trainee)
    database.session.commit()
    context = chromium.new_context()
    page = context.new_page()
    sign_in(page, live_server, world["coordinator"].email)
    page.goto(f"{live_server}/people/{trainee.id}/enrol")
    page.select_option("#course", course.slug)
    page.fill("#due", "2027-03-28")
    page.click("main button[type=submit]")
    assert "is enrolled in" in page.inner_text("main")
    context.close()

    context = chromium.new_context()
    page = context.new_page()
    sign_in(page, live_server, trainee.email)
    page.goto(f"{live_server}/my")
    assert "Due by March 28, 2027" in page.inner_text("main")
    page.goto(f"{live_server}/courses/{course.slug}")
    assert "Due by March 28, 2027" in page.inner_text("main")
    context.close()
