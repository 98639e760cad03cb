"""Security headers sent with every response."""
from __future__ import annotations

from functools import wraps

from flask import current_app, g, make_response, request, session

# No inline script or style anywhere: everything comes from our own static files. The web app's manifest and
# the service worker (courses kept on the device) come from our own origin too.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; manifest-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def apply_security_headers(response):
    """Add CSP, nosniff, referrer and framing rules; HSTS in production; no-store when signed in."""
    headers = response.headers
    if current_app.config.get("CSP_ENABLED", True):
        headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if current_app.config["ENV"] == "production":
        headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
    # Pages for a signed-in user may show personal data: never keep them in a shared cache.
    if not request.path.startswith("/static/") and "Cache-Control" not in headers and _signed_in():
        headers["Cache-Control"] = "no-store"
    return response


def _signed_in() -> bool:
    """Whether the request is a signed-in person's, from what is already known: the user Flask-Login loaded
    for the request (`g._login_user`), else the session's sign-in. Asking `current_user.is_authenticated`
    instead would load the account for a page that never needed it, and for Flask-Login's UserMixin it reads
    the `active` column, which the request's commits expire: one more read of the account per page."""
    user = g.get("_login_user")
    if user is not None:
        return not user.is_anonymous  # a constant of the class (UserMixin, AnonymousUserMixin): no query
    # Nothing asked for the user: a session carrying a sign-in gets no-store all the same (no harm done if it
    # turns out to have ended), one without gets the public page's headers.
    return "_user_id" in session


def no_store(view):
    """View decorator: the response is never kept in any cache, even for visitors who are not signed in
    (public pages that show personal data, such as certificate verification)."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        response = make_response(view(*args, **kwargs))
        response.headers["Cache-Control"] = "no-store"
        return response

    return wrapped
