"""Log lines as machines read them, and the id that ties a request's lines together.

With LMS_LOG_FORMAT=json every line the platform writes is one JSON object (`JsonFormatter`):

    {"time": "2025-03-30T07:12:03.481Z", "level": "ERROR", "logger": "lms.errors", "message": "...",
     "request_id": "4f1c...", "endpoint": "quizzes.confirm", "status": 500, "reference": "9b2e0c61d5aa",
     "exception": "Traceback ..."}

`request_id` and `endpoint` come from the request being served, when there is one; `status` and
`reference` (the error reference shown on the error page) from the record's `extra`, when the caller
knows them. The message and the exception are the record's as the email-masking filter left them
(lms.privacy.logmask rewrites records before any formatter sees them): the exception text is the
record's `exc_text`, never formatted again from `exc_info`, which would bring the unmasked text back.

Every request gets an id (`init_request_ids`): a new one, or the `X-Request-Id` the reverse proxy sent
when LMS_TRUSTED_PROXIES says there is one (a client's own header is not believed). The response
carries it back in `X-Request-Id`, so a person can quote it and an operator can find the lines.
"""
from __future__ import annotations

import json
import logging
import re
import uuid
from datetime import UTC, datetime

from flask import Flask, current_app, g, has_request_context, request

# What a proxy's request id may look like (nginx's $request_id is 32 hex digits; UUIDs have dashes): anything
# else is replaced, so that no header can write into the log what it likes.
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# Attributes a record may carry through `extra=` that JSON lines show.
EXTRA_FIELDS = ("status", "reference")


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line (newlines in messages are escaped, not written)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            # Log lines are for machines: UTC to the millisecond, not a person's zone (lms.core.when).
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
                    .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            request_id = g.get("request_id")
            if request_id:
                entry["request_id"] = request_id
            if request.endpoint:
                entry["endpoint"] = request.endpoint
        for name in EXTRA_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def formatter(kind: str) -> logging.Formatter:
    """The formatter of LMS_LOG_FORMAT's `kind`: "json", else the readable text line."""
    return JsonFormatter() if kind == "json" else logging.Formatter(TEXT_FORMAT)


def assign_request_id() -> None:
    """Give the request its id: the trusted proxy's, or a new one."""
    given = request.headers.get("X-Request-Id", "") if current_app.config["TRUSTED_PROXIES"] else ""
    g.request_id = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def send_request_id(response):
    """Return the request's id in the `X-Request-Id` header."""
    request_id = g.get("request_id")
    if request_id:
        response.headers["X-Request-Id"] = request_id
    return response


def init_request_ids(app: Flask) -> None:
    """Number every request (call before the other request hooks are registered, so that the lines they
    log carry the id too)."""
    app.before_request(assign_request_id)
    app.after_request(send_request_id)
