"""Error pages: a clear message for every error a user can meet, never a stack trace.

Requests under a path given to `init_errors` (the JSON API's) get their errors from that path's own
function instead of a page, whatever raised them: the routing (an unknown address, a method not taken),
the size of the request, a limit, or a fault of the code.
"""
from __future__ import annotations

import logging
import secrets
from collections.abc import Callable

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, default_exceptions

from lms.extensions import db

log = logging.getLogger("lms.errors")

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back and check what you entered.")),
    403: (_l("Access denied"), _l("You do not have permission to open this page.")),
    404: (_l("Page not found"), _l("There is nothing at this address. Check the link, or start again from the home page.")),
    405: (_l("Not allowed"), _l("This page cannot be used that way.")),
    413: (_l("File too large"), _l("The file you sent is larger than this site accepts. Send a smaller file.")),
    429: (_l("Too many requests"), _l("You have made too many requests. Wait a moment and try again.")),
    500: (_l("Something went wrong"), _l("An unexpected error occurred and was logged. Nothing you saved before it is lost. Try again in a moment.")),
}


def render_error(code: int, detail: str | None = None, error_id: str | None = None):
    """The error page for `code`, with an optional explanation of what was wrong."""
    title, message = MESSAGES.get(code, MESSAGES[500])
    return (
        render_template("errors/error.html", code=code, title=title, message=message, detail=detail, error_id=error_id),
        code,
    )


def reject(code: int, message) -> None:
    """Abort with an error page that says what was wrong."""
    error = default_exceptions[code]()
    error.user_message = message
    raise error


def reject_nul_characters() -> None:
    """No input may contain NUL: PostgreSQL cannot store it, and no person types it."""
    for values in (request.args, request.form):
        for items in values.listvalues():
            if any("\x00" in item for item in items):
                reject(400, _l("Your input contains a character that is not allowed (NUL). Remove it and try again."))


# answer(error, error_id): the response to an HTTP error (`error_id` names the logged one of a fault).
ErrorAnswer = Callable[[HTTPException, str | None], object]


def init_errors(app, elsewhere: dict[str, ErrorAnswer] | None = None) -> None:
    """Register the handlers. `elsewhere` maps a path prefix (such as "/api/v1") to the function that
    answers the errors of the requests under it instead of the error pages."""
    app.before_request(reject_nul_characters)
    prefixes = dict(elsewhere or {})

    def answer_elsewhere() -> ErrorAnswer | None:
        path = request.path
        return next((answer for prefix, answer in prefixes.items()
                     if path == prefix or path.startswith(prefix.rstrip("/") + "/")), None)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(
            400, _l("The form had expired or was sent from elsewhere. Reload the page and send it again.")
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        answer = answer_elsewhere()
        if answer is not None:
            return answer(error, None)
        if error.code not in MESSAGES:
            return error
        detail = getattr(error, "user_message", None)
        if error.code == 429 and getattr(error, "description", None):
            detail = error.description  # the limit's own message
        response, code = render_error(error.code, detail)
        headers = error.get_headers()
        retry_after = dict(headers).get("Retry-After")
        resp = app.make_response((response, code))
        if retry_after:
            resp.headers["Retry-After"] = retry_after
        if error.code == 405:
            resp.headers["Allow"] = dict(headers).get("Allow", "")
        return resp

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        error_id = secrets.token_hex(6)
        # The reference and the status are fields of their own in JSON log lines (lms.core.logs).
        log.exception("error %s on %s %s", error_id, request.method, request.path,
                      extra={"reference": error_id, "status": 500})
        db.session.rollback()
        answer = answer_elsewhere()
        if answer is not None:
            return answer(InternalServerError(), error_id)
        return render_error(500, error_id=error_id)
