"""The pages of mail as people use them: notifications with the unread count in the menu (read from the loaded
account, no query), preferences, the RFC 8058 one-click unsubscribe without a session or CSRF token, the admins'
outbox (the .eml files in development, the warning of mail waiting in production) and the daily digest."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from lms.core import clock
from lms.extensions import db as _db
from lms.mail import services
from lms.mail.digest import send_digests
from lms.mail.models import MailPreference, Notification, OutboxMessage
from tests.mailserver import text_of

pytestmark = pytest.mark.db

NOW = datetime(2027, 3, 1, 5, 0, tzinfo=UTC)  # 07:00 in Kyiv (winter time): the digest hour
EXPIRES = datetime(2027, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture()
def stopped_clock():
    clock.freeze(NOW)
    yield NOW
    clock.freeze(None)


def _announce(user, key, link="/courses"):
    services.send(user, "announcement", key, "password_reset", {"reset_url": "https://x.example/r",
                                                                 "expires_at": EXPIRES}, link=link)


def test_the_menu_shows_the_unread_count_without_a_query_and_the_list_marks_read(db, world, client, auth,
                                                                               stopped_clock):
    trainee = world["trainee"]
    for n in range(3):
        _announce(trainee, f"a{n}")
    _db.session.commit()
    auth.login(trainee.email)
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with_count = client.get("/courses/")
    event.listen(_db.engine, "before_cursor_execute", count)
    try:
        page = client.get("/courses/").get_data(as_text=True)
    finally:
        event.remove(_db.engine, "before_cursor_execute", count)
    assert with_count.status_code == 200
    assert re.search(r'Notifications <span class="count">3<span class="visually-hidden"> unread', page)
    # The count is a column of the loaded account: no statement reads the notifications.
    assert not [s for s in statements if re.search(r"\b(FROM|JOIN) notifications\b", s)]

    listing = client.get("/notifications").get_data(as_text=True)
    assert listing.count("New:</strong> Choose a new password") == 3 and "Mark all read" in listing
    first = _db.session.execute(select(Notification).order_by(Notification.id)).scalars().first()
    opened = auth.post(f"/notifications/{first.id}/read", {"open": "1"}, form_page="/notifications")
    assert opened.status_code == 302 and opened.headers["Location"] == "/courses"
    assert 'class="count">2<' in client.get("/courses/").get_data(as_text=True)
    done = auth.post("/notifications/read-all", {}, form_page="/notifications", follow_redirects=True)
    assert "All notifications are marked read." in done.get_data(as_text=True)
    assert 'class="count"' not in client.get("/courses/").get_data(as_text=True)
    assert _db.session.execute(select(func.count()).select_from(Notification)
                               .where(Notification.read_at.is_(None))).scalar_one() == 0


def test_someone_elses_notification_is_not_found(db, world, client, auth, stopped_clock):
    _announce(world["other_trainee"], "a1")
    _db.session.commit()
    theirs = _db.session.execute(select(Notification.id)).scalar_one()
    auth.login(world["trainee"].email)
    assert auth.post(f"/notifications/{theirs}/read", {}, form_page="/notifications").status_code == 404
    assert _db.session.execute(select(Notification.read_at)).scalar_one() is None


def test_preferences_turn_kinds_off_and_choose_the_digest(db, world, client, auth, stopped_clock):
    trainee = world["trainee"]
    auth.login(trainee.email)
    page = client.get("/profile/notifications").get_data(as_text=True)
    assert "Announcements" in page and "Password reset" not in page  # security mails cannot be turned off
    saved = auth.post("/profile/notifications", {"kind_due": "y", "digest": "y"}, follow_redirects=True)
    assert "Your mail preferences are saved." in saved.get_data(as_text=True)
    preference = _db.session.get(MailPreference, trainee.id)
    assert preference.digest is True and "due" not in preference.muted and "announcement" in preference.muted


def test_one_click_unsubscribe_works_without_a_session_or_csrf(db, world, app, smtp_server, run_jobs,
                                                              stopped_clock):
    trainee = world["trainee"]
    _announce(trainee, "a1")
    _db.session.commit()
    run_jobs()
    [mail] = smtp_server.messages
    url = mail["List-Unsubscribe"].strip("<>")
    path = url.removeprefix("http://localhost")
    browser = app.test_client()  # no session, as a mail program
    page = browser.get(path)
    assert page.status_code == 200 and "Stop these mails" in page.get_data(as_text=True)
    assert "Announcements" in page.get_data(as_text=True)
    assert browser.post(path, data="List-Unsubscribe=One-Click",
                        content_type="application/x-www-form-urlencoded").status_code == 200
    assert _db.session.get(MailPreference, trainee.id).muted == ["announcement"]
    _announce(trainee, "a2")
    _db.session.commit()
    run_jobs()
    assert len(smtp_server.messages) == 1  # no more announcements by mail; the notification is still there
    assert _db.session.execute(select(func.count()).select_from(Notification)).scalar_one() == 2
    tampered = path[:-3] + ("abc" if not path.endswith("abc") else "xyz")
    assert browser.post(tampered).status_code == 404
    assert browser.get("/mail/unsubscribe/" + "x" * 300).status_code == 404


def test_the_outbox_lists_messages_and_opens_the_eml_files_in_development(db, world, client, auth, run_jobs,
                                                                        stopped_clock):
    _announce(world["trainee"], "a1")
    _db.session.commit()
    run_jobs()
    message = _db.session.execute(select(OutboxMessage)).scalar_one()
    auth.login(world["admin"].email)
    page = client.get("/admin/mail").get_data(as_text=True)
    assert "trainee@example.org" in page and "written to a file in instance/mail/" in page
    eml = client.get(f"/admin/mail/{message.id}.eml")
    assert eml.status_code == 200 and "Subject: Choose a new password" in eml.get_data(as_text=True)
    auth.logout()
    auth.login(world["coordinator"].email)
    assert client.get(f"/admin/mail/{message.id}.eml").status_code == 403


def test_production_without_a_server_warns_admins_on_their_pages(db, world, app, client, auth, run_jobs,
                                                                stopped_clock):
    saved = app.config["ENV"]
    app.config["ENV"] = "production"
    try:
        _announce(world["trainee"], "a1")
        _announce(world["other_trainee"], "a2")
        _db.session.commit()
        run_jobs()
        auth.login(world["admin"].email)
        page = client.get("/courses/").get_data(as_text=True)
        assert "2 mails are waiting in the outbox" in page
        auth.logout()
        auth.login(world["coordinator"].email)
        assert "waiting in the outbox" not in client.get("/courses/").get_data(as_text=True)
    finally:
        app.config["ENV"] = saved


def test_the_daily_digest_gathers_the_held_messages_once_at_the_persons_hour(db, world, smtp_server, run_jobs,
                                                                           stopped_clock):
    trainee, other = world["trainee"], world["other_trainee"]  # Kyiv; Tbilisi (07:00 there was an hour ago)
    for person in (trainee, other):
        services.save_preferences(person, ["announcement", "due"], digest=True)
    clock.freeze(NOW - timedelta(hours=5))
    _announce(trainee, "a1")
    _announce(trainee, "a2")
    _announce(other, "a3")
    _db.session.commit()
    run_jobs()
    assert smtp_server.messages == []
    clock.freeze(NOW)
    assert send_digests.call_local() == 1
    assert send_digests.call_local() == 0  # a re-run gathers nothing twice
    run_jobs()
    [digest] = smtp_server.messages
    assert digest["To"] == trainee.email and digest["Subject"] == "Your daily digest: 2 messages"
    assert text_of(digest).count("== Choose a new password ==") == 2
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    states = dict(_db.session.execute(select(OutboxMessage.key, OutboxMessage.status)).all())
    assert states == {"a1": "sent", "a2": "sent", "a3": "held", f"digest:{trainee.id}:2027-03-01": "sent"}
    clock.freeze(NOW + timedelta(hours=24))  # 07:00 Kyiv is 08:00 Tbilisi: the other one's hour was at 03:00 UTC
    clock.freeze(datetime(2027, 3, 2, 3, 0, tzinfo=UTC))
    assert send_digests.call_local() == 1
    run_jobs()
    assert [m["To"] for m in smtp_server.messages] == [trainee.email, other.email]
