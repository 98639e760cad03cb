"""The mail of announcements (issue 21's done-when "an announcement reaches a run's trainees"): an instructor posts
to a run through the page, the job sends it to that run's trainees (read from the test SMTP server), in their
language, and to nobody else; posting answers at once with a fixed number of statements whatever the number of
trainees; the fan-out works in batches of a fixed number of statements; a retried or re-run job mails nobody twice;
a withdrawn announcement stops, a correction mails nobody again, and "not by e-mail" sends nothing."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from lms.announcements import mailing, services
from lms.announcements.models import Announcement
from lms.auth.models import User
from lms.core import clock
from lms.learning.models import Enrolment
from lms.mail.models import Notification, OutboxMessage
from tests.announcements.helpers import form, two_runs
from tests.helpers import make_user, statements
from tests.mailserver import html_of, text_of

pytestmark = pytest.mark.db




def _deliver_confirmations(run_jobs, smtp_server) -> None:
    """Send the enrolment confirmations of the set-up (lms.messages) and forget them: what follows is the
    announcements' mail alone."""
    run_jobs()
    smtp_server.clear()


def _outbox(db, announcement_id: int) -> dict[int, int]:
    """Messages of the announcement per recipient."""
    return dict(db.session.execute(select(OutboxMessage.user_id, func.count()).where(
        OutboxMessage.key.like(f"announcement:{announcement_id}:%")).group_by(OutboxMessage.user_id)).all())


def test_an_announcement_reaches_a_runs_trainees(client, auth, world, course, db, smtp_server, run_jobs):
    run_a, (first, second), run_b, (other, _) = two_runs(course, world)
    first.locale = "uk"
    db.session.commit()
    outsider = make_user("outsider@example.org", "Olena Outsider", "trainee", world["ua"])
    _deliver_confirmations(run_jobs, smtp_server)
    auth.login(world["instructor"].email)
    response = auth.post(f"/author/sample/runs/{run_a.id}/announcements", form(run_a.id))
    assert response.status_code == 302
    auth.logout()
    assert smtp_server.messages == []  # posting sent nothing itself: the job does
    run_jobs()

    assert sorted(m["To"].addresses[0].addr_spec for m in smtp_server.messages) == sorted(
        [first.email, second.email])
    for person in (other, outsider, world["instructor"]):
        assert smtp_server.to(person.email) == []
    [mail] = smtp_server.to(second.email)
    assert mail["Subject"] == f"{course.title}: Range closed on Friday"
    assert "Meet in **room 4** instead." in text_of(mail) and "<strong>room 4</strong>" in html_of(mail)
    assert "/courses/sample/announcements#announcement-" in text_of(mail)
    assert "Ivan Instructor" in text_of(mail)
    [ukrainian] = smtp_server.to(first.email)
    assert "Range closed on Friday" in text_of(ukrainian) and "Оголошення" in text_of(ukrainian)

    announcement = db.session.scalar(select(Announcement))
    notified = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "announcement")))
    assert notified == {first.id, second.id}
    assert announcement.mailed_at is not None
    auth.login(second.email)
    assert "Range closed on Friday" in client.get("/courses/sample").get_data(as_text=True)


def _many_trainees(db, run, n: int, prefix: str, institution) -> list[int]:
    """`n` trainees enrolled in the run, written in bulk (the services' one-by-one path is tested elsewhere)."""
    now = datetime.now(UTC)
    db.session.execute(insert(User), [{"email": f"{prefix}{i}@example.org", "name": f"Trainee {prefix}{i}",
                                       "role": "trainee", "active": True, "created_at": now,
                                       "institution_id": institution.id} for i in range(n)])
    ids = list(db.session.scalars(select(User.id).where(User.email.like(f"{prefix}%@example.org"))))
    db.session.execute(insert(Enrolment), [{"user_id": uid, "course_id": run.course_id, "run_id": run.id,
                                            "status": "active", "source": "admin", "cycle": 1, "is_current": True,
                                            "enrolled_at": now} for uid in ids])
    db.session.commit()
    return ids


