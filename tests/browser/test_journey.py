"""The trainee's whole journey in headless Chromium, with and without JavaScript: sign in, enrol, read
every lesson, fail a quiz, pass it, complete the course, download the certificate, verify it. With
JavaScript on, axe checks the main pages on the way (axe is a script: not with scripts off). The staff's
journeys are in test_journeys_staff.py."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from lms.quizzes.models import QuizAttempt
from tests.axe import violations
from tests.helpers import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.db]


def answer(page, db, attempt_id: int, right: bool) -> None:
    """Answer every question of the attempt on its page(s), the way a person does."""
    db.session.expire_all()
    draw = db.session.get(QuizAttempt, attempt_id).draw
    for index, item in enumerate(draw):
        slug, kind = item["slug"], item["kind"]
        if kind in ("single_choice", "multiple_choice"):
            chosen = [c for c in item["choices"] if c["correct"] == right][: 1 if kind == "single_choice" else None]
            for choice in chosen:
                page.check(f"#c-{choice['id']}")
        elif kind == "true_false":
            page.check(f"#{'t' if item['answer'] == right else 'f'}-{slug}")
        elif kind == "short_text":
            page.fill(f"#a-{slug}", item["accepted"][0] if right else "no idea")
        else:
            page.fill(f"#a-{slug}", str(item["value"]) if right else "-1")
        if index < len(draw) - 1 and page.locator("button[value=next]").count():
            page.click("button[value=next]")
    page.click("button[value=finish]")
    page.click("text=Submit now")


def check_axe(page, javascript: bool, what: str) -> None:
    """axe's WCAG 2.1 A/AA rules on the page as it is now, when scripts run."""
    if javascript:
        found = violations(page)
        assert not found, f"{what}: {found}"


def take(page, db, right: bool, javascript: bool) -> str:
    page.click("button:has-text('attempt')")
    check_axe(page, javascript, "quiz attempt")
    attempt_id = int(re.search(r"/attempts/(\d+)", page.url).group(1))
    answer(page, db, attempt_id, right)
    return page.inner_text("main")


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_trainee_journey(chromium, live_server, db, world, course, javascript, tmp_path):
    context = chromium.new_context(java_script_enabled=javascript, accept_downloads=True,
                                  bypass_csp=javascript)  # axe is injected into the pages
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server) else None)

    page.goto(f"{live_server}/login")
    page.fill("#email", world["trainee"].email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    assert "Welcome, Taras Trainee" in page.inner_text("main")

    page.click("nav >> text=Courses")
    check_axe(page, javascript, "catalogue")
    page.click("text=Sample course")
    page.click("text=Enrol in this course")
    assert page.url.endswith("/courses/sample/lessons/intro")  # resumes at the first lesson
    page.wait_for_load_state("load")  # the lesson's image has arrived (a busy machine may be slow)
    assert page.locator("article img[alt='a pixel']").evaluate("img => img.naturalWidth") == 1
    check_axe(page, javascript, "lesson")
    page.click("a[rel=next]")
    assert "Second lesson" in page.inner_text("h1")
    page.click("a[rel=next]")
    assert page.url.endswith("/courses/sample/quizzes/check")

    failed = take(page, db, right=False, javascript=javascript)
    assert "Not passed" in failed
    check_axe(page, javascript, "quiz review")
    page.click("text=Try again")
    passed = take(page, db, right=True, javascript=javascript)
    assert "Passed." in passed and "Because." in passed  # review shows explanations once passed

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My learning").click()
    page.locator("main").get_by_role("link", name="Resume").click()  # on to what is left: the final
    assert page.url.endswith("/courses/sample/quizzes/final")
    final = take(page, db, right=True, javascript=javascript)
    assert "Passed." in final
    page.click("text=You have completed the course")
    assert "You have completed this course" in page.inner_text("main")
    check_axe(page, javascript, "course page, completed")

    with page.expect_download() as download_info:
        page.click("text=Download your certificate (PDF)")
    pdf = tmp_path / "certificate.pdf"
    download_info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
        assert "Taras Trainee" in text and "Sample course" in text

    page.click("text=Verification page")
    assert "This certificate is valid." in page.inner_text("main")
    check_axe(page, javascript, "verification page")
    assert not dialogs and not outside
    context.close()
