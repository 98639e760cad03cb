"""The attendance register in headless Chromium at 390 px wide (a phone in a classroom), JavaScript off: a
trainer marks one trainee late by touching the label, then everyone else present with the one button; what the
person sees (no sideways scrolling, big touch targets, the marks kept, no axe violation) and what the server
stored."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.attendance.models import AttendanceMark
from lms.core import clock
from lms.sessions import services
from tests.axe import violations
from tests.helpers import PASSWORD
from tests.sessions.helpers import a_run, a_session, trainees_in

pytestmark = pytest.mark.browser  # pages and scripts: on SQLite (docs/development.md, markers)


def test_a_trainer_marks_the_register_on_a_phone_without_javascript(chromium, live_server, world, course, db):
    run = a_run(course, world["admin"])
    people = trainees_in(run, world, 3)
    services.add_trainer(run, world["instructor"], world["admin"])
    session = a_session(course, run, world["admin"], start=clock.now() - timedelta(minutes=20), title="Vehicle search")
    context = chromium.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844},
                                   bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/login")
        page.fill("#email", world["instructor"].email)
        page.fill("#password", PASSWORD)
        page.click("main button[type=submit]")
        page.goto(f"{live_server}/sessions/{session.id}/register")
        assert page.inner_text("h1") == "Register: Vehicle search"
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
        late = page.locator(f"label[for=mark-{people[1].id}-late]")
        box = late.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 100  # a thumb's target
        late.click()
        page.click("button[value=save]")
        assert "1 mark changed" in page.inner_text("main")
        assert page.is_checked(f"#mark-{people[1].id}-late")
        page.click("button[value=everyone]")
        assert "2 marks changed" in page.inner_text("main")
        for person in (people[0], people[2]):
            assert page.is_checked(f"#mark-{person.id}-present")
    finally:
        context.close()
    db.session.expire_all()
    stored = dict(db.session.execute(select(AttendanceMark.user_id, AttendanceMark.status)).all())
    assert stored == {people[0].id: "present", people[1].id: "late", people[2].id: "present"}


def test_the_register_and_the_trainees_sessions_have_no_accessibility_violations(chromium, live_server, world,
                                                                                 course, db):
    run = a_run(course, world["admin"])
    [trainee] = trainees_in(run, world, 1)
    held = a_session(course, run, world["admin"], start=clock.now() - timedelta(minutes=20), title="Held")
    a_session(course, run, world["admin"], title="Coming", online_url="https://example.org/room")
    context = chromium.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    page = context.new_page()
    try:
        for email, path in ((world["admin"].email, f"/sessions/{held.id}/register"),
                            (world["admin"].email, f"/author/sample/runs/{run.id}/sessions"),
                            (trainee.email, "/courses/sample"), (trainee.email, "/my")):
            page.goto(f"{live_server}/login")
            if page.locator("#email").count():
                page.fill("#email", email)
                page.fill("#password", PASSWORD)
                page.click("main button[type=submit]")
            page.goto(f"{live_server}{path}")
            assert violations(page) == [], path
            if email == world["admin"].email and path.endswith("/sessions"):
                context.clear_cookies()
    finally:
        context.close()
