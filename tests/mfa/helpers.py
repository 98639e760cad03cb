"""Helpers of the second-factor tests: enrol an authenticator app through its page, make its codes."""
from __future__ import annotations

import re
from datetime import timedelta

import pyotp

from lms.core import clock
from tests.helpers import PASSWORD, Auth, csrf_token


def key_on_page(html: str) -> str:
    """The app's key as the set-up page shows it (in groups of four)."""
    return re.search(r"data-secret-key>([A-Z2-7 ]+)<", html).group(1).replace(" ", "")


def code(secret: str, later: int = 0) -> str:
    """The app's code now (on the app's clock), or `later` steps of 30 seconds on."""
    return pyotp.TOTP(secret).at(clock.now() + timedelta(seconds=30 * later))


def codes_on_page(html: str) -> list[str]:
    """The recovery codes a page shows."""
    return re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", html)


def enrol_app(client, name: str = "Work phone") -> tuple[str, list[str]]:
    """Set up an authenticator app for the signed-in person; (its secret, the recovery codes shown)."""
    page = client.get("/profile/second-factor/app").get_data(as_text=True)
    secret = key_on_page(page)
    response = client.post("/profile/second-factor/app", data={
        "csrf_token": csrf_token(page), "code": code(secret), "name": name})
    assert response.status_code == 200, response.status_code
    return secret, codes_on_page(response.get_data(as_text=True))


def second_step(client, field: str, value: str, follow: bool = True):
    """Post a code (field "code" or "recovery_code") on the sign-in's second step."""
    page = client.get("/login/second-factor").get_data(as_text=True)
    return client.post("/login/second-factor", data={"csrf_token": csrf_token(page), field: value},
                       follow_redirects=follow)


def sign_in_with_code(client, email: str, secret: str, later: int = 1):
    """Sign in with the password and a code of the app (`later` steps on, so it was never used)."""
    Auth(client).login(email, PASSWORD)
    return second_step(client, "code", code(secret, later))
