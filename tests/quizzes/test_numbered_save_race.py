"""Numbered saves racing each other (a device replaying its queue while the first sends are still on their way,
two tabs): whatever the order they land in, on SQLite and PostgreSQL, the answer stored is the one of the highest
number, every save is answered (no 500), and sending them all again changes nothing."""
from __future__ import annotations

import json
from datetime import timedelta
import random
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import select

from lms.core import clock
from lms.quizzes.models import AttemptAnswer, LateAnswers, QuizAttempt
from tests.helpers import PASSWORD, answers_for
from tests.quizzes.test_start_race import Browser

pytestmark = pytest.mark.db

SAVES = 8


@pytest.fixture(autouse=True)
def _clock():
    yield
    clock.freeze(None)


def send(browser: Browser, attempt_id: int, seq: int, token: str, fields: dict | None = None) -> tuple[int, dict]:
    fields = fields or {"questions": "q-short", "a-q-short": f"answer {seq}"}
    body = urllib.parse.urlencode({**fields, "seq": str(seq), "action": "save", "csrf_token": token},
                                  doseq=True).encode()
    request = urllib.request.Request(f"{browser.base}/attempts/{attempt_id}", data=body,
                                     headers={"Accept": "application/json"})
    try:
        with browser.opener.open(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, {"body": error.read().decode()[-300:]}


def test_numbered_saves_in_any_order_keep_the_highest(live_server, world, course, db):
    browser = Browser(live_server)
    browser.post("/login", {"email": world["trainee"].email, "password": PASSWORD}, browser.token("/login"))
    assert browser.post("/courses/sample/enrol", {}, browser.token("/courses/sample"))[0] == 302
    status, where = browser.post("/courses/sample/quizzes/check/start", {}, browser.token("/courses/sample/quizzes/check"))
    attempt_id = int(where.rsplit("/", 1)[1])
    token = browser.token(f"/attempts/{attempt_id}")
    order = list(range(1, SAVES + 1))
    random.Random(7).shuffle(order)

    for round_ in range(2):  # the queue sent, then sent again whole
        barrier, outcomes = threading.Barrier(SAVES), {}

        def save(seq: int) -> None:
            barrier.wait()
            outcomes[seq] = send(browser, attempt_id, seq, token)

        threads = [threading.Thread(target=save, args=(seq,)) for seq in order]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert all(status == 200 and body["saved"] is True for status, body in outcomes.values()), outcomes
        if round_:
            assert all(body.get("duplicate") for _status, body in outcomes.values())
        db.session.expire_all()
        answer = db.session.scalar(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id,
                                                              AttemptAnswer.question_slug == "q-short"))
        assert (answer.response, answer.seq) == (f"answer {SAVES}", SAVES)


def test_late_saves_landing_at_once_gather_in_one_set(live_server, world, course, db):
    """After an outage, the device's queued saves of five questions arrive at the same moment, past the
    deadline: one set of late answers holds all five, whatever the order the writes took."""
    start = clock.now().replace(microsecond=0)
    clock.freeze(start)
    browser = Browser(live_server)
    browser.post("/login", {"email": world["trainee"].email, "password": PASSWORD}, browser.token("/login"))
    browser.post("/courses/sample/enrol", {}, browser.token("/courses/sample"))
    where = browser.post("/courses/sample/quizzes/check/start", {}, browser.token("/courses/sample/quizzes/check"))[1]
    attempt_id = int(where.rsplit("/", 1)[1])
    token = browser.token(f"/attempts/{attempt_id}")
    db.session.expire_all()
    draw = db.session.get(QuizAttempt, attempt_id).draw
    right = answers_for(draw)
    deadline = start + timedelta(minutes=10)
    clock.freeze(deadline + timedelta(minutes=15))
    slugs = [item["slug"] for item in draw]
    barrier, outcomes = threading.Barrier(len(slugs)), {}

    def save(seq: int, slug: str) -> None:
        fields = {"questions": slug, f"a-{slug}": right[f"a-{slug}"], "saved_at": (deadline - timedelta(minutes=1)).isoformat()}
        barrier.wait()
        outcomes[slug] = send(browser, attempt_id, seq, token, fields)

    threads = [threading.Thread(target=save, args=(seq, slug)) for seq, slug in enumerate(slugs, start=1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert all(status == 202 and body["late"] is True for status, body in outcomes.values()), [
        (slug, status, body.get("body", body.get("closed"))) for slug, (status, body) in outcomes.items()]
    db.session.expire_all()
    items = db.session.scalars(select(LateAnswers)).all()
    assert len(items) == 1 and set(items[0].answers) == set(slugs) and items[0].seq == len(slugs)
