"""Answers through an outage, end to end in headless Chromium (issue 24's "done when"): the service worker, "Keep
for offline", the answers kept on the device (quiz.js, offline.js) and the server's side (numbered saves, answers
received late, the staff's queue) together, on the sample course.

1. A trainee keeps the course, starts a quiz attempt while online (the attempt page is not kept: it is the
   server's, and it opens only online) and loses the connection: in another tab two lessons open from the
   device; on the attempt page every answer is saved on the device. The connection returns (both tabs send the
   device's queue): the lesson views reach the server at the times they were read, the queued saves in order
   with their numbers, and the attempt is submitted and graded once.
2. A timed attempt: the trainee answers, loses the connection, answers more; the server's clock passes the
   deadline and its grace. Back online, the saves are "received late after an outage" (202); the server closed
   the attempt on what it had; the course's editor accepts them in the queue and the grade follows."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from lms.core import clock
from lms.learning.models import Enrolment
from lms.quizzes.models import GRACE_SECONDS, AttemptAnswer, LateAnswers, Quiz, QuizAttempt
from tests.axe import violations
from tests.browser.people import Person
from tests.browser.test_offline_journey import enrol, queued_seqs, views
from tests.helpers import answers_for, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.db]

COURSE = "/courses/sample"
SAVED_ON_DEVICE = "Saved on this device, will be sent when the connection returns."
SENT = "The answers saved on this device have been sent."
LATE = "Your answers reached us after the deadline."


@pytest.fixture(autouse=True)
def _clock():
    yield
    clock.freeze(None)


def all_on_one_page(db, time_limit: int | None) -> Quiz:
    """The sample course's quiz with every question on one page (its pages are server pages: offline, the one
    page open is all the trainee can answer) and the given time limit in minutes."""
    quiz = db.session.scalar(select(Quiz).where(Quiz.slug == "check"))
    quiz.layout, quiz.time_limit_minutes = "all", time_limit
    db.session.commit()
    return quiz


def start(page, base: str) -> int:
    """Start an attempt of the quiz on `page`; its id, once the page's script has the device's store."""
    page.goto(f"{base}{COURSE}/quizzes/check")
    page.click("main form[action$='/start'] button[type=submit]")
    assert "/attempts/" in page.url
    page.locator("#answers-offline").wait_for(state="visible")  # quiz.js found the device's store
    return int(page.url.rstrip("/").rsplit("/", 1)[1].split("?")[0])


def answer(page, fields: dict, slugs: list[str]) -> None:
    """Answer the questions `slugs` as `fields` (answers_for's form fields) say, one after the other."""
    for slug in slugs:
        values = fields[f"a-{slug}"]
        values = values if isinstance(values, list) else [values]
        kind = page.get_attribute(f"[name='a-{slug}']", "type")
        if kind in ("radio", "checkbox"):
            for value in values:
                page.check(f"[name='a-{slug}'][value='{value}']")
        else:
            page.fill(f"[name='a-{slug}']", values[0])
            page.locator(f"[name='a-{slug}']").blur()  # the change event: saved now, not 1.5 s later
        page.wait_for_timeout(500)  # past the 300 ms pause before a save: one save per answer


def settled_seqs(page, seconds: float = 10) -> list[int]:
    """The numbers of the answers queued on the device once they stop changing."""
    last, same = None, 0
    for _ in range(int(seconds * 10)):
        now = queued_seqs(page, [], seconds=0.1)
        same = same + 1 if now == last else 0
        last = now
        if same >= 10:
            break
        page.wait_for_timeout(100)
    return last


def stored(db, attempt_id: int) -> dict[str, int]:
    """The attempt's stored answers: {question: the number of the save that wrote it}."""
    db.session.expire_all()
    return dict(db.session.execute(select(AttemptAnswer.question_slug, AttemptAnswer.seq)
                                   .where(AttemptAnswer.attempt_id == attempt_id)).all())


def test_offline_course_lessons_and_quiz_reach_the_server_once(db, world, course, live_server, chromium):
    found: list[str] = []
    trainee = world["trainee"]
    me = Person(chromium, live_server, trainee.email, found)
    lessons = me.page
    enrol(me, "sample")  # opens the first lesson: its view is recorded online
    quiz = all_on_one_page(db, time_limit=None)
    me.go(COURSE)
    me.click("#keep-offline [data-keep]")
    lessons.locator("#keep-offline [data-keep-state]", has_text="Kept on this device").wait_for(timeout=60_000)
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == trainee.id,
                                                          Enrolment.course_id == course.id))

    # The attempt is started online, in a second tab.
    attempt_page = me.context.new_page()
    attempt_page.set_default_timeout(15_000)
    attempt_id = start(attempt_page, live_server)
    db.session.expire_all()
    attempt = db.session.get(QuizAttempt, attempt_id)
    right = answers_for(attempt.draw)
    slugs = [item["slug"] for item in attempt.draw]
    assert set(views(db, enrolment)) == {"intro"}

    # The connection is cut: two lessons open from the device under the "offline" line.
    cut = datetime.now(timezone.utc)
    before = cut.replace(microsecond=0)  # the device's times are whole seconds
    me.context.set_offline(True)
    lessons.wait_for_function("document.getElementById('offline-status').textContent.startsWith('You are offline')")
    me.go(COURSE)
    assert lessons.inner_text("main h1") == "Sample course"
    lessons.click(f"main a[href='{COURSE}/lessons/intro']")
    assert lessons.inner_text("main h1") == "Introduction"
    lessons.locator("#offline-status", has_text="You are offline").wait_for()
    assert "Read this, look at" in lessons.inner_text("main article")
    me.click("main a[rel=next]")
    assert lessons.url.endswith(f"{COURSE}/lessons/second")
    assert lessons.inner_text("main h1") == "Second lesson"
    lessons.locator("#offline-status", has_text="You are offline").wait_for()
    assert "More text." in lessons.inner_text("main article")
    me.axe("lesson read offline")

    # The attempt page, open before the cut, takes every answer: saved on the device, numbered in order.
    attempt_page.locator("#offline-status", has_text="You are offline").wait_for()
    answer(attempt_page, right, slugs)
    status = attempt_page.locator("form[data-autosave] .save-status")
    seqs = settled_seqs(attempt_page)
    assert status.inner_text() == SAVED_ON_DEVICE
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) >= len(slugs), seqs
    found.extend(f"attempt page offline: {v}" for v in violations(attempt_page))
    after = datetime.now(timezone.utc)
    assert stored(db, attempt_id) == {} and set(views(db, enrolment)) == {"intro"}  # nothing reached the server

    # The connection returns: both tabs send the device's queue at once (the same views and saves twice, which
    # the server takes as replays: a view sent twice at once was a 500 once, and the tab never said "sent").
    me.context.set_offline(False)
    status.filter(has_text=SENT).wait_for(timeout=20_000)
    attempt_page.wait_for_function("document.getElementById('offline-status').textContent"
                                   ".startsWith('What you did offline has been sent')", timeout=20_000)
    assert queued_seqs(attempt_page, []) == []
    read = views(db, enrolment)
    assert set(read) == {"intro", "second"}
    assert before <= read["second"].first_viewed_at <= read["second"].last_viewed_at <= after, read["second"]
    assert before <= read["intro"].last_viewed_at <= read["second"].first_viewed_at  # read in that order
    assert read["intro"].first_viewed_at < cut  # the view of the enrolment, online (in the same second, at times)
    # Every save carried the whole page: each answer was last written by the last save.
    assert stored(db, attempt_id) == dict.fromkeys(slugs, seqs[-1])
    assert attempt_page.get_attribute("form[data-autosave]", "data-attempt-seq") == "0"  # as the page came

    # Submitted once, online; graded once.
    attempt_page.click("main button[value=finish]")
    attempt_page.click("main button:has-text('Submit now')")
    attempt_page.locator("main", has_text="You scored 6 of 6 points").wait_for()
    db.session.expire_all()
    attempts = db.session.scalars(select(QuizAttempt).where(QuizAttempt.user_id == trainee.id,
                                                            QuizAttempt.quiz_id == quiz.id)).all()
    assert [(a.id, a.status, a.score, a.passed) for a in attempts] == [(attempt_id, "submitted", 6, True)]
    assert db.session.scalar(select(func.count()).select_from(LateAnswers)) == 0
    assert not found, found
    me.context.close()


