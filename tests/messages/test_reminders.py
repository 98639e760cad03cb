"""The reminders the scheduler sends on dates (issue 21): a due date in 7 and 1 days, a session tomorrow with its
.ics, a run starting tomorrow, a certificate expiring in 60 and 14 days and on expiry, the coordinators' Monday
digest. Each is sent once (the scan runs every hour; its keys make a second run send nothing), in the recipient's
language and zone, never to a deactivated account nor of a kind the person turned off."""
from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from lms.extensions import db as _db
from lms.learning import services as learning
from lms.learning.models import Certificate, Enrolment
from lms.mail import services as mail
from lms.mail.kinds import optional_kinds
from lms.mail.models import Notification
from lms.messages import reminders
from lms.people.services import update_user
from lms.runs import services as runs
from lms.runs.services import RunFields
from lms.sessions import signups
from tests.helpers import make_course, make_user, statements
from tests.messages.conftest import MONDAY, attachments_of, deliver, mails_to, scheduler, subject, text_of
from tests.sessions.helpers import a_session

pytestmark = pytest.mark.db

# Due in 7 days from MONDAY in Kyiv (2027-03-15).
IN_A_WEEK = date(2027, 3, 22)


def certify(trainee, course, expires_at: datetime, cycle: int = 1, current: bool = True) -> Certificate:
    """A completed enrolment of the trainee with a certificate expiring at `expires_at`."""
    enrolment = Enrolment(user_id=trainee.id, course_id=course.id, cycle=cycle, is_current=current, status="completed",
                          enrolled_at=MONDAY - timedelta(days=400), completed_at=MONDAY - timedelta(days=365))
    _db.session.add(enrolment)
    _db.session.flush()
    certificate = Certificate(code=secrets.token_urlsafe(16), enrolment_id=enrolment.id, user_id=trainee.id,
                              course_id=course.id, holder_name=trainee.name, course_title=course.title,
                              issued_at=MONDAY - timedelta(days=365), expires_at=expires_at)
    _db.session.add(certificate)
    _db.session.commit()
    return certificate


def make_other_course():
    """A second course, for a certificate beside the sample course's enrolment."""
    return make_course("other", "Other course")


def due_in_a_week(trainee, course, admin) -> None:
    """Enrol the trainee with a due date 7 days away; the confirmation is delivered and forgotten."""
    learning.enrol(trainee, course, actor=admin, source="admin", due_on=IN_A_WEEK)
    deliver()


def at(moment: datetime, frozen) -> None:
    """Move the clock and run the scheduler there."""
    frozen(moment)
    scheduler()


def test_a_due_date_reminder_is_sent_once_by_the_scheduler_in_the_trainees_language(world, course, frozen,
                                                                                      smtp_server):
    olena = make_user("olena@example.org", "Олена Коваль", "trainee", world["ua"], locale="uk")
    due_in_a_week(olena, course, world["admin"])
    smtp_server.messages.clear()
    scheduler()
    [reminder] = mails_to(smtp_server, olena)
    assert subject(reminder) == "Курс «Sample course» треба завершити через 7 днів"
    body = text_of(reminder)
    assert "22 березня 2027" in body and "/courses/sample" in body
    for later in (MONDAY + timedelta(hours=1), MONDAY + timedelta(hours=6), MONDAY + timedelta(days=1)):
        at(later, frozen)
    assert len(mails_to(smtp_server, olena)) == 1
    at(MONDAY + timedelta(days=6), frozen)  # Sunday: due tomorrow
    assert [subject(m) for m in mails_to(smtp_server, olena)][1:] == ["Курс «Sample course» треба завершити завтра"]
    at(MONDAY + timedelta(days=6, hours=1), frozen)
    assert len(mails_to(smtp_server, olena)) == 2


def test_the_day_is_the_trainees_own(world, course, frozen, smtp_server):
    """At 23:05 UTC on Sunday it is already Monday in Kyiv: the reminder of a due date 7 days from Kyiv's Monday
    goes out then, and the one of a trainee in UTC waits for their Monday."""
    kyiv = make_user("kyiv@example.org", "Kyiv Trainee", "trainee", world["ua"])
    utc = make_user("utc@example.org", "Utc Trainee", "trainee", world["ua"])
    utc.timezone = "UTC"
    _db.session.commit()
    frozen(MONDAY - timedelta(days=1))
    for person in (kyiv, utc):
        due_in_a_week(person, course, world["admin"])
    smtp_server.messages.clear()
    at(datetime(2027, 3, 14, 23, 5, tzinfo=UTC), frozen)
    assert (len(mails_to(smtp_server, kyiv)), len(mails_to(smtp_server, utc))) == (1, 0)
    at(datetime(2027, 3, 15, 0, 5, tzinfo=UTC), frozen)
    assert (len(mails_to(smtp_server, kyiv)), len(mails_to(smtp_server, utc))) == (1, 1)


