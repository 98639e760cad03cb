"""Faults: a server killed mid-attempt loses no acknowledged answer; a database error during a
submission rolls back whole and shows an error reference that is also in the log; a write that waits past
SQLite's busy timeout for another process's lock gets the "busy" page, not an error.

The real outages (a database stopped, Redis killed, under gunicorn) are in tests/faults (`make test-faults`)."""
from __future__ import annotations

import http.cookiejar
import json
import logging
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from lms.auth.models import User
from lms.quizzes.models import AttemptAnswer, QuizAttempt
from tests.helpers import PASSWORD, answers_for, start_attempt

pytestmark = pytest.mark.db
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


class Browser:
    """A cookie-keeping HTTP client for a server in another process."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=10) as response:
            return response.read().decode()

    def post(self, path: str, data: dict, token_from: str, accept: str = "text/html") -> tuple[int, str]:
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', self.get(token_from)).group(1)
        body = urllib.parse.urlencode({**data, "csrf_token": token}, doseq=True).encode()
        request = urllib.request.Request(self.base + path, data=body, headers={"Accept": accept})
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


def start_server(env: dict, port: int) -> subprocess.Popen:
    server = subprocess.Popen([str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2", "wsgi:app"],
                              env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return server
        except OSError:
            time.sleep(0.2)
    os.killpg(server.pid, signal.SIGKILL)
    raise AssertionError("gunicorn did not start")


@pytest.mark.slow
def test_kill_9_mid_attempt_loses_no_acknowledged_answer(database_url, db, world, course, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "LMS_DATABASE_URL": database_url, "LMS_SECRET_KEY": "k" * 40,
           "LMS_INSTANCE_PATH": str(tmp_path), "LMS_LOG_LEVEL": "WARNING"}
    server = start_server(env, port)
    try:
        browser = Browser(f"http://127.0.0.1:{port}")
        browser.post("/login", {"email": world["trainee"].email, "password": PASSWORD}, "/login")
        browser.post("/courses/sample/enrol", {}, "/courses/sample")
        status, _ = browser.post("/courses/sample/quizzes/check/start", {}, "/courses/sample/quizzes/check")
        db.session.expire_all()
        attempt = db.session.scalar(select(QuizAttempt))
        draw = answers_for(attempt.draw)
        acknowledged = []
        for slug in ("q-single", "q-tf", "q-short", "q-num"):
            status, body = browser.post(f"/attempts/{attempt.id}", {"questions": [slug], f"a-{slug}": draw[f"a-{slug}"]},
                                        f"/attempts/{attempt.id}", accept="application/json")
            assert status == 200 and json.loads(body)["saved"] is True
            acknowledged.append(slug)
        os.killpg(server.pid, signal.SIGKILL)  # no graceful shutdown
        server.wait(10)
        server = start_server(env, port)
        browser = Browser(f"http://127.0.0.1:{port}")
        browser.post("/login", {"email": world["trainee"].email, "password": PASSWORD}, "/login")
        page = browser.get(f"/attempts/{attempt.id}?page=4")
        assert f'value="{draw["a-q-short"]}"' in page  # the short answer is shown as saved
        db.session.expire_all()
        saved = {a.question_slug for a in db.session.scalars(select(AttemptAnswer)) if a.response is not None}
        assert saved == set(acknowledged)
    finally:
        try:
            os.killpg(server.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_database_error_during_submission_rolls_back_and_shows_a_reference(client, auth, world, course, db,
                                                                             caplog, monkeypatch):
    auth.login(world["trainee"].email)
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    attempt_id = start_attempt(auth, "sample", "final")
    db.session.expire_all()
    draw = db.session.get(QuizAttempt, attempt_id).draw
    auth.post(f"/attempts/{attempt_id}", answers_for(draw))

    # The quiz engine's signal reaches check_completion through learning's handler, which looks it up in its own
    # module (lms.learning.services.events), not in the package that re-exports it.
    import lms.learning.services.events as services

    def broken(*args, **kwargs):
        raise OperationalError("UPDATE enrolments", {}, Exception("the database went away"))

    monkeypatch.setattr(services, "check_completion", broken)
    response = auth.post(f"/attempts/{attempt_id}/submit", {}, form_page=f"/attempts/{attempt_id}/submit")
    body = response.get_data(as_text=True)
    assert response.status_code == 503 and "Temporarily unavailable" in body and "went away" not in body
    reference = re.search(r"Error reference: ([0-9a-f]{12})", body).group(1)
    assert reference in caplog.text
    db.session.expire_all()
    attempt = db.session.get(QuizAttempt, attempt_id)
    assert attempt.status == "in_progress" and attempt.score is None  # nothing half-done
    assert all(a.points is None for a in db.session.scalars(select(AttemptAnswer)))
    monkeypatch.undo()
    done = auth.post(f"/attempts/{attempt_id}/submit", {}, form_page=f"/attempts/{attempt_id}/submit")
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(QuizAttempt, attempt_id).passed is True


def test_a_write_blocked_by_another_writer_gets_the_busy_page(client, auth, world, db, caplog):
    """Another process holds SQLite's write lock (BEGIN IMMEDIATE) past the busy timeout: reading goes on,
    and a write answers 503 "busy" with Retry-After and a reference in the log; once the lock is gone the
    same form goes through."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's database lock")

    def short_wait(dbapi_connection, _record):  # the app waits 10 s (LMS_SQLITE_BUSY_TIMEOUT_SECONDS)
        dbapi_connection.execute("PRAGMA busy_timeout=200")

    trainee, trainee_id = world["trainee"].email, world["trainee"].id
    db.session.remove()
    db.engine.dispose()
    event.listen(db.engine, "connect", short_wait)
    try:
        auth.login(trainee)
        holder = sqlite3.connect(db.engine.url.database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            assert client.get("/courses/").status_code == 200  # readers are not held up (WAL)
            with caplog.at_level(logging.WARNING, logger="lms.errors"):
                busy = auth.post("/language", {"locale": "uk"}, form_page="/courses/")  # writes the profile
            body = busy.get_data(as_text=True)
            assert busy.status_code == 503 and busy.headers["Retry-After"] == "5"
            # in the language just chosen (the browser's session has it; the profile could not be written)
            assert "Сайт зайнятий, спробуйте ще раз за мить." in body and "locked" not in body
            reference = re.search(r"Код помилки: ([0-9a-f]{12})", body).group(1)
            assert f"error {reference} on POST /language: the database is busy" in caplog.text
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert auth.post("/language", {"locale": "uk"}, form_page="/courses/").status_code == 302
        db.session.expire_all()
        assert db.session.get(User, trainee_id).locale == "uk"
    finally:
        event.remove(db.engine, "connect", short_wait)
        db.session.remove()
        db.engine.dispose()
