"""An admin in Chromium starts an export too big for a request: the job's page shows its progress, updates itself
(its script asks the status) when the job is done, and offers the file, which holds every row; the pages pass
axe."""
from __future__ import annotations

import csv

import pytest

from tests.axe import violations
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser  # pages and scripts: on SQLite (docs/development.md, markers)


def test_an_admin_starts_a_large_export_sees_its_progress_and_downloads_it(app, chromium, live_server, world, course,
                                                                         run_jobs, monkeypatch, tmp_path):
    from lms.learning.services import enrol

    for person in (world["trainee"], world["other_trainee"]):
        enrol(person, course)
    monkeypatch.setitem(app.config, "EXPORT_JOB_ROWS", 1)  # two rows: "large" here
    context = chromium.new_context(accept_downloads=True, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("#email", "admin@example.org")
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")

    page.goto(f"{live_server}/reports/")
    page.click("main .report-links a[href^='/reports/enrolments/export.csv?'], "
               "main .report-links a[href='/reports/enrolments/export.csv']")
    page.wait_for_url("**/reports/exports/*")
    assert page.inner_text("h1") == "Export: All trainees' enrolments"
    assert "0 of 2 rows" in page.inner_text("#export-progress-text")
    assert page.locator("progress#export-progress").get_attribute("max") == "2"
    assert violations(page) == []

    run_jobs()  # the worker writes the file; the page's script sees it done and shows the download
    page.wait_for_selector("text=The export is complete: 2 rows.", timeout=15_000)
    assert violations(page) == []
    with page.expect_download() as download:
        page.click("main a[href$='/download']")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name.startswith("enrolments-") and path.name.endswith("-2-rows.csv")
    with path.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    assert sorted(r["trainee_email"] for r in rows) == ["trainee@example.ge", "trainee@example.org"]

    page.click("main .crumbs >> text=My exports")
    assert page.inner_text("h1") == "My exports"
    assert "Ready: download" in page.inner_text("main table")
    assert violations(page) == []
    context.close()