def test_an_expiry_reminder_is_sent_once_at_60_and_14_days_and_on_expiry(world, course, frozen, smtp_server):
    trainee = world["trainee"]
    certify(trainee, course, datetime(2027, 5, 14, 12, 0, tzinfo=UTC))  # 60 days after Kyiv's MONDAY
    scheduler()
    [first] = mails_to(smtp_server, trainee)
    assert subject(first) == "Your certificate in Sample course expires in 60 days"
    assert "May 14, 2027" in text_of(first)
    for later in (MONDAY + timedelta(hours=1), MONDAY + timedelta(days=1), datetime(2027, 4, 29, 8, 5, tzinfo=UTC)):
        at(later, frozen)
    assert len(mails_to(smtp_server, trainee)) == 1
    at(datetime(2027, 4, 30, 8, 5, tzinfo=UTC), frozen)
    at(datetime(2027, 4, 30, 9, 5, tzinfo=UTC), frozen)
    at(datetime(2027, 5, 14, 11, 5, tzinfo=UTC), frozen)  # the day it expires, still valid
    at(datetime(2027, 5, 14, 12, 5, tzinfo=UTC), frozen)
    at(datetime(2027, 5, 15, 12, 5, tzinfo=UTC), frozen)
    assert [subject(m) for m in mails_to(smtp_server, trainee)][1:] == [
        "Your certificate in Sample course expires in 14 days", "Your certificate in Sample course has expired"]


def test_a_recertified_trainee_is_not_reminded_of_the_old_certificate(world, course, frozen, smtp_server):
    """The reports' definition of an expiring certification: the best certificate of each trainee in a course."""
    trainee = world["trainee"]
    certify(trainee, course, datetime(2027, 5, 14, 12, 0, tzinfo=UTC), current=False)
    certify(trainee, course, datetime(2029, 5, 14, 12, 0, tzinfo=UTC), cycle=2)
    scheduler()
    assert mails_to(smtp_server, trainee) == []


def test_a_kind_turned_off_sends_no_mail_while_the_others_still_go(world, course, frozen, smtp_server):
    trainee = world["trainee"]
    due_in_a_week(trainee, course, world["admin"])
    certify(trainee, make_other_course(), datetime(2027, 5, 14, 12, 0, tzinfo=UTC))
    mail.save_preferences(trainee, [k.name for k in optional_kinds() if k.name != "due"], digest=False)
    smtp_server.messages.clear()
    scheduler()
    assert [subject(m) for m in mails_to(smtp_server, trainee)] == [
        "Your certificate in Other course expires in 60 days"]


def test_a_deactivated_account_gets_nothing(world, course, frozen, smtp_server):
    trainee = world["trainee"]
    due_in_a_week(trainee, course, world["admin"])
    certify(trainee, make_other_course(), datetime(2027, 5, 14, 12, 0, tzinfo=UTC))
    update_user(trainee, world["admin"], email=trainee.email, name=trainee.name, role="trainee",
                institution_id=trainee.institution_id, locale=None, active=False)
    smtp_server.messages.clear()
    before = _db.session.scalar(select(func.count()).select_from(Notification))
    scheduler()
    assert mails_to(smtp_server, trainee) == []
    assert _db.session.scalar(select(func.count()).select_from(Notification)) == before


def test_a_session_tomorrow_comes_with_its_calendar_file(world, course, frozen, smtp_server):
    trainee = world["trainee"]
    run = runs.create_run(course, RunFields(code="2027-A", title="Spring intake", starts_on=date(2027, 3, 1),
                                            ends_on=date(2027, 6, 1)), world["admin"])
    runs.enrol_in_run(trainee, run, actor=world["admin"], source="admin")
    session = a_session(course, run, world["admin"], start=datetime(2027, 3, 16, 16, 0, tzinfo=UTC))  # 18:00 Kyiv
    signups.sign_up(trainee, session)
    deliver()
    smtp_server.messages.clear()
    scheduler()
    [reminder] = mails_to(smtp_server, trainee)
    assert subject(reminder) == "Tomorrow: Document checks (Sample course)"
    assert "March 16, 2027, 6:00" in text_of(reminder) and "Room 4" in text_of(reminder)
    [(name, data)] = attachments_of(reminder).items()
    assert name.endswith(".ics")
    [vevent] = Calendar.from_ical(data).walk("VEVENT")
    assert vevent["DTSTART"].dt == datetime(2027, 3, 16, 16, 0, tzinfo=UTC)
    assert str(vevent["STATUS"]) == "CONFIRMED"
    at(MONDAY + timedelta(hours=3), frozen)
    assert len(mails_to(smtp_server, trainee)) == 1


