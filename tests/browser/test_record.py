"""The training record in headless Chromium, with JavaScript and without: a coordinator opens an officer
from the people list, enrols them in a course with a due date, withdraws another enrolment with a reason
and restores it; the officer downloads their record as a PDF under My learning. The pages pass axe."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.catalog.queries import course_by_slug
from lms.learning import services as learning
from lms.learning.models import Enrolment
from tests.axe import violations
from tests.helpers import PASSWORD
from tests.learning.test_certificate_pdf import pdf_text

pytestmark = pytest.mark.browser  # pages and scripts: on SQLite (docs/development.md, markers)

REASON = "Posted to the Chop crossing for six months"


@pytest.fixture()
def second_course(db, tmp_path):
    """A second published course, "beta", besides the sample."""
    from lms.packages.importer import import_course
    from lms.packages.reader import read_package
    from tests.packages.sample import write_sample

    spec, _ = read_package(write_sample(tmp_path / "beta-package", "beta"))
    import_course(spec, publish=True)
    return course_by_slug("beta")


def new_page(chromium, javascript: bool):
    context = chromium.new_context(java_script_enabled=javascript, bypass_csp=True, accept_downloads=True)
    page = context.new_page()
    page.problems = []
    page.on("response", lambda r: page.problems.append(f"{r.status} {r.request.method} {r.url}")
            if r.status >= 400 else None)
    return context, page


def sign_in(page, live_server, email: str) -> None:
    page.goto(f"{live_server}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    assert "Welcome" in page.inner_text("main")


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_coordinator_manages_the_record_and_the_officer_downloads_it(chromium, live_server, db, world, course,
                                                                     second_course, javascript, tmp_path):
    trainee = world["trainee"]
    beta, _created = learning.enrol(trainee, second_course, actor=world["coordinator"], source="coordinator")

    context, page = new_page(chromium, javascript)
    try:
        sign_in(page, live_server, world["coordinator"].email)
        page.goto(f"{live_server}/people/")
        page.click(f"text={trainee.name}")
        assert page.url.endswith(f"/people/{trainee.id}")
        assert second_course.title in page.inner_text("main")
        assert not javascript or violations(page) == []  # axe runs as a script

        page.select_option("#enrol-course", "sample")
        page.fill("#enrol-due", "2030-06-30")
        page.click("form[aria-labelledby=enrol-heading] button[type=submit]")
        main = page.inner_text("main")
        assert f"{trainee.name} is enrolled in {course.title}." in main and "Jun 30, 2030" in main

        row = page.locator(f"#enrolment-{beta.id}")
        row.locator("summary").click()
        row.locator("textarea").fill(REASON)
        row.locator("text=Withdraw the enrolment").click()
        row = page.locator(f"#enrolment-{beta.id}")
        assert "Withdrawn on" in row.inner_text() and REASON in row.inner_text()
        db.session.expire_all()
        assert db.session.get(Enrolment, beta.id).withdrawal_reason == REASON
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "enrolment.withdrawn"))
        assert event.actor_id == world["coordinator"].id and event.details["reason"] == REASON
        assert not javascript or violations(page) == []  # axe runs as a script

        row.locator("text=Restore the enrolment").click()
        assert "Withdrawn on" not in page.locator(f"#enrolment-{beta.id}").inner_text()
        db.session.expire_all()
        assert db.session.get(Enrolment, beta.id).status == "active"
        assert page.problems == []
    finally:
        context.close()

    context, page = new_page(chromium, javascript)
    try:
        sign_in(page, live_server, trainee.email)
        page.goto(f"{live_server}/my")
        page.click("text=My training record")
        main = page.inner_text("main")
        assert course.title in main and second_course.title in main and "Jun 30, 2030" in main
        assert not javascript or violations(page) == []  # axe runs as a script
        with page.expect_download() as download:
            page.click("main a:has-text('PDF')")
        path = tmp_path / "record.pdf"
        download.value.save_as(path)
        text = pdf_text(path.read_bytes(), tmp_path)
        assert trainee.name in text and course.title in text and second_course.title in text
        assert page.problems == []
    finally:
        context.close()
