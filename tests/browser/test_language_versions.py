"""An instructor in headless Chromium on a 390 px phone starts a Ukrainian version of a course and translates it
beside the original: the two columns stack, nothing is wider than the phone, a refused title comes back as typed,
"Save and go to the next" goes on through the course; every page passes axe. On a laptop the columns stand side
by side."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.catalog.models import Lesson
from lms.languages import queries as language_queries
from tests.axe import violations
from tests.helpers import PASSWORD, make_staff

pytestmark = pytest.mark.browser  # pages and scripts: on SQLite (docs/development.md, markers)


def narrow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 390


def test_an_instructor_translates_a_course_on_a_phone(chromium, live_server, world, course, db):
    make_staff(course, world["instructor"], "owner")
    context = chromium.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/login")
        page.fill("#email", world["instructor"].email)
        page.fill("#password", PASSWORD)
        page.click("main button[type=submit]")
        page.goto(f"{live_server}/author/sample/")
        page.click("main >> text=Language versions")
        assert page.inner_text("h1") == "Language versions"
        assert narrow(page) and violations(page) == []

        page.select_option("#language", "uk")
        page.fill("#translated_by", "Academy translators")
        page.click("text=Add the version")
        assert page.inner_text("h1").startswith("Ukrainian (uk)")
        assert "0 of 15 texts translated." in page.inner_text("main")
        assert narrow(page) and violations(page) == []

        page.click("main >> text=Lesson “Introduction”")
        assert page.inner_text("h1") == "Lesson “Introduction”"
        # Stacked: the original's text above the version's field, both as wide as the screen allows.
        original = page.locator(".pair").nth(1).locator(".source").bounding_box()
        field = page.locator("#f-title").bounding_box()
        assert original["y"] + original["height"] <= field["y"] and abs(original["x"] - field["x"]) < 20
        assert narrow(page) and violations(page) == []

        page.fill("#f-title", "Вступ " + "д" * 200)
        page.fill("#f-body", "## Чому\nПрочитайте це.")
        page.click("main button:text-is('Save')")
        assert "At most 200 characters: this text has 206." in page.inner_text("#f-title-error")
        assert page.input_value("#f-title") == "Вступ " + "д" * 200
        assert page.input_value("#f-body") == "## Чому\nПрочитайте це."
        assert narrow(page) and violations(page) == []

        page.fill("#f-title", "Вступ")
        page.click("text=Save and go to the next")
        assert page.url.endswith("/author/sample/versions/uk/lessons/second") and "Saved." in page.inner_text("main")
        page.goto(f"{live_server}/author/sample/versions/uk/questions/q-single")
        expect(page.locator("#f-choice-2")).to_be_visible()
        assert "A right answer" in page.inner_text("main")
        assert narrow(page) and violations(page) == []

        # On a laptop the original and the field stand side by side.
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(f"{live_server}/author/sample/versions/uk/lessons/intro")
        original = page.locator(".pair").nth(1).locator(".source").bounding_box()
        field = page.locator("#f-title").bounding_box()
        assert original["x"] + original["width"] <= field["x"] and abs(original["y"] - field["y"]) < 60
        assert violations(page) == []
    finally:
        context.close()
    intro = db.session.scalar(select(Lesson).where(Lesson.slug == "intro"))
    saved = language_queries.text_of("lesson", intro.id, "uk")
    assert (saved.title, saved.body) == ("Вступ", "## Чому\nПрочитайте це.")