def test_posting_answers_at_once_and_the_fan_out_has_a_fixed_number_of_statements_a_batch(
        world, course, db, monkeypatch, run_jobs):
    """(run_jobs: the deliveries the fan-out queues are dropped from the queue after the test, not sent.)"""
    run_a, _, run_b, _ = two_runs(course, world, per_run=1)
    _many_trainees(db, run_b, 2000, "m", world["ua"])
    posted = []
    for run in (run_a, run_b):  # 1 trainee, then 2,001
        with statements(db) as sent:
            posted.append(services.post(course, run, "Range closed", "On Friday.", True, world["instructor"]))
        assert len(sent) <= 6, sent
    monkeypatch.setattr(mailing, "BATCH", 500)
    batches = []
    while True:
        with statements(db) as sent:
            more = mailing.send_batch(posted[1].id)
        batches.append(len(sent))
        if not more:
            break
    assert len(batches) == 6  # five batches of 500 (the last of 1), then the one that finds nobody left
    assert max(batches[:5]) <= 14, batches  # per batch, whatever its size: none per recipient
    assert len(_outbox(db, posted[1].id)) == 2001 and set(_outbox(db, posted[1].id).values()) == {1}


def test_a_retried_or_re_run_fan_out_mails_nobody_twice(world, course, db, smtp_server, run_jobs, monkeypatch):
    run_a, _, _, _ = two_runs(course, world, per_run=7)
    _deliver_confirmations(run_jobs, smtp_server)
    monkeypatch.setattr(mailing, "BATCH", 3)
    real, calls = mailing.mail.send_many, []

    def failing_second_batch(*args, **kwargs):  # the database goes away in the middle of the second batch
        calls.append(1)
        written = real(*args, **kwargs)
        if len(calls) == 2:
            raise ConnectionError("server closed the connection unexpectedly")
        return written

    monkeypatch.setattr(mailing.mail, "send_many", failing_second_batch)
    announcement = services.post(course, run_a, "Range closed", "On Friday.", True, world["instructor"])
    run_jobs()
    db.session.expire_all()
    assert db.session.get(Announcement, announcement.id).mailed_through is not None  # the first batch went
    assert len(_outbox(db, announcement.id)) == 3
    clock.freeze(clock.now() + timedelta(minutes=10))  # the retry's time comes
    try:
        run_jobs()
    finally:
        clock.freeze(None)
    assert set(_outbox(db, announcement.id).values()) == {1} and len(_outbox(db, announcement.id)) == 7
    assert len(smtp_server.messages) == 7
    assert len({m["To"].addresses[0].addr_spec for m in smtp_server.messages}) == 7

    # Run again from the start (as if where it got to were lost): the keys send nobody a second copy.
    db.session.expire_all()
    stored = db.session.get(Announcement, announcement.id)
    stored.mailed_through, stored.mailed_at = None, None
    db.session.commit()
    mailing.send_announcement(announcement.id)
    run_jobs()
    assert set(_outbox(db, announcement.id).values()) == {1} and len(smtp_server.messages) == 7


def test_withdrawn_corrected_and_not_mailed_announcements(world, course, db, smtp_server, run_jobs):
    run_a, (first, _), _, _ = two_runs(course, world)
    _deliver_confirmations(run_jobs, smtp_server)
    withdrawn = services.post(course, run_a, "Wrong", "Oops.", True, world["instructor"])
    services.withdraw(withdrawn, world["instructor"])  # before the job ran: nobody is mailed
    quiet = services.post(course, run_a, "Pages only", "Read it here.", False, world["instructor"])
    corrected = services.post(course, run_a, "Range clsoed", "On Friday.", True, world["instructor"])
    run_jobs()
    services.edit(corrected, "Range closed", "On Friday.", world["instructor"])
    run_jobs()
    assert _outbox(db, withdrawn.id) == {} and _outbox(db, quiet.id) == {}
    assert sorted(m["Subject"] for m in smtp_server.to(first.email)) == [f"{course.title}: Range clsoed"]
    # Not e-mailed is still told in the platform: the run's trainees have it among their notifications.
    told = db.session.scalars(select(Notification.user_id).where(
        Notification.key.like(f"announcement:{quiet.id}:%"))).all()
    assert first.id in told and len(told) == len(set(told))
    assert db.session.get(type(quiet), quiet.id).mailed_at is not None
