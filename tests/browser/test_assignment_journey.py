"""In headless Chromium: a trainee writes an assignment (saved in the background as they type), adds a PDF and
hands the work in; the page says so and the server holds the text and the file. The trainee's page (draft and
handed in) and the instructor's editor and extensions page pass axe's WCAG 2.1 AA checks."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.assignments.models import Submission
from lms.core.storage import current_storage
from tests.assignments.conftest import PAGE, PDF, assigned  # noqa: F401  (the fixture)
from tests.axe import violations
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser  # pages and scripts: on SQLite (docs/development.md, markers)


def sign_in(page, live_server, email: str) -> None:
    page.goto(f"{live_server}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")


def test_a_trainee_writes_uploads_a_pdf_and_hands_in(chromium, live_server, assigned, db, tmp_path):  # noqa: F811
    pdf = tmp_path / "action-plan.pdf"
    pdf.write_bytes(PDF)
    context = chromium.new_context(bypass_csp=True)
    page = context.new_page()
    sign_in(page, live_server, assigned["trainee"].email)
    page.goto(f"{live_server}{PAGE}")
    assert "Write your plan." in page.inner_text("main .instructions")
    assert violations(page) == []

    page.fill("#text", "Goals for 2027: fewer delays at the border.")
    page.wait_for_selector(".save-status:has-text('Draft saved.')")  # the background save answered
    db.session.expire_all()
    draft = db.session.scalar(select(Submission))
    assert (draft.status, draft.text) == ("draft", "Goals for 2027: fewer delays at the border.")

    page.set_input_files("#files", str(pdf))
    page.click("main button:has-text('Save draft')")
    assert "Your work is saved (not handed in yet)." in page.inner_text("main")
    assert page.locator("main ul.files a", has_text="action-plan.pdf").count() == 1
    assert violations(page) == []

    page.click("main button:has-text('Hand in')")
    text = page.inner_text("main")
    assert "Your work is handed in." in text and "Try 1" in text and "waiting to be marked" in text
    assert page.locator("main button:has-text('Hand in')").count() == 0
    assert violations(page) == []
    db.session.expire_all()
    handed = db.session.scalar(select(Submission))
    assert handed.status == "submitted" and handed.text.startswith("Goals for 2027")
    assert [(f.name, f.mime_type) for f in handed.files] == [("action-plan.pdf", "application/pdf")]
    assert current_storage().get(handed.files[0].storage_key) == PDF
    context.close()

    context = chromium.new_context(bypass_csp=True)
    page = context.new_page()
    sign_in(page, live_server, assigned["instructor"].email)
    page.goto(f"{live_server}/author/planning/assignments/action-plan")
    assert page.locator("#rubric").count() == 1
    assert violations(page) == []
    page.goto(f"{live_server}/author/planning/assignments/action-plan/extensions")
    assert "handed in, to be marked" in page.inner_text("main")
    assert violations(page) == []
    context.close()
