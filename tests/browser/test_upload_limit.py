"""In headless Chromium, a trainee picks a file larger than the site accepts at once on an assignment's page.
With JavaScript the page says so before anything is sent, and the text typed stays; without it, the server's
answer comes back on the same page (not a reset connection, not an error page) naming the limit, with the draft
as last saved. The page with its warning passes axe's WCAG 2.1 AA checks."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.assignments.conftest import PAGE, assigned  # noqa: F401 (a fixture)
from tests.axe import violations
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser  # pages and scripts: on SQLite (docs/development.md, markers)

MB = 1024 * 1024


def _sign_in(page, base):
    page.goto(f"{base}/login")
    page.fill("#email", "trainee@example.org")
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")


@pytest.fixture()
def big_file(tmp_path):
    path = tmp_path / "plan.pdf"
    path.write_bytes(b"%PDF-1.4\n" + b"0" * (3 * MB))
    return path


def test_with_javascript_nothing_is_sent_and_the_text_stays(app, chromium, live_server, assigned, db, big_file,
                                                           monkeypatch):
    from lms.assignments.models import Submission

    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2 * MB)
    assigned["assignment"].max_file_mb = 5
    db.session.commit()
    context = chromium.new_context(bypass_csp=True)
    page = context.new_page()
    _sign_in(page, live_server)
    page.goto(f"{live_server}{PAGE}")
    assert "At most 2 MB can be sent at once, all files together." in page.inner_text("main")
    page.fill("#text", "My plan, typed and not yet saved")
    page.set_input_files("#files", str(big_file))
    alert = page.locator("main p.error[role=alert]")
    assert "more than 2 MB together" in alert.inner_text()
    page.click("main button[value=submit]")
    assert page.url.endswith(PAGE) and page.locator("#text").input_value() == "My plan, typed and not yet saved"
    assert "what you typed is still here" in alert.inner_text()
    assert violations(page) == []
    context.close()
    db.session.expire_all()
    # Nothing was handed in (the background save may have kept the text as a draft, as it does while typing).
    assert [s.status for s in db.session.scalars(select(Submission))] in ([], ["draft"])


def test_without_javascript_the_answer_comes_back_on_the_form(app, chromium, live_server, assigned, db, big_file,
                                                              monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2 * MB)
    context = chromium.new_context(java_script_enabled=False, bypass_csp=True)
    page = context.new_page()
    _sign_in(page, live_server)
    page.goto(f"{live_server}{PAGE}")
    page.fill("#text", "Saved first")
    page.click("main button[value=save]")
    page.fill("#text", "Typed after saving")
    page.set_input_files("#files", str(big_file))
    page.click("main button[value=submit]")
    assert page.url.endswith(PAGE)
    text = page.inner_text("main")
    assert "What you sent comes to more than 2 MB" in text and "as it was last saved" in text
    assert page.locator("#text").input_value() == "Saved first"
    context.close()
