"""The journey of the training records in headless Chromium, with JavaScript and without (issue 17).

A coordinator of the Ukrainian academy (their zone: Kyiv) signs in on the sign-in page and goes on only by
links and buttons: from People opens an officer who reads in Tbilisi's zone and enrols them with a due date
typed as a date; withdraws another officer's enrolment with a reason and sees it leave the completion
report, then come back, marked withdrawn, with "Show withdrawn"; opens Expiring certificates and downloads
the XLSX. The officer in Tbilisi then sees the very date typed (not the day before or after) on My learning
and on the course page, and downloads their training record as a PDF. Each step checks what the person
sees and what the server stored; with JavaScript on, axe checks the pages (axe is a script).
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import openpyxl
import pytest

from lms.auth.services import set_timezone
from lms.core import clock
from lms.learning import services as learning
from lms.learning.models import Enrolment
from tests.browser.test_journeys_staff import JOURNEY, Visit, fresh
from tests.helpers import make_user
from tests.learning.test_certificate_pdf import pdf_text

pytestmark = pytest.mark.browser  # pages and scripts: on SQLite (docs/development.md, markers)

REASON = "Posted to the Sarpi crossing for six months"
DUE = "2027-03-28"  # the last Sunday of March: Kyiv moves its clocks that night, Tbilisi does not
DUE_READ = "March 28, 2027"  # as the English interface writes the date ("long")
DUE_SHORT = "Mar 28, 2027"  # the record's tables and PDF ("medium")
TBILISI_MIDNIGHT = datetime(2027, 3, 28, 20, 0, tzinfo=UTC)  # the end of 28 March at UTC+4


@pytest.fixture()
def people(db, world, course):
    """The scenario's history, written through the services: an officer of the coordinator's academy who
    reads in Tbilisi's zone (their own choice), one with an active enrolment (to be withdrawn), one whose
    certificate runs out within the academy's notice period (60 days)."""
    ua, coordinator = world["ua"], world["coordinator"]
    tbilisi = make_user("levan.beridze@example.org", "Levan Beridze", "trainee", ua)
    set_timezone(tbilisi, "Asia/Tbilisi", actor=tbilisi)
    leaving = world["trainee"]
    active, _created = learning.enrol(leaving, course, actor=coordinator, source="coordinator")
    expiring = make_user("ivan.melnyk@example.org", "Ivan Melnyk", "trainee", ua)
    course.certificate_validity_months = 12
    taken, _created = learning.enrol(expiring, course)
    # Completed 345 days ago: the twelve months' certificate runs out in about 20 days.
    certificate = learning.complete_enrolment(taken, course, when=clock.now() - timedelta(days=345))
    db.session.commit()
    assert clock.now() < certificate.expires_at < clock.now() + timedelta(days=30)
    return {"coordinator": coordinator, "tbilisi": tbilisi, "leaving": leaving, "active": active,
            "expiring": expiring, "certificate": certificate}


def enrolled_in_sample(visit) -> int:
    """The "Enrolled" figure of the completion report's row for the sample course, as the page shows it."""
    row = visit.page.locator("table.report tbody tr", has_text="Sample course")
    return int(row.locator("td").nth(1).inner_text())


