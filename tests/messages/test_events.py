"""The messages of events (issue 21), written in the unit of work of the event: an enrolment's confirmation (one,
a waiting list's, a bulk enrolment's), a run cancelled or its dates moved, a trainee moved to another run, a
session cancelled (with its .ics, cancelled). Rolled back with the event, they are never sent."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from lms.enrolments import services as bulk
from lms.extensions import db as _db
from lms.learning import services as learning
from lms.learning.models import Enrolment
from lms.mail.models import OutboxMessage
from lms.runs import services as runs
from lms.runs.services import RunFields
from lms.sessions import services as sessions
from lms.sessions import signups
from tests.helpers import make_course, make_user
from tests.messages.conftest import attachments_of, deliver, mails_to, subject, text_of
from tests.sessions.helpers import a_session

pytestmark = pytest.mark.db


def a_run(course, admin, code: str = "2027-A", capacity: int | None = None, starts_on=date(2027, 4, 1),
          ends_on=date(2027, 6, 30)):
    return runs.create_run(course, RunFields(code=code, title=f"Intake {code}", starts_on=starts_on, ends_on=ends_on,
                                             capacity=capacity), admin)


def test_an_enrolment_is_confirmed_once(world, course, frozen, smtp_server):
    trainee = world["trainee"]
    learning.enrol(trainee, course, actor=world["admin"], source="admin", due_on=date(2027, 4, 30))
    deliver()
    [confirmation] = mails_to(smtp_server, trainee)
    assert subject(confirmation) == "You are enrolled in Sample course"
    body = text_of(confirmation)
    assert "Due date: April 30, 2027." in body and "/courses/sample" in body
    learning.enrol(trainee, course, actor=world["admin"], source="admin", due_on=date(2027, 4, 30))
    deliver()
    assert len(mails_to(smtp_server, trainee)) == 1


def test_a_ukrainian_trainee_reads_the_confirmation_in_ukrainian(world, course, frozen, smtp_server):
    olena = make_user("olena@example.org", "Олена Коваль", "trainee", world["ua"], locale="uk")
    learning.enrol(olena, course, actor=world["admin"], source="admin")
    deliver()
    [confirmation] = mails_to(smtp_server, olena)
    assert subject(confirmation) == "Вас зараховано на курс «Sample course»"


def test_an_enrolment_rolled_back_sends_nothing(world, course, frozen, smtp_server):
    learning.prepare_enrolment(world["trainee"], course, actor=world["admin"], source="admin")
    _db.session.rollback()
    deliver()
    assert mails_to(smtp_server, world["trainee"]) == []
    assert _db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_the_confirmation_of_a_run_says_whether_there_is_a_place(world, course, frozen, smtp_server):
    run = a_run(course, world["admin"], capacity=1)
    waiting = make_user("wait@example.org", "Waiting Trainee", "trainee", world["ua"])
    for person in (world["trainee"], waiting):
        runs.enrol_in_run(person, run, actor=world["admin"], source="admin")
    deliver()
    [placed] = mails_to(smtp_server, world["trainee"])
    assert "course run Intake 2027-A (2027-A) of Sample course, from April 1, 2027 to June 30, 2027" in text_of(placed)
    [later] = mails_to(smtp_server, waiting)
    assert "waiting list" in text_of(later)


def test_a_bulk_enrolment_confirms_every_new_enrolment_in_one_mail_per_person(world, course, frozen, smtp_server):
    make_course("other", "Other course")
    content = ("email,name,courses\n" + "".join(f"bulk{n}@example.org,Bulk Trainee {n},sample other\n"
                                                for n in range(3))).encode()
    plan = bulk.plan(world["coordinator"], world["ua"], content)
    bulk.apply(world["coordinator"], world["ua"], content, plan.digest)
    deliver()
    confirmations = [m for m in smtp_server.messages if subject(m).startswith("You are enrolled")]  # and the links
    assert sorted(str(m["To"]) for m in confirmations) == [f"bulk{n}@example.org" for n in range(3)]
    assert {subject(m) for m in confirmations} == {"You are enrolled in 2 courses"}
    body = text_of(confirmations[0])
    assert "- You are enrolled in Sample course." in body and "- You are enrolled in Other course." in body
    assert "/my" in body


def test_a_cancelled_run_is_told_to_its_trainees_not_to_the_withdrawn(world, course, frozen, smtp_server):
    run = a_run(course, world["admin"])
    gone = make_user("gone@example.org", "Gone Trainee", "trainee", world["ua"])
    for person in (world["trainee"], gone):
        runs.enrol_in_run(person, run, actor=world["admin"], source="admin")
    learning.withdraw(learning.current_enrolment(gone.id, course.id), "Posted abroad", world["admin"])
    deliver()
    smtp_server.messages.clear()
    runs.cancel_run(run, world["admin"])
    deliver()
    [told] = mails_to(smtp_server, world["trainee"])
    assert subject(told) == "Cancelled: Sample course, run 2027-A"
    assert mails_to(smtp_server, gone) == []


def test_new_dates_of_a_run_are_told_with_the_old_ones(world, course, frozen, smtp_server):
    run = a_run(course, world["admin"])
    runs.enrol_in_run(world["trainee"], run, actor=world["admin"], source="admin")
    deliver()
    smtp_server.messages.clear()
    fields = RunFields(code=run.code, title=run.title, starts_on=date(2027, 5, 3), ends_on=date(2027, 7, 30))
    runs.update_run(run, fields, world["admin"])
    deliver()
    [told] = mails_to(smtp_server, world["trainee"])
    assert subject(told) == "New dates: Sample course, run 2027-A"
    assert "from May 3, 2027 to July 30, 2027" in text_of(told)
    assert "It was planned from April 1, 2027 to June 30, 2027." in text_of(told)
    fields.title = "Spring intake"  # no new dates: nothing to tell
    runs.update_run(run, fields, world["admin"])
    deliver()
    assert len(mails_to(smtp_server, world["trainee"])) == 1


def test_a_trainee_moved_to_another_run_is_told(world, course, frozen, smtp_server):
    first, second = a_run(course, world["admin"]), a_run(course, world["admin"], code="2027-B",
                                                         starts_on=date(2027, 9, 1), ends_on=date(2027, 11, 30))
    enrolment, _created = runs.enrol_in_run(world["trainee"], first, actor=world["admin"], source="admin")
    deliver()
    smtp_server.messages.clear()
    runs.move(enrolment, second, world["admin"])
    deliver()
    [told] = mails_to(smtp_server, world["trainee"])
    assert subject(told) == "You were moved to run 2027-B of Sample course"
    body = text_of(told)
    assert "from the course run 2027-A to Intake 2027-B (2027-B)" in body and "Due date: November 30, 2027." in body


def test_a_cancelled_session_is_told_with_a_cancelled_calendar_file(world, course, frozen, smtp_server):
    run = a_run(course, world["admin"], starts_on=date(2027, 3, 1))
    runs.enrol_in_run(world["trainee"], run, actor=world["admin"], source="admin")
    session = a_session(course, run, world["admin"], start=datetime(2027, 3, 20, 7, 0, tzinfo=UTC))
    signups.sign_up(world["trainee"], session)
    deliver()
    smtp_server.messages.clear()
    sessions.cancel_session(session, world["admin"])
    deliver()
    [told] = mails_to(smtp_server, world["trainee"])
    assert subject(told) == "Cancelled: Document checks (Sample course)"
    assert "March 20, 2027, 9:00" in text_of(told)  # in Kyiv, the trainee's zone
    [data] = attachments_of(told).values()
    [vevent] = Calendar.from_ical(data).walk("VEVENT")
    assert str(vevent["STATUS"]) == "CANCELLED"


def test_the_enrolments_of_the_events_are_those_stored(world, course, frozen):
    """The confirmation's key names the enrolment: one message per enrolment, whatever the retries."""
    enrolment, _created = learning.enrol(world["trainee"], course, actor=world["admin"], source="admin")
    keys = _db.session.scalars(select(OutboxMessage.key)).all()
    assert keys == [f"enrolment:{enrolment.id}:1"]
    assert _db.session.get(Enrolment, enrolment.id) is not None
