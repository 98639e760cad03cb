"""In headless Chromium: an instructor opens a run's gradebook from the course page, sets a result by hand with a
reason (without JavaScript), changes the grading settings and downloads the XLSX; the trainee reads their own
grades. Every page passes axe's WCAG 2.1 AA checks."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.axe import violations
from tests.gradebook.helpers import a_course, a_run, attempt, record, submission, trainees
from tests.helpers import PASSWORD, make_staff

pytestmark = pytest.mark.browser  # pages and scripts: on SQLite (docs/development.md, markers)


def sign_in(page, live_server, email: str) -> None:
    page.goto(f"{live_server}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")


def test_the_gradebook_its_override_and_export(chromium, live_server, world, db):
    course, (quiz, assignment, practical) = a_course(modules=1)
    run = a_run(course, world["admin"])
    first, second = trainees(course, run, world, 2)
    attempt(first, quiz, 80)
    submission(first, assignment, "marked", percent=60)
    record(first, practical, 100)
    submission(second, assignment, "submitted")
    make_staff(course, world["instructor"])

    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, world["instructor"].email)
    page.goto(f"{live_server}/courses/graded")
    page.click("main a:has-text('Gradebook')")
    page.select_option("#run", str(run.id))
    page.click("main form button:has-text('Show')")
    table = page.locator("main table.gradebook")
    assert "Trainee t000" in table.inner_text() and "80.0%" in table.inner_text()
    page.click(f"main a[href$='/gradebook/{second.id}/quiz-{quiz.id}']")
    page.fill("#percent", "65")
    page.fill("#reason", "Oral test instead, 2026-12-01")
    page.click("main button:has-text('Set the result')")
    assert "The result is set by hand." in page.inner_text("main")
    assert "set by hand" in page.inner_text("main table.gradebook")
    with page.expect_download() as download:
        page.click("main a:has-text('XLSX')")
    assert download.value.suggested_filename.endswith("-2-rows.xlsx")
    sheet = load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active
    rows = list(sheet.values)
    assert rows[2][0] == "Trainee t001" and 65.0 in rows[2]
    context.close()

    context = chromium.new_context(bypass_csp=True)
    page = context.new_page()
    sign_in(page, live_server, world["instructor"].email)
    page.goto(f"{live_server}/courses/graded/gradebook?run={run.id}")
    assert violations(page) == []
    page.click(f"main a[href$='/gradebook/{first.id}/total-0']")
    assert violations(page) == []
    page.goto(f"{live_server}/courses/graded/gradebook/settings")
    assert violations(page) == []
    page.select_option("#rule", "item_weights")
    page.fill(f"#w-quiz-{quiz.id}", "2")
    page.click("main button:has-text('Save the grading settings')")
    assert "The grading settings are saved." in page.inner_text("main")
    context.close()

    context = chromium.new_context(bypass_csp=True)
    page = context.new_page()
    sign_in(page, live_server, "t1@example.org")
    page.goto(f"{live_server}/courses/graded")
    page.click("main a:has-text('My grades')")
    text = page.inner_text("main")
    assert "65.0%" in text and "Oral test instead" in text and "awaiting marking" in text
    assert violations(page) == []
    context.close()
