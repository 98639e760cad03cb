"""The queue "Received late after an outage" in headless Chromium: a trainee's timed attempt closes while their
device is cut off; its queued save arrives after the deadline (sent from the trainee's own browser session) and
waits; the course's instructor finds it from the quiz's page, reads what the queue says about device times,
accepts it, and the grade updates, with JavaScript or without; no axe violation on the queue."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.core import clock
from lms.quizzes.models import LateAnswers, QuizAttempt
from tests.axe import violations
from tests.helpers import PASSWORD, answers_for, make_staff

pytestmark = pytest.mark.browser  # pages and scripts: on SQLite (docs/development.md, markers)


def sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")


@pytest.fixture(autouse=True)
def _clock():
    yield
    clock.freeze(None)


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_staff_accept_answers_that_arrived_after_an_outage_and_the_grade_updates(
        chromium, live_server, db, world, course, javascript):
    make_staff(course, world["instructor"], "owner")
    start = clock.now().replace(microsecond=0)
    clock.freeze(start)
    trainee = chromium.new_context(java_script_enabled=False)
    page = trainee.new_page()
    sign_in(page, live_server, world["trainee"].email)
    page.goto(f"{live_server}/courses/sample")
    page.click("main button:has-text('Enrol')")
    page.goto(f"{live_server}/courses/sample/quizzes/check")
    page.click("main button:has-text('Start')")
    attempt_id = int(page.url.split("/attempts/")[1].split("?")[0])
    form = page.locator("form[data-attempt-token]")
    assert form.get_attribute("data-attempt-seq") == "0"
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    db.session.expire_all()
    draw = db.session.get(QuizAttempt, attempt_id).draw
    right = answers_for(draw)
    # The device kept the answers while cut off; the connection comes back 20 minutes after the 10-minute deadline.
    deadline = start + timedelta(minutes=10)
    clock.freeze(deadline + timedelta(minutes=20))
    sent = page.request.post(f"{live_server}/attempts/{attempt_id}", headers={"Accept": "application/json"},
                             form={"questions": "q-tf", "a-q-tf": right["a-q-tf"], "seq": "1",
                                   "saved_at": (deadline - timedelta(minutes=3)).isoformat(), "csrf_token": token,
                                   "action": "save"})
    assert sent.status == 202 and sent.json()["late"] is True
    trainee.close()

    staff = chromium.new_context(java_script_enabled=javascript, bypass_csp=True)
    page = staff.new_page()
    try:
        sign_in(page, live_server, world["instructor"].email)
        page.goto(f"{live_server}/author/sample/quizzes/check")
        assert "1 waits for a decision" in page.inner_text("main")
        page.click("main >> text=Received late after an outage")
        main = page.inner_text("main")
        answer = "True" if right["a-q-tf"] == "true" else "False"
        assert "Taras Trainee" in main and "The trainee's device" in main and f"Question 3: {answer}" in main
        assert "the trainee's claim, not proof" in main
        assert not javascript or violations(page) == []  # axe runs in the page: with JavaScript only
        page.click("main button[aria-label='Accept the answers of Taras Trainee']")
        main = page.inner_text("main")
        assert "Accepted: the answers count and the attempt was graded again." in main
        assert "Nothing waits for a decision." in main and "Accepted" in main
        assert not javascript or violations(page) == []
    finally:
        staff.close()
    db.session.expire_all()
    assert db.session.get(QuizAttempt, attempt_id).score == 1
    assert db.session.scalar(select(LateAnswers.status)) == "accepted"
