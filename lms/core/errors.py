"""Error pages: a clear message for every error a user can meet, never a stack trace.

Requests under a path given to `init_errors` (the JSON API's) get their errors from that path's own
function instead of a page, whatever raised them: the routing (an unknown address, a method not taken),
the size of the request, a limit, or a fault of the code.

A fault (500) and a database that does not answer or is busy (503, with Retry-After) get a page made
without the database: no account is read and nothing is asked (`fault_page`), so it shows during an
outage, in the language the person's session or browser asks for, with a short reference that is also
in the log line of the failure. Other error pages have the site's frame, and fall back to the same bare
page when the database fails while they are made.
"""
from __future__ import annotations

import logging
import secrets
from collections.abc import Callable

from flask import current_app, jsonify, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable, default_exceptions

from lms.core import too_large
from lms.core.db import database_fault, describe, rollback_quietly
from lms.core.i18n import locale_without_database
from lms.extensions import db

log = logging.getLogger("lms.errors")

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back and check what you entered.")),
    403: (_l("Access denied"), _l("You do not have permission to open this page.")),
    404: (_l("Page not found"), _l("There is nothing at this address. Check the link, or start again from the home page.")),
    405: (_l("Not allowed"), _l("This page cannot be used that way.")),
    410: (_l("No longer here"), _l("What was at this address has been removed for good.")),
    413: (_l("File too large"), _l("The file you sent is larger than this site accepts. Send a smaller file.")),
    429: (_l("Too many requests"), _l("You have made too many requests. Wait a moment and try again.")),
    500: (_l("Something went wrong"), _l("An unexpected error occurred and was logged. Nothing you saved before it is lost. Try again in a moment.")),
    503: (_l("Temporarily unavailable"), _l("The site cannot reach its database at the moment. What you saved before "
                                            "is kept. Try again in a few minutes.")),
}
# The page of a database that is busy (a lock held past the wait, a statement that lost to another).
BUSY = (_l("The site is busy"),
        _l("The site is busy, try again in a moment. If you were sending a form, send it again."))
# Seconds a browser or client is told to wait (Retry-After) after each kind of database failure.
RETRY_AFTER = {"busy": 5, "unavailable": 30}


def fault_page(code: int, title, message, detail=None, error_id: str | None = None):
    """An error page that needs no database: the site's stylesheet and name around the message, no menu
    (the menu depends on the account), in `locale_without_database()`. Rendered from the template itself,
    without the context processors (Flask-Login's would load the account), and never cached."""
    locale = locale_without_database()
    with force_locale(locale):
        body = current_app.jinja_env.get_template("errors/fault.html").render(
            code=code, title=str(title), message=str(message), detail=detail and str(detail), error_id=error_id,
            locale=locale, stylesheet_url=url_for("static", filename="css/site.css"),
            icon_url=url_for("static", filename="favicon.svg"), home_url=url_for("main.home"))
    response = current_app.response_class(body, code, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def render_error(code: int, detail: str | None = None, error_id: str | None = None):
    """The error page for `code`, with an optional explanation of what was wrong: in the site's frame, or
    the bare `fault_page` when the database fails while the frame is made (the account cannot be read)."""
    title, message = MESSAGES.get(code, MESSAGES[500])
    if code == 503 and detail:
        # A 503 that says why (every password-hashing thread taken): the site is busy, its database is fine.
        title, message = BUSY
    try:
        page = render_template("errors/error.html", code=code, title=title, message=message, detail=detail,
                               error_id=error_id)
    except Exception as error:
        if database_fault(error) is None:
            raise
        rollback_quietly(db.session)
        return fault_page(code, title, message, detail, error_id)
    return page, code


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
        if request.accept_mimetypes.best == "application/json":
            # A page's script sending in the background (answers queued through an outage): it fetches a fresh
            # token and sends again, or holds its work until the person signs in.
            return jsonify(saved=False, csrf=True, message=str(_l(
                "The form had expired or was sent from elsewhere. Reload the page and send it again."))), 400
        return render_error(
            400, _l("The form had expired or was sent from elsewhere. Reload the page and send it again.")
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        original = getattr(error, "original_exception", None)
        if error.code == 500 and original is not None:
            return unexpected(original)  # raised after the view (by an after_request step): still a fault
        answer = answer_elsewhere()
        if answer is not None:
            return answer(error, None)
        if error.code == 413:
            back = too_large.back_to_form()  # a page's form: back to it with a message, not this page
            if back is not None:
                return back
        if error.code not in MESSAGES:
            return error
        detail = getattr(error, "user_message", None)
        if error.code == 429 and getattr(error, "description", None):
            detail = error.description  # the limit's own message
        resp = app.make_response(render_error(error.code, detail))
        headers = dict(error.get_headers())
        if headers.get("Retry-After"):
            resp.headers["Retry-After"] = headers["Retry-After"]
        if error.code == 405:
            resp.headers["Allow"] = headers.get("Allow", "")
        return resp

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        error_id = secrets.token_hex(6)
        fault = database_fault(error)
        rollback_quietly(db.session)
        if fault == "busy":
            log.warning("error %s on %s %s: the database is busy (%s)", error_id, request.method, request.path,
                        describe(error), extra={"reference": error_id, "status": 503})
        elif fault == "unavailable":
            log.error("error %s on %s %s: the database does not answer (%s)", error_id, request.method,
                      request.path, describe(error), extra={"reference": error_id, "status": 503})
        else:
            # The reference and the status are fields of their own in JSON log lines (lms.core.logs).
            log.exception("error %s on %s %s", error_id, request.method, request.path,
                          extra={"reference": error_id, "status": 500})
        answer = answer_elsewhere()
        if answer is not None:
            return answer(ServiceUnavailable(retry_after=RETRY_AFTER[fault]) if fault else InternalServerError(),
                          error_id)
        if fault is None:
            return fault_page(500, *MESSAGES[500], error_id=error_id)
        response = fault_page(503, *(BUSY if fault == "busy" else MESSAGES[503]), error_id=error_id)
        response.headers["Retry-After"] = str(RETRY_AFTER[fault])
        return response
