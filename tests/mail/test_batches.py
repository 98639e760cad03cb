"""Many messages go out in batches, one SMTP connection per delivery job (lms.mail.delivery.deliver_many): a
message the server refuses waits for its retry while the others go; a connection that drops puts back what
was not sent; nothing is sent twice."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.core import clock
from lms.extensions import db as _db
from lms.jobs.queue import huey
from lms.mail import services
from lms.mail.models import OutboxMessage
from tests.helpers import make_user

pytestmark = pytest.mark.db


@pytest.fixture()
def crowd(db):
    clock.freeze(clock.now().replace(microsecond=0))
    yield [make_user(f"officer{n}@example.org", f"Officer {n}", "instructor") for n in range(5)]
    clock.freeze(None)


def _send(people) -> int:
    return services.send_many(people, "password_reset", lambda u: f"reset:{u.id}", "password_reset",
                              lambda u: {"reset_url": "https://lms.example.org/set-password/x",
                                         "expires_at": clock.now() + timedelta(hours=2)})


def _states() -> list[tuple[str, int]]:
    _db.session.expire_all()
    return [(m.status, m.attempts) for m in _db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def test_five_messages_are_one_job_and_one_connection(crowd, smtp_server, run_jobs):
    assert _send(crowd) == 5
    _db.session.commit()
    assert huey.pending_count() == 1  # one delivery job for the five
    assert run_jobs() == 1
    assert sorted(m["To"] for m in smtp_server.messages) == [f"officer{n}@example.org" for n in range(5)]
    assert _states() == [("sent", 1)] * 5


def test_a_refused_message_waits_for_its_retry_while_the_others_go(crowd, smtp_server, run_jobs):
    _send(crowd)
    _db.session.commit()
    smtp_server.refuse(451)  # the first message's DATA is refused; the connection stays up
    run_jobs()
    assert len(smtp_server.messages) == 4
    assert _states() == [("queued", 1)] + [("sent", 1)] * 4
    clock.freeze(clock.now() + timedelta(seconds=31))
    run_jobs()  # the retry claims only the refused one
    assert len(smtp_server.messages) == 5 and len({m["To"] for m in smtp_server.messages}) == 5
    assert _states() == [("sent", 2)] + [("sent", 1)] * 4


def test_a_dropped_connection_puts_back_what_was_not_sent(crowd, smtp_server, run_jobs):
    _send(crowd)
    _db.session.commit()
    smtp_server.drop()  # the connection is cut at the first message
    run_jobs()
    assert smtp_server.messages == []
    assert _states() == [("queued", 1)] * 5
    clock.freeze(clock.now() + timedelta(seconds=31))
    run_jobs()
    assert len(smtp_server.messages) == 5 and len({m["To"] for m in smtp_server.messages}) == 5
    assert _states() == [("sent", 2)] * 5
    clock.freeze(clock.now() + timedelta(hours=3))
    run_jobs(periodic=True)
    assert len(smtp_server.messages) == 5  # nothing twice
