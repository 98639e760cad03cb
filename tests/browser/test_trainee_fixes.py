"""What a trainee meets in headless Chromium: answers that save themselves (without pressing a button) and
are there after a reload."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lms.quizzes.models import AttemptAnswer, QuizAttempt
from tests.helpers import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.db]

SAVED = "Answers saved."


@pytest.fixture()
def javascript() -> bool:
    """JavaScript on, unless a test is parametrised on `javascript`."""
    return True


@pytest.fixture()
def browser_page(chromium, live_server, javascript):
    """A page of a new browser context (JavaScript on or off) that records dialogs, requests leaving the
    site and every answer of 400 or more."""
    context = chromium.new_context(java_script_enabled=javascript)
    page = context.new_page()
    page.problems = []
    page.on("dialog", lambda d: (page.problems.append(f"dialog {d.message}"), d.dismiss()))
    page.on("request", lambda r: None if r.url.startswith(live_server) else page.problems.append(f"outside {r.url}"))
    page.on("response", lambda r: page.problems.append(f"{r.status} {r.request.method} {r.url}")
            if r.status >= 400 else None)
    yield page
    context.close()


def sign_in(page, live_server, email: str) -> None:
    page.goto(f"{live_server}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    assert "Welcome" in page.inner_text("main")


def answer_of(db, attempt_id: int, slug: str):
    db.session.expire_all()
    answer = db.session.scalar(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id,
                                                           AttemptAnswer.question_slug == slug))
    return answer.response if answer else None


def start_check_quiz(page, live_server, db) -> tuple[int, list[dict]]:
    """Enrol through the course page and start an attempt at the quiz "check" (one question a page)."""
    page.goto(f"{live_server}/courses/sample")
    page.click("text=Enrol in this course")
    page.goto(f"{live_server}/courses/sample/quizzes/check")
    page.click("text=Start an attempt")
    attempt_id = int(re.search(r"/attempts/(\d+)", page.url).group(1))
    db.session.expire_all()
    return attempt_id, db.session.get(QuizAttempt, attempt_id).draw


def test_answers_save_themselves_and_are_there_after_a_reload(browser_page, live_server, db, world, course):
    page = browser_page
    sign_in(page, live_server, world["trainee"].email)
    attempt_id, draw = start_check_quiz(page, live_server, db)
    single = draw[0]
    assert single["slug"] == "q-single"
    choice = next(c for c in single["choices"] if c["correct"])
    page.check(f"#c-{choice['id']}")  # and nothing else: no button pressed
    page.wait_for_selector(f".save-status:has-text('{SAVED}')", timeout=10_000)
    assert answer_of(db, attempt_id, "q-single") == [choice["id"]]
    page.reload()
    assert page.is_checked(f"#c-{choice['id']}")
    assert page.inner_text(".save-status") == ""  # a fresh page: nothing claimed before a save

    # Nothing failed (no post to ".../[object RadioNodeList]"), nothing went elsewhere.
    assert page.problems == []
