"""A class signing in at once queues at the hashing gate instead of starving the pages (lms.core.security).

The hashes are made slow by the test (each waits until the test lets it go), so who waits and who is
refused is decided by the gate's bounds, not by the speed of the machine.
"""
from __future__ import annotations

import threading
import time

import pytest

from lms.core import security
from tests.helpers import PASSWORD, csrf_token

pytestmark = pytest.mark.db

BUSY = "Many people are signing in right now. Try again in a few seconds."


class SlowHashing:
    """Every password check waits at a barrier the test opens; `started` counts the checks under way."""

    def __init__(self, monkeypatch):
        self.go = threading.Event()
        self.started = threading.Semaphore(0)
        real = security._verify

        def slow(*args):
            self.started.release()
            self.go.wait(timeout=120)
            return real(*args)

        monkeypatch.setattr(security, "_verify", slow)


def _sign_in_form(app):
    """A browser of its own with the sign-in form open: (client, its CSRF token)."""
    browser = app.test_client()
    return browser, csrf_token(browser.get("/login").get_data(as_text=True))


def _send(browser, token, email, answers, key):
    answers[key] = browser.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})


def _until(condition, what):
    deadline = time.monotonic() + 60  # a wait for the other thread, not a timing
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


@pytest.fixture()
def gate(app, monkeypatch):
    """One hash at a time, one more waiting."""
    monkeypatch.setitem(app.config, "PASSWORD_HASHES_AT_ONCE", 1)
    monkeypatch.setitem(app.config, "PASSWORD_HASH_QUEUE", 1)
    monkeypatch.setitem(app.config, "PASSWORD_HASH_WAIT_SECONDS", 120)
    # One failure would make the next attempt wait: a refused sign-in that counted would show.
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT", "1 per 10 minutes")


def test_a_storm_waits_its_turn_past_the_bound_is_asked_to_retry_and_pages_go_on(app, client, auth, world,
                                                                                  gate, monkeypatch):
    auth.login(world["other_trainee"].email)  # someone already signed in, reading a page meanwhile
    slow = SlowHashing(monkeypatch)
    answers, threads = {}, []
    for key in ("trainee", "instructor"):
        browser, token = _sign_in_form(app)
        threads.append(threading.Thread(target=_send, args=(browser, token, world[key].email, answers, key)))
    threads[0].start()
    assert slow.started.acquire(timeout=60), "the first sign-in never started hashing"
    threads[1].start()  # the second waits for the only hashing thread
    _until(lambda: security.gate_state()["taken"] == 2, "the second sign-in never joined the queue")
    assert "trainee" not in answers and "instructor" not in answers

    browser, token = _sign_in_form(app)  # the third finds the gate full
    refused = browser.post("/login", data={"email": world["coordinator"].email, "password": PASSWORD,
                                           "csrf_token": token})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "5"
    assert BUSY in page and f'value="{world["coordinator"].email}"' in page  # the form kept, email in it

    other = client.get("/")  # another page is served while the sign-ins wait
    assert other.status_code == 200 and f"Welcome, {world['other_trainee'].name}" in other.get_data(as_text=True)

    slow.go.set()
    for thread in threads:
        thread.join(timeout=60)
    assert answers["trainee"].headers["Location"] == "/" and answers["instructor"].headers["Location"] == "/"
    # The refused attempt counted for nothing: the account signs in at once, not after a delay.
    browser, token = _sign_in_form(app)
    assert browser.post("/login", data={"email": world["coordinator"].email, "password": PASSWORD,
                                        "csrf_token": token}).headers["Location"] == "/"


def test_a_sign_in_that_waited_past_the_bound_is_asked_to_retry(app, client, world, gate, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_HASH_WAIT_SECONDS", 0)
    slow = SlowHashing(monkeypatch)
    answers = {}
    browser, token = _sign_in_form(app)
    first = threading.Thread(target=_send, args=(browser, token, world["trainee"].email, answers, "trainee"))
    first.start()
    try:
        assert slow.started.acquire(timeout=60), "the first sign-in never started hashing"
        browser, token = _sign_in_form(app)
        waited = browser.post("/login", data={"email": world["instructor"].email, "password": PASSWORD,
                                              "csrf_token": token})
        assert waited.status_code == 503 and BUSY in waited.get_data(as_text=True)
        assert f'value="{world["instructor"].email}"' in waited.get_data(as_text=True)
    finally:
        slow.go.set()
        first.join(timeout=60)
    assert answers["trainee"].headers["Location"] == "/"


def test_a_page_refused_by_the_gate_says_the_site_is_busy_not_that_its_database_is_gone(app):
    """Pages other than sign-in that hash (a set-password link, an enrolment key) answer the full gate with the
    generic 503 page: it must say the site is busy and why, not blame the database."""
    from lms.core.errors import render_error

    with app.test_request_context("/set-password/x"):
        page, code = render_error(503, str(security.HashingBusy.user_message))
    assert code == 503
    assert "The site is busy" in page and BUSY in page
    assert "database" not in page
