"""A coordinator in Chromium: opens Expiring certificates from the navigation, sorts it, downloads the
XLSX and finds in it the rows the page listed; the page passes axe, on a laptop and on a phone."""
from __future__ import annotations

import openpyxl
import pytest

from tests.axe import violations
from tests.helpers import PASSWORD
from tests.reports.test_certification import EXPIRING_HEADER, certified  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser  # pages and scripts: on SQLite (docs/development.md, markers)


def test_a_coordinator_downloads_the_expiring_certificates(chromium, live_server, certified, tmp_path):  # noqa: F811
    context = chromium.new_context(accept_downloads=True, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("#email", "coord@example.org")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")

    with page.expect_navigation():  # the table read once the page has loaded
        page.click("header nav >> text=Expiring certificates")
    assert page.inner_text("h1") == "Expiring certificates"
    names = page.locator("main table tbody th[scope=row]").all_inner_texts()
    assert [n.split()[0] for n in names] == ["Ivan", "Petro"]  # by expiry: 20 days, then 80
    assert violations(page) == []

    page.check("#expired")
    with page.expect_navigation():  # the table read once the page has loaded
        page.click("main form.filters button[type=submit]")
    names = page.locator("main table tbody th[scope=row]").all_inner_texts()
    assert [n.split()[0] for n in names] == ["Olha", "Ivan", "Petro"]
    with page.expect_navigation():  # the table read once the page has loaded
        page.click("main table thead >> text=Trainee")  # sort by name
    names = page.locator("main table tbody th[scope=row]").all_inner_texts()
    assert [n.split()[0] for n in names] == ["Ivan", "Olha", "Petro"]

    with page.expect_download() as download:
        page.click("main .report-links >> text=XLSX")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name.startswith("expiring-certificates-") and path.suffix == ".xlsx"
    rows = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    assert list(rows[0]) == EXPIRING_HEADER
    table = [dict(zip(EXPIRING_HEADER, r)) for r in rows[1:]]
    assert [(r["trainee_name"], r["institution_code"], r["days_left"]) for r in table] == [
        ("Ivan Officer", "UA-ACAD", 20), ("Olha Officer", "UA-ACAD", -10), ("Petro Officer", "UA-ACAD", 80)]

    # On a 390 px phone the page does not scroll sideways (its table scrolls in its own box) and passes axe.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert violations(page) == []
    context.close()
