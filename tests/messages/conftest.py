"""What the tests of reminders and event messages share: a frozen Monday morning, the scheduler and the delivery
run as the worker would, and the mails read back from the test SMTP server."""
from __future__ import annotations

from datetime import UTC, datetime
from email.header import decode_header, make_header

import pytest

from lms.core import clock
from lms.extensions import db as _db
from lms.jobs import run_pending

# A Monday, five past eight in UTC (10:05 in Kyiv, before summer time): the hourly scan runs at five past.
MONDAY = datetime(2027, 3, 15, 8, 5, tzinfo=UTC)


@pytest.fixture()
def frozen(db, run_jobs):
    """The clock stopped at MONDAY; the test may move it (`frozen(moment)`). The job queue is the tests' (emptied
    after the test: `run_jobs`)."""
    clock.freeze(MONDAY)
    yield clock.freeze
    clock.freeze(None)


def scheduler() -> None:
    """What the worker does at the clock's minute: the periodic jobs due, then the deliveries they queued."""
    _db.session.commit()  # what the test wrote is what the worker reads
    run_pending(periodic=True)


def deliver() -> None:
    """What the worker does with the jobs queued (the deliveries of messages written by a service)."""
    _db.session.commit()
    run_pending()


def subject(message) -> str:
    """A mail's subject, decoded."""
    return str(make_header(decode_header(message["Subject"])))


def text_of(message) -> str:
    """A mail's plain-text part, decoded."""
    for part in message.walk():
        if part.get_content_type() == "text/plain" and not part.get_filename():
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no text part")


def attachments_of(message) -> dict[str, bytes]:
    """The files a mail carries, by name."""
    return {part.get_filename(): part.get_payload(decode=True) for part in message.walk() if part.get_filename()}


def mails_to(server, person) -> list:
    """The mails the test SMTP server received for a person, in order."""
    return [m for m in server.messages if person.email in str(m["To"])]
