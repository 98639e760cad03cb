"""Security headers sent with every response."""
from __future__ import annotations

from functools import wraps

from flask import current_app, make_response, request
from flask_login import current_user

# No inline script or style anywhere: everything comes from our own static files.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
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
    if (not request.path.startswith("/static/") and "Cache-Control" not in headers
            and current_user and current_user.is_authenticated):
        headers["Cache-Control"] = "no-store"
    return response


def no_store(view):
    """View decorator: the response is never kept in any cache, even for visitors who are not signed in
    (public pages that show personal data, such as certificate verification)."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        response = make_response(view(*args, **kwargs))
        response.headers["Cache-Control"] = "no-store"
        return response

    return wrapped
