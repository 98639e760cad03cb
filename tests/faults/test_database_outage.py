"""A database that stops answering, for real: the pages answer 503 with an error reference (also in the log)
and no stack trace, in the person's language, /healthz and /readyz answer 503 in JSON, and once the database
is back the same running server serves pages again.

PostgreSQL: a throw-away instance of the test's own (tests/faults/servers.py), stopped with
`pg_ctl stop -m immediate` (a crash, as far as the connections can tell) under gunicorn. SQLite: the
database file unreadable (a folder in its place), then back. A database that accepts the connection and
never answers (a host that hangs) gives the same 503 after LMS_DATABASE_CONNECT_TIMEOUT_SECONDS.
"""
from __future__ import annotations

import re
import socket
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.faults.servers import Gunicorn, Postgres, set_up_site, sign_in_answer, signed_in, site_env

pytestmark = pytest.mark.faults

REFERENCE = re.compile(r"Error reference: ([0-9a-f]{12})|Код помилки: ([0-9a-f]{12})")


def reference_of(answer: requests.Response) -> str:
    """The error reference the page shows (and the log must name)."""
    found = REFERENCE.search(answer.text)
    assert found, answer.text
    return found.group(1) or found.group(2)


def assert_unavailable_page(answer: requests.Response, language: str) -> str:
    """A 503 page in `language` with a reference, a Retry-After and nothing of the failure; returns the
    reference."""
    assert answer.status_code == 503, answer.text[-1000:]
    assert answer.headers["Retry-After"].isdigit() and answer.headers["Cache-Control"] == "no-store"
    assert f'<html lang="{language}">' in answer.text
    title = "Тимчасово недоступно" if language == "uk" else "Temporarily unavailable"
    assert title in answer.text
    for leak in ("Traceback", "OperationalError", "psycopg", "sqlite3", "SELECT", "connection"):
        assert leak not in answer.text
    return reference_of(answer)


def assert_health(base: str, code: int, database: str, redis: str = "not used") -> None:
    health = requests.get(base + "/healthz", timeout=30)
    assert (health.status_code, health.json()) == (code, {"database": database,
                                                          "status": "ok" if code == 200 else "error"})
    ready = requests.get(base + "/readyz", timeout=30)
    assert (ready.status_code, ready.json()) == (code, {"database": database, "redis": redis,
                                                        "status": "ok" if code == 200 else "error"})


def assert_logged(server: Gunicorn, references: list[str]) -> None:
    """Each reference is in an "error <reference> on ..." line of the log, and no request fell through to
    gunicorn's own bare error page."""
    log = server.log.read_text()
    for reference in references:
        assert re.search(rf"error {reference} on (GET|POST) /\S*: the database", log), log[-3000:]
    assert "Error handling request" not in log and "Traceback" not in log, log[-3000:]


@pytest.fixture()
def postgres():
    server = Postgres()
    try:
        server.start()
        yield server
    finally:
        server.remove()


def test_postgresql_stopped_and_started_again(postgres, tmp_path):
    env = site_env(tmp_path, postgres.url)
    set_up_site(env)
    server = Gunicorn(env, tmp_path, workers=1, threads=4)
    try:
        browser = signed_in(server.base)
        # Several connections in the pool, each of which dies with the server.
        with ThreadPoolExecutor(4) as pool:
            assert set(pool.map(lambda _: requests.get(server.base + "/", timeout=10).status_code, range(8))) == {200}
        assert_health(server.base, 200, "ok")

        # Restarted between two requests: the pool's connections are dead, the server is back. The health
        # check does not blame the database for the pool's dead connection, and pages work.
        postgres.stop("immediate")
        postgres.start()
        assert_health(server.base, 200, "ok")
        assert browser.get(server.base + "/profile", timeout=10).status_code == 200
        with ThreadPoolExecutor(4) as pool:
            assert set(pool.map(lambda _: requests.get(server.base + "/", timeout=10).status_code, range(8))) == {200}

        # Stopped: every page answers 503, and so do the health checks.
        postgres.stop("immediate")
        references = [
            # the signed-in person reads their own language, kept in their session, not their browser's
            assert_unavailable_page(browser.get(server.base + "/profile", timeout=30), "uk"),
            assert_unavailable_page(browser.get(server.base + "/courses/", timeout=30), "uk"),
            # a visitor reads their browser's language
            assert_unavailable_page(requests.get(server.base + "/", headers={"Accept-Language": "uk"},
                                                 timeout=30), "uk"),
            assert_unavailable_page(requests.get(server.base + "/", headers={"Accept-Language": "en"},
                                                 timeout=30), "en"),
        ]
        assert requests.get(server.base + "/static/css/site.css", timeout=10).status_code == 200  # the page's style
        assert_health(server.base, 503, "unreachable")
        assert len(set(references)) == len(references)
        assert_logged(server, references)

        # Started again: the same server serves pages, on new connections.
        postgres.start()
        assert_health(server.base, 200, "ok")
        assert browser.get(server.base + "/profile", timeout=10).status_code == 200  # still signed in
        with ThreadPoolExecutor(4) as pool:
            assert set(pool.map(lambda _: requests.get(server.base + "/", timeout=10).status_code, range(8))) == {200}
    finally:
        server.stop()


