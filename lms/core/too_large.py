"""A form sent with more than the site accepts at once (LMS_MAX_UPLOAD_MB, Flask's MAX_CONTENT_LENGTH): back to
the form, with a message naming the limit, instead of an error page.

Werkzeug refuses such a request before it reads the body (RequestEntityTooLarge, 413), so nothing the form
carried can be kept: neither the files nor what was typed with them. Raising the limit on the upload routes
to read the fields would only move the limit (something must still cap what a request may make the server
read), so the limit stays one setting, the operator's, and the pages say it ahead: every upload form states
it (`upload_limit_mb`, the hint of `macros.upload_limit`), and with JavaScript the form is checked before it
is sent (`static/js/upload-limit.js`), so that what was typed is never sent in vain.

When a request over the limit comes all the same, a page's form with files (a multipart POST; every upload
form of the platform posts to its own page) is sent back to that page (303, GET) with a flash saying what happened and what was kept: a
view declares it with `@keeps(message)` (the assignment: the draft as last saved). The API keeps its JSON
413 (lms.core.errors answers the API's errors before this), and so does a request that asks for JSON.

The body is read and thrown away first, up to DRAIN_FACTOR times the limit: a browser still sending a body
that the server stopped reading sees a reset connection instead of the answer.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import current_app, flash, redirect, request
from flask_babel import gettext as _

DRAIN_FACTOR = 4
CHUNK = 64 * 1024
MEGABYTE = 1024 * 1024


def limit_bytes() -> int | None:
    """The most a request may carry, in bytes (None: no limit)."""
    return current_app.config.get("MAX_CONTENT_LENGTH")


def upload_limit_mb() -> int | None:
    """The most a request may carry, in whole MB, as forms state it (None: no limit)."""
    limit = limit_bytes()
    return max(1, limit // MEGABYTE) if limit else None


def keeps(message) -> Callable:
    """Declare what the view's page keeps when a request to it is over the limit (a lazy text, said after the
    refusal): the page shows it again, e.g. the draft as last saved."""
    def decorate(view):
        view.too_large_keeps = message
        return view
    return decorate


def _drain(length: int, limit: int) -> None:
    """Read the body, unread so far, and throw it away, up to DRAIN_FACTOR times the limit (a larger one is
    left: the connection is closed on it)."""
    if length > DRAIN_FACTOR * limit:
        return
    stream = request.environ.get("wsgi.input")
    left = length
    try:
        while left > 0:
            chunk = stream.read(min(CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
    except (OSError, ValueError):  # the client went away: nothing to answer
        pass


def back_to_form():
    """The answer to an upload form's request over the limit: a redirect to the page it was sent from with the
    message, or None where there is no such form (not a multipart POST, no GET at that address, JSON asked
    for) or the refusal is another one (a body of unknown length cut off while read, a field over Werkzeug's
    own bounds of a form): the error page then says the request was too large."""
    rule = request.url_rule
    length, limit = request.content_length, limit_bytes()
    if request.method != "POST" or request.mimetype != "multipart/form-data" or rule is None \
            or "GET" not in (rule.methods or ()) or request.accept_mimetypes.best == "application/json" \
            or not length or not limit or length <= limit:
        return None
    _drain(length, limit)
    text = _("What you sent comes to more than %(mb)d MB, the most this site accepts at once, so it could not be "
             "read: nothing of it was kept, neither the files nor what you typed with them. Send smaller files, "
             "or fewer at once.", mb=upload_limit_mb())
    view = current_app.view_functions.get(request.endpoint)
    kept = getattr(view, "too_large_keeps", None)
    flash(f"{text} {kept}" if kept else text, "error")
    return redirect(request.full_path if request.query_string else request.path, 303)
