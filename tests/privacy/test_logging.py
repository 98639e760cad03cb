"""Emails never reach the log: masked on the "lms" loggers and on the root handlers.

tests/conftest.py also records every "lms" log record of the whole run and fails the run if one
holds an email address (see LmsLogRecorder there)."""
from __future__ import annotations

import io
import logging

import pytest

from lms.privacy.logmask import EmailMaskingFilter, mask_emails


@pytest.mark.parametrize(("text", "masked"), [
    ("sign-in of trainee@example.org", "sign-in of t***@example.org"),
    ("Olena.Kovalenko+lms@Border.gov.ua failed", "O***@Border.gov.ua failed"),
    ("two: a.b@x.org, c@y.example.com.", "two: a***@x.org, c***@y.example.com."),
    ("GET /people/?q=trainee%40example.org 200", "GET /people/?q=t***%40example.org 200"),
    ("олена@приклад.укр", "о***@приклад.укр"),
    ("no address here, just @handles and a@b", "no address here, just @handles and a@b"),
    ("t***@example.org", "t***@example.org"),  # already masked: unchanged
])
def test_mask_emails(text, masked):
    assert mask_emails(text) == masked


@pytest.fixture()
def root_output(app):
    """A handler on the root logger, as gunicorn or a server adds, then the app's logging set-up again."""
    from lms import register_logging

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logging.getLogger().addHandler(handler)
    register_logging(app)
    yield stream
    logging.getLogger().removeHandler(handler)


def test_root_handlers_mask_emails_of_any_logger(root_output):
    assert any(isinstance(f, EmailMaskingFilter) for f in logging.getLogger().handlers[-1].filters)
    other = logging.getLogger("privacy-test-server")
    other.setLevel(logging.INFO)
    other.info("request from %s", "officer@example.org")
    assert "o***@example.org" in root_output.getvalue() and "officer@example.org" not in root_output.getvalue()


def test_lms_records_and_their_exceptions_are_masked(root_output):
    log = logging.getLogger("lms.privacy.test")
    log.warning("account %s locked", "Trainee@Example.org")
    try:
        raise ValueError("duplicate key (email)=(trainee@example.org)")
    except ValueError:
        log.exception("could not save")
    written = root_output.getvalue()
    assert "T***@Example.org" in written and "t***@example.org" in written
    assert "Trainee@Example.org" not in written and "(trainee@example.org)" not in written


def test_the_session_recorder_sees_the_log_as_the_application_writes_it(request, app):
    recorder = request.config._lms_log_recorder
    assert recorder in logging.getLogger("lms").handlers
    assert any(isinstance(f, EmailMaskingFilter) for f in recorder.filters)  # put there by register_logging
    before = (recorder.records, list(recorder.leaks))
    logging.getLogger("lms.privacy.test").warning("user %s", "someone@example.org")
    assert recorder.records == before[0] + 1 and recorder.leaks == before[1]
