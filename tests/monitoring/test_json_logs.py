"""LMS_LOG_FORMAT=json: every line one JSON object with the request's id, endpoint, status and error reference,
emails masked as in text lines; and the request id itself (X-Request-Id)."""
from __future__ import annotations

import io
import json
import logging
import re
import sys
from datetime import UTC, datetime, timedelta

import pytest
from flask import g

import lms.main.views
from lms import LOG_HANDLER, register_logging


@pytest.fixture()
def log_output(app, monkeypatch):
    """The app's logging set up as in a fresh process with LMS_LOG_FORMAT=json, writing into a buffer: the "lms"
    logger without handlers (the test session's recorder set aside), stderr replaced."""
    buffer = io.StringIO()
    logger = logging.getLogger("lms")
    monkeypatch.setattr(logger, "handlers", [])
    monkeypatch.setattr(sys, "stderr", buffer)
    monkeypatch.setitem(app.config, "LOG_FORMAT", "json")
    register_logging(app)
    assert [h.name for h in logger.handlers] == [LOG_HANDLER]
    yield buffer
    monkeypatch.undo()
    register_logging(app)  # as the session's app had it: text, Python's last resort as it was


def lines(buffer: io.StringIO) -> list[dict]:
    written = [line for line in buffer.getvalue().splitlines() if line.strip()]
    return [json.loads(line) for line in written]  # every line is one JSON object, or this fails


@pytest.mark.db
def test_an_error_is_one_json_line_with_its_request_reference_and_masked_emails(client, log_output, monkeypatch):
    def broken():
        raise RuntimeError("no course list for officer.kovalenko@border.example.org")

    monkeypatch.setattr(lms.main.views, "published_courses", broken)
    response = client.get("/")
    assert response.status_code == 500
    reference = re.search(r"Error reference: ([0-9a-f]{12})", response.get_data(as_text=True)).group(1)

    [entry] = [e for e in lines(log_output) if e["logger"] == "lms.errors"]
    assert entry["level"] == "ERROR"
    assert entry["message"] == f"error {reference} on GET /"
    assert entry["reference"] == reference and entry["status"] == 500
    assert entry["request_id"] == response.headers["X-Request-Id"]
    assert entry["endpoint"] == "main.home"
    assert "RuntimeError: no course list for o***@border.example.org" in entry["exception"]
    assert "kovalenko" not in log_output.getvalue()
    moment = datetime.fromisoformat(entry["time"].replace("Z", "+00:00"))
    assert entry["time"].endswith("Z") and abs(datetime.now(UTC) - moment) < timedelta(minutes=1)


def test_an_email_in_a_message_is_masked_and_the_line_names_its_request(app, log_output):
    with app.test_request_context("/courses/"):
        app.preprocess_request()  # the request hooks: its id
        logging.getLogger("lms.test").warning("sign-in refused for %s\nforged: line", "Olena.K@Example.org")
        request_id = g.request_id
    logging.getLogger("lms.test").info("outside any request, for trainee%40example.org")
    first, second = lines(log_output)
    assert first["message"] == "sign-in refused for O***@Example.org\nforged: line"  # one line: \n escaped
    assert first["request_id"] == request_id and first["endpoint"] == "catalog.index"
    assert set(first) == {"time", "level", "logger", "message", "request_id", "endpoint"}
    assert second == {"time": second["time"], "level": "INFO", "logger": "lms.test",
                      "message": "outside any request, for t***%40example.org"}


def test_a_library_line_no_handler_takes_is_a_json_line_too(app, log_output, monkeypatch):
    # As under gunicorn: no handler on the root logger, so Python's handler of last resort writes to stderr
    # (read when it writes: pytest swaps sys.stderr between a test's phases, so it is replaced here).
    monkeypatch.setattr(logging.getLogger(), "handlers", [])
    monkeypatch.setattr(sys, "stderr", log_output)
    logging.getLogger("some.library").error("it failed for trainee@example.org")
    [entry] = lines(log_output)
    assert (entry["logger"], entry["level"], entry["message"]) == ("some.library", "ERROR", "it failed for t***@example.org")


def test_text_lines_stay_as_they_were(app, monkeypatch):
    buffer = io.StringIO()
    logger = logging.getLogger("lms")
    monkeypatch.setattr(logger, "handlers", [])
    monkeypatch.setattr(sys, "stderr", buffer)
    register_logging(app)  # LOG_FORMAT is "text" by default
    logging.getLogger("lms.test").warning("account %s locked", "trainee@example.org")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} WARNING lms.test: account t\*\*\*@example.org locked\n",
                        buffer.getvalue())


# --- the request id ----------------------------------------------------------------------------------------------

@pytest.mark.db
def test_every_response_carries_a_new_request_id(client):
    ids = [client.get(path).headers["X-Request-Id"] for path in ("/", "/", "/nothing-here", "/healthz")]
    assert len(set(ids)) == 4 and all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)


@pytest.mark.db
def test_the_proxys_request_id_is_kept_only_behind_a_trusted_proxy(app, client, monkeypatch):
    sent = {"X-Request-Id": "nginx-7f3a9c0e1b2d4f6a"}
    assert client.get("/healthz", headers=sent).headers["X-Request-Id"] != sent["X-Request-Id"]  # anyone's header
    monkeypatch.setitem(app.config, "TRUSTED_PROXIES", 1)
    assert client.get("/healthz", headers=sent).headers["X-Request-Id"] == sent["X-Request-Id"]
    for forged in ("two words", "x" * 129, '{"json": 1}', "<script>", "ü-umlaut"):
        answered = client.get("/healthz", headers={"X-Request-Id": forged}).headers["X-Request-Id"]
        assert re.fullmatch(r"[0-9a-f]{32}", answered), forged
