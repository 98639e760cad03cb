"""What a trainee meets in headless Chromium: answers that save themselves (without pressing a button) and
are there after a reload; a number that can be read two ways refused with a message, with JavaScript and
without; recertifying from *My learning* through the course page once a certificate has expired."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import select

from lms.core import clock, when
from lms.learning import services as learning
from lms.learning.models import Certificate, Enrolment
from lms.quizzes.models import AttemptAnswer, QuizAttempt
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser  # pages and scripts: on SQLite (docs/development.md, markers)

SAVED = "Answers saved."
REFUSED = ("“60,000” was not saved: it can mean 60000 or 60. Write 60000 or 60 000 for the whole number, "
           "or 60 for the decimal one.")


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
    page.wait_for_load_state()  # the attempt page's script listens for answers once it has run
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

    # A numeric answer typed in: saved as it is typed, once it is a number that reads one way only.
    page.goto(f"{live_server}/attempts/{attempt_id}?page=5")
    page.fill("#a-q-num", "60,000")
    page.wait_for_selector(".save-status:has-text('1 answer was not saved')", timeout=10_000)
    assert page.inner_text("#m-q-num") == REFUSED
    assert page.get_attribute("#a-q-num", "aria-invalid") == "true"
    assert page.input_value("#a-q-num") == "60,000"  # what was typed stays
    assert answer_of(db, attempt_id, "q-num") is None
    page.fill("#a-q-num", "60 000")
    page.wait_for_selector(f".save-status:has-text('{SAVED}')", timeout=10_000)
    assert page.inner_text("#m-q-num") == "" and page.get_attribute("#a-q-num", "aria-invalid") is None
    assert answer_of(db, attempt_id, "q-num") == "60 000"
    page.reload()
    assert page.input_value("#a-q-num") == "60 000"
    # The refused background save answered 400 on purpose; nothing else failed, nothing went elsewhere.
    assert [p for p in page.problems if not p.startswith(f"400 POST {live_server}/attempts/{attempt_id}")] == []
    assert not any("object" in p for p in page.problems)


@pytest.mark.parametrize("javascript", [False], ids=["without-js"])
def test_an_ambiguous_number_is_refused_without_javascript(browser_page, live_server, db, world, course, javascript):
    page = browser_page
    sign_in(page, live_server, world["trainee"].email)
    attempt_id, _draw = start_check_quiz(page, live_server, db)
    page.goto(f"{live_server}/attempts/{attempt_id}?page=5")
    assert "A number, such as 12.5 or 45 000." in page.inner_text("#q-q-num")
    page.fill("#a-q-num", "60")
    page.click("text=Save answers")
    assert "Your answers are saved." in page.inner_text("main")
    page.fill("#a-q-num", "60,000")
    page.click("text=Finish and submit…")
    main = page.inner_text("main")
    assert "1 answer was not saved: see the message under it." in main and REFUSED in main
    assert page.input_value("#a-q-num") == "60,000"  # what was typed, not what was saved
    assert "/submit" not in page.url  # not on to the confirmation
    assert answer_of(db, attempt_id, "q-num") == "60"  # the answer saved before stays
    page.fill("#a-q-num", "60 000")
    page.click("text=Save answers")
    assert answer_of(db, attempt_id, "q-num") == "60 000" and page.input_value("#a-q-num") == "60 000"
    assert [p for p in page.problems if not p.startswith(f"400 POST {live_server}/attempts/{attempt_id}")] == []


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_recertifying_from_my_learning_through_the_course_page(browser_page, live_server, db, world, course,
                                                                javascript):
    trainee = world["trainee"]
    # A cycle completed 30 months ago: its certificate (valid 24 months) expired 6 months ago.
    enrolment, _created = learning.enrol(trainee, course)
    learning.complete_enrolment(enrolment, course, when=clock.now() - timedelta(days=913))
    db.session.commit()
    first = db.session.scalar(select(Certificate))
    assert first.expires_at < clock.now()
    # The day in the trainee's zone, as the page shows it (in Kyiv it is already the next day after 21:00 UTC).
    expired_on = format_date(first.expires_at.astimezone(when.person_zone(trainee)).date(), "long", locale="en")

    page = browser_page
    sign_in(page, live_server, trainee.email)
    page.click("nav >> text=My learning")
    row = page.locator("tr", has_text="Sample course")
    assert "Expired" in row.inner_text()
    row.locator("text=Enrol again to recertify").click()
    assert page.url.endswith("/courses/sample")
    main = page.inner_text("main")
    assert "You have completed this course" in main
    assert f"Your certificate expired on {expired_on}." in main
    page.click("main button:has-text('Enrol again')")

    assert page.url.endswith("/courses/sample/lessons/intro")  # the new cycle starts at the first lesson
    assert "You are enrolled in Sample course." in page.inner_text("main")
    db.session.expire_all()
    cycles = db.session.scalars(select(Enrolment).order_by(Enrolment.cycle)).all()
    assert [(e.cycle, e.is_current, e.status) for e in cycles] == [(1, False, "completed"), (2, True, "active")]
    assert db.session.scalars(select(Certificate)).all() == [first]  # kept, with the first cycle
    assert first.enrolment_id == cycles[0].id

    page.click("nav >> text=My learning")
    progress = page.inner_text("#progress-heading + *")
    assert "Sample course" in progress  # in progress again (the lesson just opened counts)
    done = page.inner_text("section:has(#done-heading)")
    assert "(earlier cycle)" in done and "Enrol again to recertify" not in done
    page.goto(f"{live_server}/courses/sample")
    main = page.inner_text("main")
    assert "Continue where you left off" in main
    assert "expired" not in main and page.locator("main button:has-text('Enrol')").count() == 0
    assert page.problems == []


@pytest.mark.parametrize("javascript", [False], ids=["without-js"])
def test_a_valid_certificate_offers_no_new_cycle(browser_page, live_server, db, world, course, javascript):
    trainee = world["trainee"]
    enrolment, _created = learning.enrol(trainee, course)
    learning.complete_enrolment(enrolment, course)
    db.session.commit()
    page = browser_page
    sign_in(page, live_server, trainee.email)
    page.goto(f"{live_server}/courses/sample")
    main = page.inner_text("main")
    assert "You have completed this course" in main and "expired" not in main
    assert page.locator("main button:has-text('Enrol')").count() == 0