def test_sqlite_file_unreadable_then_back_then_locked(tmp_path):
    database = tmp_path / "site.sqlite3"
    env = site_env(tmp_path, f"sqlite:///{database}", LMS_SQLITE_BUSY_TIMEOUT_SECONDS="1")
    set_up_site(env)
    kept = tmp_path / "kept"
    kept.mkdir()
    for path in tmp_path.glob("site.sqlite3*"):
        path.rename(kept / path.name)
    database.mkdir()  # a folder where the file should be: SQLite cannot open it
    server = Gunicorn(env, tmp_path, workers=1, threads=2)
    try:
        references = [
            assert_unavailable_page(requests.get(server.base + "/", headers={"Accept-Language": "uk"},
                                                 timeout=30), "uk"),
            assert_unavailable_page(requests.get(server.base + "/courses/", timeout=30), "en"),
        ]
        assert_health(server.base, 503, "unreachable")
        assert_logged(server, references)

        database.rmdir()
        for path in kept.iterdir():
            path.rename(tmp_path / path.name)
        assert_health(server.base, 200, "ok")
        assert signed_in(server.base).get(server.base + "/profile", timeout=10).status_code == 200

        # Another process holds the write lock past LMS_SQLITE_BUSY_TIMEOUT_SECONDS: a sign-in (which writes
        # its session) gets the busy page; pages that only read go on; the lock gone, signing in works.
        holder = sqlite3.connect(database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            started = time.monotonic()
            busy = sign_in_answer(server.base)
            assert time.monotonic() - started < 8  # the setting's second, not the default's ten
            assert busy.status_code == 503 and busy.headers["Retry-After"] == "5"
            assert "The site is busy, try again in a moment." in busy.text
            assert requests.get(server.base + "/", timeout=10).status_code == 200
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert_logged(server, [reference_of(busy)])
        assert signed_in(server.base).get(server.base + "/profile", timeout=10).status_code == 200
    finally:
        server.stop()


def test_a_database_that_never_answers_gives_up_after_the_connect_timeout(tmp_path):
    """A PostgreSQL host that takes the connection and then says nothing (hung, or a firewall that drops
    the packets): the health check and the pages answer 503 after LMS_DATABASE_CONNECT_TIMEOUT_SECONDS
    instead of holding the worker until gunicorn kills it."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)
    taken: list[socket.socket] = []
    stop = threading.Event()

    def accept_and_say_nothing():
        silent.settimeout(0.2)
        while not stop.is_set():
            try:
                taken.append(silent.accept()[0])
            except OSError:
                continue

    listener = threading.Thread(target=accept_and_say_nothing, daemon=True)
    listener.start()
    port = silent.getsockname()[1]
    env = site_env(tmp_path, f"postgresql://lms@127.0.0.1:{port}/lms", LMS_DATABASE_CONNECT_TIMEOUT_SECONDS="2")
    server = Gunicorn(env, tmp_path, workers=1, threads=2)
    try:
        started = time.monotonic()
        health = requests.get(server.base + "/healthz", timeout=30)
        assert (health.status_code, health.json()["database"]) == (503, "unreachable")
        assert time.monotonic() - started < 10  # not the 60 seconds of gunicorn's timeout
        assert_unavailable_page(requests.get(server.base + "/", timeout=30), "en")
    finally:
        server.stop()
        stop.set()
        listener.join(5)
        for connection in taken:
            connection.close()
        silent.close()

