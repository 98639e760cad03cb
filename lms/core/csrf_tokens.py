"""The CSRF token that pages show, signed once per browser session and process instead of on every page.

Flask-WTF keeps a random token in the session and signs it (an HMAC, with a timestamp) the first time a
request renders a form. Every page renders forms: the layout's language and low-data switches, and the
sign-out button. With `WTF_CSRF_TIME_LIMIT` unset (config.py ties the token to the session, so that a long
lesson never expires a form), the timestamp is never checked. So every token signed for the same session
token and secret is accepted alike, and the first one signed in a process can serve the session's later pages.
Signing it took 0.07-0.1 ms of every page on the bench machine (issue 25).

With a time limit configured, nothing is kept: every request signs afresh, as Flask-WTF does.

This module knows no feature.
"""
from __future__ import annotations

from flask import current_app, g, session
from flask_wtf.csrf import generate_csrf

# Signed tokens kept per (secret, session token); emptied when full, so a process never holds more than this.
KEPT_MAX = 10_000
_kept: dict[tuple[str, str], str] = {}


def csrf_token() -> str:
    """The request's signed CSRF token (what templates call `csrf_token()`): the one already signed for this
    session's token in this process when the token never expires, else a freshly signed one (`generate_csrf`)."""
    config = current_app.config
    field = config["WTF_CSRF_FIELD_NAME"]
    if config["WTF_CSRF_TIME_LIMIT"] is not None or field in g:
        return generate_csrf()
    secret = str(config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key)
    raw = session.get(field)
    signed = _kept.get((secret, raw)) if raw else None
    if signed is not None:
        setattr(g, field, signed)  # where Flask-WTF looks first: the forms of the page get the same token
        return signed
    signed = generate_csrf()
    if len(_kept) >= KEPT_MAX:
        _kept.clear()
    _kept[(secret, session[field])] = signed
    return signed