def test_a_timed_attempt_cut_past_its_deadline_is_judged_by_staff(db, world, course, live_server, chromium):
    found: list[str] = []
    trainee = world["trainee"]
    make_staff(course, world["instructor"], "instructor")  # the course's editor
    all_on_one_page(db, time_limit=2)
    # The server's clock stands still from the start of the attempt, so that the test moves it past the deadline
    # at once; the browser's keeps running: its saves are dated a few seconds after the start, before the deadline.
    start_at = clock.now().replace(microsecond=0)
    clock.freeze(start_at)
    me = Person(chromium, live_server, trainee.email, found)
    page = me.page
    enrol(me, "sample")
    attempt_id = start(page, live_server)
    db.session.expire_all()
    attempt = db.session.get(QuizAttempt, attempt_id)
    assert attempt.deadline_at == start_at + timedelta(minutes=2)
    right = answers_for(attempt.draw)
    slugs = [item["slug"] for item in attempt.draw]
    status = page.locator("form[data-autosave] .save-status")

    # Online: the first answer counts (a save carries the whole page: the questions not answered yet too).
    answer(page, right, ["q-single"])
    status.filter(has_text="Answers saved.").wait_for()
    assert stored(db, attempt_id) == dict.fromkeys(slugs, 1)

    # Cut off: two more answers are saved on the device only.
    me.context.set_offline(True)
    page.locator("#offline-status", has_text="You are offline").wait_for()
    answer(page, right, ["q-multi", "q-tf"])
    assert settled_seqs(page) == [2, 3]
    assert status.inner_text() == SAVED_ON_DEVICE
    saved_on_device = datetime.now(timezone.utc)

    # The deadline and its grace pass on the server; then the connection returns.
    clock.freeze(start_at + timedelta(minutes=2, seconds=GRACE_SECONDS + 60))
    me.context.set_offline(False)
    status.filter(has_text=LATE).wait_for(timeout=20_000)
    assert "they do not count until accepted" in status.inner_text()
    assert queued_seqs(page, []) == []  # received (202): not sent again
    db.session.expire_all()
    attempt = db.session.get(QuizAttempt, attempt_id)
    # Closed at its deadline on what the server had: the first answer only.
    assert (attempt.status, attempt.submitted_at, attempt.score, attempt.passed) == (
        "expired", start_at + timedelta(minutes=2), 1, False)
    assert stored(db, attempt_id) == dict.fromkeys(slugs, 1)
    (late,) = db.session.scalars(select(LateAnswers)).all()
    assert (late.status, late.source, late.seq) == ("pending", "device", 3)
    assert {slug: entry["seq"] for slug, entry in late.answers.items()} == dict.fromkeys(slugs, 3)
    assert start_at <= late.device_saved_at <= saved_on_device
    me.go(f"/attempts/{attempt_id}")  # a closed attempt shows its result
    assert "You scored 1 of 6 points" in me.main()

    # The course's editor finds them in the quiz's queue and accepts them.
    staff = Person(chromium, live_server, world["instructor"].email, found)
    staff.go(f"{COURSE.replace('/courses/', '/author/')}/quizzes/check/late")
    queue = staff.main()
    tf = "True" if right["a-q-tf"] == "true" else "False"
    assert "Taras Trainee" in queue and "The trainee's device" in queue, queue
    assert "Question 2: " in queue and f"Question 3: {tf}" in queue, queue
    staff.axe("late answers queue")
    staff.click("main button[aria-label='Accept the answers of Taras Trainee']")
    assert "Accepted: the answers count and the attempt was graded again." in staff.main()
    assert "Nothing waits for a decision." in staff.main()
    staff.axe("late answers queue, decided")
    db.session.expire_all()
    attempt = db.session.get(QuizAttempt, attempt_id)
    assert (attempt.status, attempt.score, attempt.passed) == ("expired", 4, True)  # 1 + 2 + 1 of 6
    assert stored(db, attempt_id) == dict.fromkeys(slugs, 3)
    assert db.session.scalar(select(LateAnswers.status)) == "accepted"

    # The trainee's result page follows.
    me.go(f"/attempts/{attempt_id}")
    assert "You scored 4 of 6 points" in me.main() and "Passed." in me.main()
    assert not found, found
    staff.context.close()
    me.context.close()
