"""Mail in the privacy tools: the personal-data download holds one's notifications, choices and mails;
anonymisation removes them (and nothing more is ever mailed to the account); retention deletes mails sent and
notifications read longer ago than LMS_MAIL_RETENTION_DAYS, never what still waits or is unread."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.core import clock
from lms.extensions import db as _db
from lms.mail import services
from lms.mail.models import MailAttachment, MailPreference, Notification, OutboxMessage
from lms.privacy.services import anonymise_user
from tests.helpers import csrf_token

pytestmark = pytest.mark.db

NOW = datetime(2027, 6, 1, 9, 0, tzinfo=UTC)


@pytest.fixture()
def stopped_clock():
    clock.freeze(NOW)
    yield NOW
    clock.freeze(None)


def _announce(user, key, attachments=()):
    services.send(user, "announcement", key, "password_reset", {"reset_url": "https://x.example/r",
                                                                 "expires_at": NOW}, link="/courses",
                  attachments=attachments)


def _count(model) -> int:
    return _db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_the_download_holds_notifications_choices_and_mails(db, world, client, auth, run_jobs, stopped_clock):
    trainee = world["trainee"]
    services.save_preferences(trainee, ["due"], digest=False)
    services.save_preferences(trainee, ["announcement", "due"], digest=True)
    _announce(trainee, "a1")
    _db.session.commit()
    auth.login(trainee.email)
    page = client.get("/profile")
    response = client.post("/profile/data", data={"format": "json",
                                                  "csrf_token": csrf_token(page.get_data(as_text=True))})
    records = json.loads(response.get_data(as_text=True))["records"]
    assert [(n["kind"], n["title"], n["link"]) for n in records["notifications"]] == [
        ("announcement", "Choose a new password", "/courses")]
    [choice] = records["mail_preferences"]
    assert choice["daily_digest"] is True and "announcement" not in choice["kinds_turned_off"]
    [mail] = records["outbox_messages"]
    assert (mail["to_address"], mail["status"]) == ("trainee@example.org", "held")
    assert "unsubscribe" in mail["text"]


def test_anonymisation_removes_mail_and_nothing_more_is_sent(db, world, smtp_server, run_jobs, stopped_clock):
    trainee = world["trainee"]
    services.save_preferences(trainee, ["announcement"], digest=False)
    _announce(trainee, "a1", [services.Attachment("a.ics", "text/calendar", b"BEGIN")])
    _announce(world["other_trainee"], "a2")
    _db.session.commit()
    anonymise_user(trainee, world["admin"])
    run_jobs()
    assert [m["To"] for m in smtp_server.messages] == ["trainee@example.ge"]
    assert _db.session.execute(select(OutboxMessage.to_address)).scalars().all() == ["trainee@example.ge"]
    assert _count(MailAttachment) == 0 and _count(MailPreference) == 0
    assert _db.session.execute(select(Notification.user_id)).scalars().all() == [world["other_trainee"].id]
    _db.session.refresh(trainee)
    assert trainee.unread_notifications == 0
    _announce(trainee, "a3")  # an anonymised account is never mailed
    _db.session.commit()
    assert _count(OutboxMessage) == 1


def test_retention_deletes_old_sent_mail_and_read_notifications_only(db, world, app, smtp_server, run_jobs,
                                                                   stopped_clock):
    trainee = world["trainee"]
    clock.freeze(NOW - timedelta(days=100))
    _announce(trainee, "old-sent", [services.Attachment("a.ics", "text/calendar", b"BEGIN")])
    _db.session.commit()
    run_jobs()
    services.mark_all_read(trainee)
    _announce(trainee, "old-unread")
    _db.session.commit()
    run_jobs()
    clock.freeze(NOW - timedelta(days=100))
    app.config["MAIL_SERVER"], saved = "", app.config["MAIL_SERVER"]
    app.config["ENV"] = "production"
    try:
        _announce(trainee, "old-waiting")  # no server: it waits, and is kept however old
        _db.session.commit()
        run_jobs()
    finally:
        app.config["MAIL_SERVER"], app.config["ENV"] = saved, "development"
    clock.freeze(NOW - timedelta(days=10))
    _announce(trainee, "recent")
    _db.session.commit()
    run_jobs()
    services.mark_all_read(trainee)
    clock.freeze(NOW)
    dry = app.test_cli_runner().invoke(args=["data", "prune", "--dry-run"])
    assert "mail: would delete 2 mail(s) sent and 1 notification(s) read more than 90 days ago" in dry.output
    result = app.test_cli_runner().invoke(args=["data", "prune"])
    assert result.exit_code == 0 and "mail: deleted 2 mail(s) sent and 1 notification(s) read" in result.output
    assert sorted(_db.session.execute(select(OutboxMessage.key)).scalars()) == ["old-waiting", "recent"]
    assert sorted(_db.session.execute(select(Notification.key)).scalars()) == ["old-unread", "old-waiting", "recent"]
    assert _count(MailAttachment) == 0
    pruned = _db.session.execute(select(AuditEvent).where(AuditEvent.action == "data.pruned")).scalar_one()
    assert (pruned.details["outbox_messages_deleted"], pruned.details["notifications_deleted"]) == (2, 1)
