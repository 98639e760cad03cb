"""Starting a quiz is idempotent: many starts at once, from many signed-in browsers of the same trainee,
all land on the same attempt, and only one attempt is in progress (no 500, no stray attempt that later
expires graded 0 and uses up one of the trainee's attempts), and the attempts the enrolment's kept figures count
(each start adds one) are the attempts made."""
from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import func, select

from lms.learning.models import Enrolment, QuizFigures
from lms.quizzes.models import Quiz, QuizAttempt
from tests.helpers import PASSWORD

pytestmark = pytest.mark.db

STARTS = 20


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Hand the redirect back to the caller instead of following it."""

    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One browser of the trainee: its own cookie jar, so its own signed-in session."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  _NoRedirect())

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.read().decode()

    def token(self, path: str) -> str:
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', self.get(path)).group(1)

    def post(self, path: str, data: dict, token: str) -> tuple[int, str]:
        """POST a form; returns the status and the Location header (or the body of an error)."""
        body = urllib.parse.urlencode({**data, "csrf_token": token}).encode()
        try:
            with self.opener.open(urllib.request.Request(self.base + path, data=body), timeout=30) as response:
                return response.status, response.read().decode()[:300]
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location") or error.read().decode()[-300:]


def test_parallel_starts_give_one_attempt(live_server, world, course, db):
    """Twenty browsers of the same trainee press "Start" at the same moment: each is sent to the same
    attempt, and the database holds exactly one attempt in progress (for each of two quizzes)."""
    email = world["trainee"].email
    first = Browser(live_server)
    first.post("/login", {"email": email, "password": PASSWORD}, first.token("/login"))
    assert first.post("/courses/sample/enrol", {}, first.token("/courses/sample"))[0] == 302

    browsers, tokens = [], []
    for _ in range(STARTS):
        browser = Browser(live_server)
        status, where = browser.post("/login", {"email": email, "password": PASSWORD},
                                     browser.token("/login"))
        assert status == 302 and "/login" not in where, (status, where)
        browsers.append(browser)
        tokens.append(browser.token("/courses/sample/quizzes/final"))  # a session's token serves every form

    for quiz in ("final", "check"):  # two races: each quiz has its own attempt in progress
        barrier, outcomes = threading.Barrier(STARTS), [None] * STARTS

        def start(index: int) -> None:
            barrier.wait()
            outcomes[index] = browsers[index].post(f"/courses/sample/quizzes/{quiz}/start", {}, tokens[index])

        threads = [threading.Thread(target=start, args=(i,)) for i in range(STARTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)

        assert all(status == 302 for status, _ in outcomes), outcomes
        locations = {where for _, where in outcomes}
        assert len(locations) == 1 and re.search(r"/attempts/\d+$", next(iter(locations))), outcomes
        db.session.expire_all()
        in_progress = db.session.scalars(select(QuizAttempt).where(QuizAttempt.status == "in_progress")
                                         .join(QuizAttempt.quiz).where(Quiz.slug == quiz)).all()
        assert len(in_progress) == 1 and f"/attempts/{in_progress[0].id}" in locations.pop()
        assert db.session.scalar(select(func.count(QuizAttempt.id)).join(QuizAttempt.quiz)
                                 .where(Quiz.slug == quiz)) == 1  # no stray attempt, closed or not

    # Each start that opened an attempt added one to the kept figures, and the refused ones added nothing.
    [(enrolment_id, attempts)] = db.session.execute(select(Enrolment.id, Enrolment.attempts)
                                                    .where(Enrolment.user_id == world["trainee"].id)).all()
    per_quiz = set(db.session.execute(select(Quiz.slug, QuizFigures.attempts).join(Quiz, Quiz.id == QuizFigures.quiz_id)
                                      .where(QuizFigures.enrolment_id == enrolment_id)).all())
    assert (attempts, per_quiz) == (2, {("final", 1), ("check", 1)})
