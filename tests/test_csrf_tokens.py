"""The CSRF token a page shows is signed once per browser session and process (lms.core.csrf_tokens): the same
session sees the same token on every page, its forms post with it, another session's token is refused, and a
new sign-in brings a new token."""
from __future__ import annotations

import re

import pytest
from flask import g

from lms.core import csrf_tokens
from tests.helpers import csrf_token

pytestmark = pytest.mark.db


def tokens_of(html: str) -> set[str]:
    return set(re.findall(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html))


def test_a_session_sees_one_token_on_every_page_and_posts_with_it(client, auth, world, course, monkeypatch):
    import time
    from itertools import count

    from itsdangerous.timed import TimestampSigner

    auth.login(world["trainee"].email)
    ticks = count(int(time.time()))  # a second passes between any two signatures (they would differ)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: next(ticks))
    first = client.get("/courses/").get_data(as_text=True)
    later = client.get("/courses/sample").get_data(as_text=True)  # the enrol form's own token besides the layout's
    assert len(tokens_of(first)) == 1 and tokens_of(first) == tokens_of(later)
    response = client.post("/courses/sample/enrol", data={"csrf_token": csrf_token(first)})
    assert response.status_code in (302, 303)
    assert "You are enrolled" in client.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True)


def test_another_session_or_a_new_sign_in_has_another_token(app, client, auth, world, course):
    auth.login(world["trainee"].email)
    mine = csrf_token(client.get("/courses/").get_data(as_text=True))
    other = app.test_client()
    theirs = csrf_token(other.get("/courses/").get_data(as_text=True))
    assert theirs != mine
    refused = other.post("/low-data", data={"csrf_token": mine, "mode": "on", "next": "/courses/"})
    assert refused.status_code == 400
    auth.logout()
    auth.login(world["trainee"].email)
    assert csrf_token(client.get("/courses/").get_data(as_text=True)) != mine


def test_with_a_time_limit_every_request_signs_afresh(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_TIME_LIMIT", 3600)
    kept = dict(csrf_tokens._kept)
    signed = []
    monkeypatch.setattr(csrf_tokens, "generate_csrf", lambda: signed.append(1) or "signed")
    with app.test_request_context("/"):
        assert csrf_tokens.csrf_token() == "signed"
        g.pop("csrf_token", None)
        assert csrf_tokens.csrf_token() == "signed"
    assert len(signed) == 2 and csrf_tokens._kept == kept


def test_the_kept_tokens_are_bounded(app, monkeypatch):
    monkeypatch.setattr(csrf_tokens, "KEPT_MAX", 3)
    monkeypatch.setattr(csrf_tokens, "_kept", {})
    for _ in range(7):
        with app.test_request_context("/"):
            csrf_tokens.csrf_token()
    assert 1 <= len(csrf_tokens._kept) <= 3
