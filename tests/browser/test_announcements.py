"""In headless Chromium: an instructor posts an announcement to one run from the course's runs; a trainee of that
run signs in and reads it on the course page and in their notifications (opening the one that leads to it); a
trainee of the other run sees it in neither. Every page passes axe's WCAG 2.1 AA checks; the staff pages work without JavaScript."""
from __future__ import annotations

import pytest

from tests.announcements.helpers import two_runs
from tests.axe import violations
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser  # pages and scripts: on SQLite (docs/development.md, markers)


def sign_in(page, live_server, email: str) -> None:
    page.goto(f"{live_server}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")


def test_an_instructor_posts_to_a_run_and_its_trainee_reads_it(chromium, live_server, world, course, db, run_jobs):
    run_a, [trainee], _run_b, [other] = two_runs(course, world, per_run=1)

    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, world["instructor"].email)
    page.goto(f"{live_server}/author/sample")
    page.click("main >> text=Runs")
    page.click(f"main a:has-text('Announcements'):has-text('{run_a.code}')")
    assert page.locator("#audience").input_value() == str(run_a.id)
    page.fill("#title", "Range closed on Friday")
    page.fill("#body", "Meet in **room 4** instead.")
    page.click("main form button[type=submit]:has-text('Post the announcement')")
    assert "The announcement is posted." in page.inner_text("main")
    assert "Range closed on Friday" in page.inner_text("main table")
    context.close()
    run_jobs()  # the worker sends it: an e-mail and a notification to each of the run's trainees

    context = chromium.new_context(bypass_csp=True)
    page = context.new_page()
    sign_in(page, live_server, world["instructor"].email)
    page.goto(f"{live_server}/author/sample/runs/{run_a.id}/announcements")
    assert violations(page) == []
    page.goto(f"{live_server}/author/sample/announcements")
    page.click("main a:has-text('Correct')")
    assert violations(page) == []
    context.close()

    context = chromium.new_context(bypass_csp=True)
    page = context.new_page()
    sign_in(page, live_server, trainee.email)
    page.goto(f"{live_server}/courses/sample")
    section = page.locator("section.announcements")
    assert "Range closed on Friday" in section.inner_text()
    assert section.locator("strong", has_text="room 4").count() == 1
    assert violations(page) == []
    section.locator("a", has_text="All 1 announcement").click()
    assert "Range closed on Friday" in page.inner_text("main")
    assert violations(page) == []
    page.goto(f"{live_server}/notifications")
    notification = page.locator("li.notification", has_text="Range closed on Friday")
    assert notification.count() == 1
    assert violations(page) == []
    notification.locator("button", has_text="Open").click()
    assert "/courses/sample/announcements" in page.url
    assert "Range closed on Friday" in page.inner_text("main")
    context.close()

    context = chromium.new_context()
    page = context.new_page()
    sign_in(page, live_server, other.email)
    page.goto(f"{live_server}/courses/sample")
    assert "Range closed on Friday" not in page.inner_text("main")
    page.goto(f"{live_server}/notifications")
    assert "Range closed on Friday" not in page.inner_text("main")
    context.close()
