"""The mail core: send and send_many (idempotency keys, preferences, digest hold, accounts never mailed), the
composing in the recipient's language and zone, and delivery through a real SMTP server (aiosmtpd) that
accepts, refuses or drops the connection: the job retries, nothing is lost, nothing is sent twice."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from lms import jobs
from lms.mail.delivery import deliver
from lms.core import clock
from lms.extensions import db as _db
from lms.jobs.models import FailedJob
from lms.mail import services
from lms.mail.delivery import eml_path, requeue_waiting
from lms.mail.models import MailAttachment, Notification, OutboxMessage
from tests.helpers import make_user
from tests.mailserver import html_of, text_of

pytestmark = pytest.mark.db

NOW = datetime(2027, 3, 28, 9, 0, tzinfo=UTC)  # 11:00 in Kyiv (summer time began at 03:00 that night)
EXPIRES = datetime(2027, 3, 28, 22, 30, tzinfo=UTC)


@pytest.fixture()
def stopped_clock():
    clock.freeze(NOW)
    yield NOW
    clock.freeze(None)


@pytest.fixture()
def people(db, stopped_clock):
    return {
        "olena": make_user("olena@example.org", "Olena", "instructor", locale="uk"),
        "john": make_user("john@example.org", "John", "instructor", locale="en"),
    }


def _reset(user, key="k1"):
    return services.send(user, "password_reset", key, "password_reset",
                         {"reset_url": "https://lms.example.org/set-password/abc", "expires_at": EXPIRES})


def _count(model, *where):
    return _db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_a_mail_is_composed_in_the_recipients_language_and_zone_and_delivered(people, smtp_server, run_jobs):
    olena = people["olena"]
    olena.timezone = "Europe/Kyiv"
    assert _reset(olena)
    _db.session.commit()
    run_jobs()
    [mail] = smtp_server.messages
    assert mail["To"] == "olena@example.org"
    assert mail["Subject"] == "Оберіть новий пароль"
    text = text_of(mail)
    assert "Вітаємо, Olena" in text and "https://lms.example.org/set-password/abc" in text
    assert "01:30" in text  # 22:30 UTC is 01:30 the next morning in Kyiv (summer time)
    assert "<a href=\"https://lms.example.org/set-password/abc\"" in html_of(mail)
    assert "List-Unsubscribe" not in mail  # a security message: always sent, no unsubscribe
    stored = _db.session.execute(select(OutboxMessage)).scalar_one()
    assert (stored.status, stored.attempts, stored.sent_at) == ("sent", 1, NOW)
    assert _count(Notification) == 0  # no in-app copy of a security message


def test_the_same_key_sends_once(people, smtp_server, run_jobs):
    assert _reset(people["john"])
    _db.session.commit()
    assert not _reset(people["john"])
    _db.session.commit()
    run_jobs()
    run_jobs()
    assert len(smtp_server.messages) == 1
    assert _count(OutboxMessage) == 1


def test_deactivated_and_anonymised_accounts_are_never_mailed(people, smtp_server, run_jobs):
    john, olena = people["john"], people["olena"]
    john.active = False
    olena.anonymised_at = NOW
    _db.session.commit()
    assert not _reset(john) and not _reset(olena, "k2")
    _db.session.commit()
    run_jobs()
    assert smtp_server.messages == [] and _count(OutboxMessage) == 0


def test_an_account_deactivated_before_delivery_is_not_mailed(people, smtp_server, run_jobs):
    assert _reset(people["john"])
    _db.session.commit()
    people["john"].active = False
    _db.session.commit()
    run_jobs()
    assert smtp_server.messages == []
    assert _db.session.execute(select(OutboxMessage.status)).scalar_one() == "failed"


@pytest.mark.parametrize("trouble", ["451", "550", "drop"])
def test_a_refusing_or_dropping_server_is_retried_and_the_mail_sent_once(people, smtp_server, run_jobs, trouble):
    if trouble == "drop":
        smtp_server.drop(times=2)
    else:
        smtp_server.refuse(int(trouble), times=2)
    assert _reset(people["john"])
    _db.session.commit()
    run_jobs()
    message = _db.session.execute(select(OutboxMessage)).scalar_one()
    assert (message.status, message.attempts) == ("queued", 1)
    assert message.last_error
    assert smtp_server.messages == []
    for wait in (30, 60):  # lms.jobs backoff: 30 s, then twice that
        clock.freeze(clock.now() + timedelta(seconds=wait))
        run_jobs()
    _db.session.expire_all()
    message = _db.session.execute(select(OutboxMessage)).scalar_one()
    assert (message.status, message.attempts, message.last_error) == ("sent", 3, None)
    assert len(smtp_server.messages) == 1
    clock.freeze(clock.now() + timedelta(hours=2))
    run_jobs()
    assert requeue_waiting.call_local() == 0
    run_jobs()
    assert len(smtp_server.messages) == 1


def test_a_server_that_keeps_refusing_leaves_the_mail_failed_not_lost(people, smtp_server, run_jobs):
    smtp_server.refuse(451, times=10)
    assert _reset(people["john"])
    _db.session.commit()
    for wait in (0, 30, 60, 120):
        clock.freeze(clock.now() + timedelta(seconds=wait))
        run_jobs()
    _db.session.expire_all()
    message = _db.session.execute(select(OutboxMessage)).scalar_one()
    assert (message.status, message.attempts) == ("failed", 4)
    assert "451" in message.last_error
    [failure] = _db.session.execute(select(FailedJob)).scalars()  # kept for the admins' page /admin/jobs
    assert failure.task.endswith("deliver") and "451" in failure.error
    smtp_server.plan.clear()
    # An admin's retry of the failed job delivers it.
    jobs.enqueue(deliver, message.id)
    run_jobs()
    assert len(smtp_server.messages) == 1


def test_production_without_a_server_keeps_mail_waiting_until_one_is_set(app, people, run_jobs, smtp_server):
    saved = app.config["MAIL_SERVER"], app.config["ENV"]
    app.config.update(MAIL_SERVER="", ENV="production")
    try:
        assert _reset(people["john"])
        _db.session.commit()
        run_jobs()
        assert _db.session.execute(select(OutboxMessage.status)).scalar_one() == "queued"
        assert requeue_waiting.call_local() == 0
    finally:
        app.config.update(MAIL_SERVER=saved[0], ENV=saved[1])
    assert smtp_server.messages == []
    clock.freeze(NOW + timedelta(minutes=11))  # the server is set now: the periodic job takes the waiting mail
    assert requeue_waiting.call_local() == 1
    run_jobs()
    assert len(smtp_server.messages) == 1


def test_development_writes_eml_files(app, people, run_jobs):
    assert app.config["MAIL_SERVER"] == ""
    assert _reset(people["john"])
    _db.session.commit()
    run_jobs()
    message = _db.session.execute(select(OutboxMessage)).scalar_one()
    assert message.status == "sent"
    content = eml_path(message.id).read_text()
    assert "Subject: Choose a new password" in content and "To: john@example.org" in content


def test_non_security_mail_has_one_click_unsubscribe_a_notification_and_an_unread_count(
        people, smtp_server, run_jobs, client):
    john = people["john"]
    services.send(john, "announcement", "a1", "password_reset",
                  {"reset_url": "https://x.example/", "expires_at": EXPIRES}, link="/courses",
                  attachments=[services.Attachment("session.ics", "text/calendar", b"BEGIN:VCALENDAR\r\n")])
    _db.session.commit()
    run_jobs()
    [mail] = smtp_server.messages
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = mail["List-Unsubscribe"].strip("<>")
    assert url.startswith("http://localhost/mail/unsubscribe/")
    assert "http://localhost/courses" in text_of(mail)
    [ics] = list(mail.iter_attachments())
    assert ics.get_filename() == "session.ics" and ics.get_content_type() == "text/calendar"
    notification = _db.session.execute(select(Notification)).scalar_one()
    assert (notification.title, notification.link, notification.read_at) == ("Choose a new password", "/courses", None)
    _db.session.refresh(john)
    assert john.unread_notifications == 1
    assert _count(MailAttachment) == 1


def test_a_kind_turned_off_leaves_the_notification_only(people, smtp_server, run_jobs):
    john = people["john"]
    services.save_preferences(john, enabled=["due"], digest=False)
    services.send(john, "announcement", "a1", "password_reset", {"reset_url": "u", "expires_at": EXPIRES})
    services.send(john, "due", "d1", "password_reset", {"reset_url": "u", "expires_at": EXPIRES})
    _db.session.commit()
    run_jobs()
    assert [m["Subject"] for m in smtp_server.messages] == ["Choose a new password"]
    assert _count(Notification) == 2 and _count(OutboxMessage) == 1
    # The key is kept by the notification: a second send of the muted message does nothing either.
    assert not services.send(john, "announcement", "a1", "password_reset", {"reset_url": "u", "expires_at": EXPIRES})


def test_digest_holds_the_messages(people, smtp_server, run_jobs):
    john = people["john"]
    services.save_preferences(john, enabled=["announcement"], digest=True)
    services.send(john, "announcement", "a1", "password_reset", {"reset_url": "u", "expires_at": EXPIRES})
    services.send(john, "password_reset", "p1", "password_reset", {"reset_url": "u", "expires_at": EXPIRES})
    _db.session.commit()
    run_jobs()
    statuses = dict(_db.session.execute(select(OutboxMessage.kind, OutboxMessage.status)).all())
    assert statuses == {"announcement": "held", "password_reset": "sent"}  # security mail is never held
    assert len(smtp_server.messages) == 1


def test_send_many_reads_preferences_and_keys_once_and_skips_who_may_not_be_mailed(db, stopped_clock, smtp_server,
                                                                                 run_jobs):
    from sqlalchemy import event

    users = [make_user(f"t{i}@example.org", f"T{i}", "instructor") for i in range(30)]
    users[3].active = False
    _db.session.commit()
    services.send(users[0], "announcement", "ann:0", "password_reset", {"reset_url": "u", "expires_at": EXPIRES})
    _db.session.commit()
    from lms.auth.models import User

    ids = [u.id for u in users]
    users = _db.session.execute(select(User).where(User.id.in_(ids)).order_by(User.id)).scalars().all()
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(_db.engine, "before_cursor_execute", count)
    try:
        written = services.send_many(users, "announcement", lambda u: f"ann:{u.id - users[0].id}", "password_reset",
                                     lambda u: {"reset_url": "u", "expires_at": EXPIRES}, link="/courses")
        _db.session.commit()
    finally:
        event.remove(_db.engine, "before_cursor_execute", count)
    assert written == 28  # not the deactivated one, not the one already sent
    assert len(statements) <= 10
    run_jobs()
    assert len(smtp_server.messages) == 29
