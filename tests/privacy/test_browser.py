"""In a real browser, with and without JavaScript: the notice after the first sign-in, then one's data
downloaded from the profile."""
from __future__ import annotations

import json

import pytest

from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser  # pages and scripts: on SQLite (docs/development.md, markers)


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_notice_at_first_sign_in_then_download_from_the_profile(chromium, live_server, app, world, monkeypatch,
                                                              javascript, tmp_path):
    monkeypatch.setitem(app.config, "PRIVACY_NOTICE_AT_SIGN_IN", True)
    context = chromium.new_context(java_script_enabled=javascript, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{live_server}/my")  # asks for sign-in first, then the notice, then "My learning"
    page.fill("#email", world["trainee"].email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    assert page.url.endswith("/privacy?next=/my")
    assert "What we keep" in page.inner_text("main")
    page.screenshot(path=str(tmp_path / "notice.png"), full_page=True)
    page.click("text=I have read it")
    assert page.url.endswith("/my")

    page.click("footer >> text=Privacy notice")
    assert "You confirmed that you read this notice" in page.inner_text("main")
    page.click("nav >> text=Profile")
    with page.expect_download() as info:
        page.click("text=Download as JSON")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.name.startswith(f"personal-data-{world['trainee'].id}-") and path.suffix == ".json"
    assert json.loads(path.read_text())["records"]["profile"][0]["email"] == world["trainee"].email
    page.screenshot(path=str(tmp_path / "profile.png"), full_page=True)
    context.close()