@JOURNEY
def test_records_journey(chromium, live_server, db, course, people, javascript, tmp_path):
    tbilisi, leaving, active = people["tbilisi"], people["leaving"], people["active"]

    visit = Visit(chromium, live_server, javascript)
    page = visit.page
    try:
        visit.sign_in(people["coordinator"])

        # The officer in Tbilisi, from the people list: enrolled with a due date typed as a date.
        visit.header("People")
        visit.link(tbilisi.name)
        assert page.url == f"{live_server}/people/{tbilisi.id}" and "No enrolments." in visit.main()
        page.select_option("#enrol-course", label="Sample course")
        page.fill("#enrol-due", DUE)
        visit.axe("the officer's page with its enrol form")
        page.click("form[aria-labelledby=enrol-heading] button:has-text('Enrol')")
        assert page.url == f"{live_server}/people/{tbilisi.id}"
        main = visit.main()
        assert f"{tbilisi.name} is enrolled in Sample course." in main
        assert DUE_SHORT in page.locator("#record-courses-heading ~ div table.record").inner_text()
        [enrolment] = fresh(db, Enrolment, Enrolment.user_id == tbilisi.id)
        assert (enrolment.course_id, enrolment.status, enrolment.source) == (course.id, "active", "coordinator")
        assert enrolment.due_on == date.fromisoformat(DUE)
        assert enrolment.due_at == TBILISI_MIDNIGHT  # the officer's midnight, not the coordinator's (21:00Z)

        # The report before the withdrawal: the three officers of the academy in the course.
        visit.header("Reports")
        before = enrolled_in_sample(visit)
        assert before == 3

        # Another officer's enrolment, withdrawn with a reason from their page.
        visit.header("People")
        visit.link(leaving.name)
        row = page.locator(f"#enrolment-{active.id}")
        row.locator("summary").click()
        row.get_by_label("Reason for withdrawal").fill(REASON)
        visit.axe("the withdraw form")
        row.get_by_role("button", name="Withdraw the enrolment").click()
        assert page.url.startswith(f"{live_server}/people/{leaving.id}")
        status = page.locator(f"#enrolment-{active.id} td").nth(1).inner_text()
        assert "Withdrawn" in status and REASON in status
        [stored] = fresh(db, Enrolment, Enrolment.id == active.id)
        assert (stored.status, stored.withdrawal_reason) == ("withdrawn", REASON) and stored.withdrawn_at

        # The report without it; with "Show withdrawn", listed and marked in the course's list.
        visit.header("Reports")
        assert enrolled_in_sample(visit) == before - 1
        visit.link("Sample course", "table.report")
        assert leaving.name not in visit.main()
        visit.link("Completion report", "main .crumbs")
        page.check("#withdrawn")
        with page.expect_navigation():  # the report's page, loaded whole, before it is read
            page.click("form.filters button:has-text('Apply')")
        assert "withdrawn=show" in page.url
        assert enrolled_in_sample(visit) == before - 1  # counted apart, in the certification table
        counts = page.locator("table.report-counts tbody tr", has_text="Sample course").locator("td")
        assert counts.last.inner_text() == "1"
        visit.axe("completion report showing withdrawn enrolments")
        visit.link("Sample course", "table.report")
        assert "withdrawn=show" in page.url
        listed = page.locator("table.report tbody tr", has_text=leaving.name).locator("td").nth(1).inner_text()
        assert listed.startswith("Withdrawn")
        visit.axe("drill-down with the withdrawn enrolment")

        # Expiring certificates, from the navigation, downloaded as XLSX.
        visit.header("Expiring certificates")
        assert page.inner_text("h1") == "Expiring certificates"
        names = page.locator("main table tbody th[scope=row]").all_inner_texts()
        assert [" ".join(n.split()) for n in names] == [f"{people['expiring'].name} {people['expiring'].email}"]
        visit.axe("expiring certificates")
        filename, data = visit.download("XLSX")
        assert filename.startswith("expiring-certificates-") and filename.endswith(".xlsx")
        path = tmp_path / filename
        path.write_bytes(data)
        rows = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
        table = [dict(zip(rows[0], r)) for r in rows[1:]]
        assert [(r["trainee_name"], r["trainee_email"], r["course_slug"], r["certificate_code"], r["certification"])
                for r in table] == [(people["expiring"].name, people["expiring"].email, "sample",
                                     people["certificate"].code, "expiring")]
        assert 0 < table[0]["days_left"] <= 30
        assert visit.problems == []
    finally:
        visit.close()

    # The officer in Tbilisi: the date typed, and their record as a PDF.
    visit = Visit(chromium, live_server, javascript)
    page = visit.page
    try:
        visit.sign_in(tbilisi)
        visit.header("My learning")
        card = page.locator("main li.card", has_text="Sample course").inner_text()
        assert f"Due by {DUE_READ}" in card
        visit.axe("My learning")
        visit.link("Sample course", "main li.card h3")
        assert page.url == f"{live_server}/courses/sample"
        assert f"Due by {DUE_READ}" in visit.main()
        visit.axe("the course page")
        visit.header("My learning")
        visit.link("My training record")
        assert DUE_SHORT in page.locator("table.record").inner_text()
        visit.axe("My training record")
        filename, data = visit.download("PDF", "main .actions")
        assert filename.endswith(".pdf") and data.startswith(b"%PDF")
        text = pdf_text(data, tmp_path)
        assert tbilisi.name in text and "Sample course" in text and f"Due: {DUE_SHORT}" in text
        assert visit.problems == []
    finally:
        visit.close()