def test_a_run_starting_tomorrow_is_announced_to_those_with_a_place(world, course, frozen, smtp_server):
    run = runs.create_run(course, RunFields(code="2027-B", title="Spring intake", starts_on=date(2027, 3, 16),
                                            ends_on=date(2027, 6, 1), capacity=1), world["admin"])
    placed, waiting = world["trainee"], make_user("wait@example.org", "Waiting Trainee", "trainee", world["ua"])
    for person in (placed, waiting):
        runs.enrol_in_run(person, run, actor=world["admin"], source="admin")
    deliver()
    smtp_server.messages.clear()
    scheduler()
    [reminder] = mails_to(smtp_server, placed)
    assert subject(reminder) == "Sample course starts tomorrow"
    assert "March 16, 2027" in text_of(reminder)
    assert mails_to(smtp_server, waiting) == []


def test_a_coordinator_gets_a_weekly_digest_of_their_officers_expiring_certificates(world, course, frozen,
                                                                                   smtp_server):
    certify(world["trainee"], course, MONDAY + timedelta(days=30))
    certify(world["other_trainee"], course, MONDAY + timedelta(days=30))
    frozen(MONDAY - timedelta(hours=4))  # 06:05 in Kyiv: not yet
    scheduler()
    assert mails_to(smtp_server, world["coordinator"]) == []
    at(MONDAY, frozen)
    [digest] = mails_to(smtp_server, world["coordinator"])
    assert subject(digest) == "1 certificate expiring soon at Border Academy of Ukraine"
    body = text_of(digest)
    assert "Taras Trainee: Sample course" in body and "Giorgi" not in body and "/reports/certificates/expiring" in body
    [georgian] = mails_to(smtp_server, world["other_coordinator"])
    assert "Giorgi Trainee" in text_of(georgian)
    at(MONDAY + timedelta(hours=5), frozen)
    at(MONDAY + timedelta(days=3), frozen)
    assert len(mails_to(smtp_server, world["coordinator"])) == 1
    at(MONDAY + timedelta(days=7), frozen)
    assert len(mails_to(smtp_server, world["coordinator"])) == 2


def test_the_command_runs_the_same_scan_once(app, world, course, frozen, smtp_server):
    due_in_a_week(world["trainee"], course, world["admin"])
    smtp_server.messages.clear()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["messages", "send-reminders"])
    assert result.exit_code == 0, result.output
    assert "1 due" in result.output
    deliver()
    assert len(mails_to(smtp_server, world["trainee"])) == 1
    again = runner.invoke(args=["messages", "send-reminders"])
    assert "0 due" in again.output
    scheduler()
    assert len(mails_to(smtp_server, world["trainee"])) == 1




def test_the_statements_of_a_scan_do_not_grow_with_the_recipients(db, world, course, frozen):
    other = make_other_course()

    def scan(prefix: str, people: int) -> tuple[int, int]:
        for n in range(people):
            person = make_user(f"{prefix}{n}@example.org", f"Trainee {prefix}{n}", "trainee", world["ua"])
            learning.enrol(person, course, actor=world["admin"], source="admin", due_on=IN_A_WEEK)
            certify(person, other, MONDAY + timedelta(days=60, hours=2))
        deliver()
        with statements(db) as sent:
            counts = reminders.send_reminders()
        return counts["due"] + counts["expiry"], len(sent)

    few, many = scan("few", 2), scan("many", 12)
    assert (few[0], many[0]) == (4, 24)
    assert many[1] == few[1], (few, many)


def test_the_statements_per_reminder_mail_stay_bounded_as_recipients_grow(db, world, course, frozen, smtp_server):
    """Queued by the scan and delivered by the worker's jobs (in batches, lms.mail.delivery.deliver_many): one more
    recipient costs no statement at all, up to a batch."""
    def queue_and_send(prefix: str, people: int) -> int:
        for n in range(people):
            person = make_user(f"{prefix}{n}@example.org", f"Trainee {prefix}{n}", "trainee", world["ua"])
            learning.enrol(person, course, actor=world["admin"], source="admin", due_on=IN_A_WEEK)
        deliver()
        smtp_server.clear()
        with statements(db) as sent:
            reminders.send_reminders()
            deliver()
        assert len(smtp_server.messages) == people
        return len(sent)

    few, many, more = queue_and_send("few", 3), queue_and_send("many", 13), queue_and_send("more", 33)
    per_mail, per_mail_later = (many - few) / 10, (more - many) / 20
    assert per_mail == per_mail_later == 0, (few, many, more)
