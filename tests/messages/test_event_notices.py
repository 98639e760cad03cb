"""The notices of events that change a trainee's place: the first on a run's or a session's waiting list given a
place, a session moved to another time (its .ics updated: the same UID, a higher SEQUENCE), a withdrawn enrolment
restored. Each arrives once, in the recipient's language and zone, never to a deactivated account, and never for
a change rolled back."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from lms.enrolments import services as bulk
from lms.extensions import db as _db
from lms.learning import services as learning
from lms.mail.models import OutboxMessage
from lms.runs import services as runs
from lms.sessions import places, signups
from lms.sessions import services as sessions
from tests.helpers import Auth, make_user, statements
from tests.messages.conftest import attachments_of, deliver, mails_to, subject, text_of
from tests.messages.test_events import a_run
from tests.sessions.helpers import a_session, fields

pytestmark = pytest.mark.db

# 9:00 in Kyiv (UTC+2 before the end of March), 11:00 in Tbilisi (UTC+4).
START = datetime(2027, 3, 20, 7, 0, tzinfo=UTC)
LATER = datetime(2027, 3, 22, 12, 30, tzinfo=UTC)


def outbox_count() -> int:
    return _db.session.scalar(select(func.count()).select_from(OutboxMessage))


def vevent_of(mail):
    [data] = attachments_of(mail).values()
    [vevent] = Calendar.from_ical(data).walk("VEVENT")
    return vevent


def full_run(world, course, capacity: int = 1):
    """A run with one place, held by the world's trainee."""
    run = a_run(course, world["admin"], capacity=capacity)
    runs.enrol_in_run(world["trainee"], run, actor=world["admin"], source="admin")
    return run


# A place from a run's waiting list -----------------------------------------------------------------------
def test_the_first_waiting_for_a_run_is_told_of_their_place_once_in_their_language(world, course, frozen,
                                                                                   smtp_server):
    run = full_run(world, course)
    olena = make_user("olena@example.org", "Олена Коваль", "trainee", world["ua"], locale="uk")
    runs.enrol_in_run(olena, run, actor=world["admin"], source="admin")
    deliver()
    smtp_server.messages.clear()
    learning.withdraw(learning.current_enrolment(world["trainee"].id, course.id), "Posted abroad", world["admin"])
    deliver()
    [told] = mails_to(smtp_server, olena)
    assert subject(told) == "У вас є місце: курс «Sample course», потік 2027-A"
    body = text_of(told)
    assert "Intake 2027-A (2027-A)" in body and "2027" in body and "30 червня 2027" in body
    assert runs.place_left(run.id, world["admin"]) == 0  # nothing more to give: nothing more to tell
    deliver()
    assert len(mails_to(smtp_server, olena)) == 1


def test_a_promoted_trainee_reads_the_run_its_dates_and_due_date(world, course, frozen, smtp_server):
    run = full_run(world, course)
    waiting = make_user("wait@example.org", "Waiting Trainee", "trainee", world["ua"])
    runs.enrol_in_run(waiting, run, actor=world["admin"], source="admin", due_on=date(2027, 7, 15))
    deliver()
    smtp_server.messages.clear()
    learning.withdraw(learning.current_enrolment(world["trainee"].id, course.id), "Posted abroad", world["admin"])
    deliver()
    [told] = mails_to(smtp_server, waiting)
    assert subject(told) == "You have a place: Sample course, run 2027-A"
    body = text_of(told)
    assert ("you now have a place in the course run Intake 2027-A (2027-A) of Sample course, from April 1, 2027 to "
            "June 30, 2027.") in body
    assert "Due date: July 15, 2027." in body
    assert mails_to(smtp_server, world["trainee"]) == []  # the one who left is not told of the place


def test_a_deactivated_account_promoted_in_a_run_is_not_mailed(world, course, frozen, smtp_server):
    run = full_run(world, course, capacity=1)
    gone = make_user("gone@example.org", "Gone Trainee", "trainee", world["ua"])
    second = make_user("second@example.org", "Second Trainee", "trainee", world["ua"])
    for person in (gone, second):
        runs.enrol_in_run(person, run, actor=world["admin"], source="admin")
    gone.active = False
    deliver()
    smtp_server.messages.clear()
    runs.update_run(run, runs.RunFields(code=run.code, title=run.title, starts_on=run.starts_on, ends_on=run.ends_on,
                                        capacity=3), world["admin"])
    deliver()
    assert mails_to(smtp_server, gone) == []
    [told] = mails_to(smtp_server, second)
    assert subject(told) == "You have a place: Sample course, run 2027-A"


def test_a_promotion_rolled_back_mails_nothing(world, course, frozen, smtp_server):
    run = full_run(world, course)
    waiting = make_user("wait@example.org", "Waiting Trainee", "trainee", world["ua"])
    runs.enrol_in_run(waiting, run, actor=world["admin"], source="admin")
    deliver()
    smtp_server.messages.clear()
    before = outbox_count()
    run.capacity = 2
    assert runs.place_left(run.id, world["admin"]) == 1
    _db.session.rollback()
    deliver()
    assert mails_to(smtp_server, waiting) == []
    assert outbox_count() == before


# A place from a session's waiting list ------------------------------------------------------------------
def session_with_one_place(world, course):
    run = a_run(course, world["admin"], starts_on=date(2027, 3, 1))
    return run, a_session(course, run, world["admin"], start=START, capacity=1)


def test_the_first_waiting_for_a_session_gets_its_place_with_the_calendar_file(world, course, frozen, smtp_server):
    run, session = session_with_one_place(world, course)
    olena = make_user("olena@example.org", "Олена Коваль", "trainee", world["ua"], locale="uk")
    for person in (world["trainee"], olena):
        runs.enrol_in_run(person, run, actor=world["admin"], source="admin")
    held, _new = signups.sign_up(world["trainee"], session)
    waiting, _new = signups.sign_up(olena, session)
    assert waiting.waiting_since is not None
    deliver()
    smtp_server.messages.clear()
    signups.cancel_sign_up(held, world["trainee"])
    deliver()
    [told] = mails_to(smtp_server, olena)
    assert subject(told) == "У вас є місце: Document checks (курс «Sample course»)"
    assert "09:00" in text_of(told) and "Room 4" in text_of(told)  # Kyiv's time
    vevent = vevent_of(told)
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert vevent["DTSTART"].dt == START
    assert mails_to(smtp_server, world["trainee"]) == []
    _db.session.refresh(session)
    assert places.promote(places.lock(session.id), world["admin"]) == 0
    deliver()
    assert len(mails_to(smtp_server, olena)) == 1


def test_a_deactivated_account_promoted_at_a_session_is_not_mailed(world, course, frozen, smtp_server):
    run, session = session_with_one_place(world, course)
    gone = make_user("gone@example.org", "Gone Trainee", "trainee", world["ua"])
    for person in (world["trainee"], gone):
        runs.enrol_in_run(person, run, actor=world["admin"], source="admin")
    held, _new = signups.sign_up(world["trainee"], session)
    signups.sign_up(gone, session)
    gone.active = False
    deliver()
    smtp_server.messages.clear()
    signups.cancel_sign_up(held, world["trainee"])
    deliver()
    assert mails_to(smtp_server, gone) == []


# A session moved to another time ------------------------------------------------------------------------
def test_a_moved_session_is_told_to_everyone_signed_up_in_their_zone_with_an_updated_calendar_file(
        world, course, frozen, smtp_server):
    run, session = session_with_one_place(world, course)
    tbilisi = make_user("nino@example.org", "Nino Waiting", "trainee", world["ua"])
    tbilisi.timezone = "Asia/Tbilisi"
    for person in (world["trainee"], tbilisi):
        runs.enrol_in_run(person, run, actor=world["admin"], source="admin")
    signups.sign_up(world["trainee"], session)
    signups.sign_up(tbilisi, session)  # the waiting list
    deliver()
    smtp_server.messages.clear()
    sessions.update_session(session, fields(LATER, capacity=1), world["admin"])
    deliver()
    [placed] = mails_to(smtp_server, world["trainee"])
    assert subject(placed) == "New time: Document checks (Sample course)"
    body = text_of(placed)
    assert "Starts: March 22, 2027, 2:30" in body  # 14:30 in Kyiv
    assert "It was planned from March 20, 2027, 9:00" in body
    [waiting] = mails_to(smtp_server, tbilisi)
    assert "Starts: March 22, 2027, 4:30" in text_of(waiting)  # 16:30 in Tbilisi
    assert "You are still on its waiting list." in text_of(waiting)
    first = vevent_of(placed)
    assert first["DTSTART"].dt == LATER and str(first["STATUS"]) == "CONFIRMED"
    assert str(vevent_of(waiting)["STATUS"]) == "TENTATIVE"
    assert str(first["UID"]).startswith(f"lms-session-{session.id}@")
    assert int(first["SEQUENCE"]) > 0

    sessions.update_session(session, fields(LATER, capacity=1, location="Room 5"), world["admin"])  # same times
    deliver()
    assert len(mails_to(smtp_server, world["trainee"])) == 1
    frozen(datetime(2027, 3, 15, 9, 0, tzinfo=UTC))
    sessions.update_session(session, fields(START, capacity=1), world["admin"])  # moved back: told again
    deliver()
    placed_again = mails_to(smtp_server, world["trainee"])[-1]
    assert len(mails_to(smtp_server, world["trainee"])) == 2
    again = vevent_of(placed_again)
    assert str(again["UID"]) == str(first["UID"]) and int(again["SEQUENCE"]) > int(first["SEQUENCE"])


def test_a_ukrainian_trainee_reads_the_new_time_in_ukrainian(world, course, frozen, smtp_server):
    run, session = session_with_one_place(world, course)
    olena = make_user("olena@example.org", "Олена Коваль", "trainee", world["ua"], locale="uk")
    runs.enrol_in_run(olena, run, actor=world["admin"], source="admin")
    signups.sign_up(olena, session)
    deliver()
    smtp_server.messages.clear()
    sessions.update_session(session, fields(LATER, capacity=1), world["admin"])
    deliver()
    [told] = mails_to(smtp_server, olena)
    assert subject(told) == "Новий час: Document checks (курс «Sample course»)"
    assert "14:30" in text_of(told)


def test_a_moved_session_is_not_mailed_to_the_deactivated_nor_the_cancelled(world, course, frozen, smtp_server):
    run, session = session_with_one_place(world, course)
    gone = make_user("gone@example.org", "Gone Trainee", "trainee", world["ua"])
    for person in (world["trainee"], gone):
        runs.enrol_in_run(person, run, actor=world["admin"], source="admin")
    held, _new = signups.sign_up(world["trainee"], session)
    signups.sign_up(gone, session)
    signups.cancel_sign_up(held, world["trainee"])  # the trainee left; the other got the place
    gone.active = False
    deliver()
    smtp_server.messages.clear()
    sessions.update_session(session, fields(LATER, capacity=1), world["admin"])
    deliver()
    assert mails_to(smtp_server, gone) == [] and mails_to(smtp_server, world["trainee"]) == []
    assert _db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.key.like(f"session-moved:{session.id}:%"))) == 0


def test_a_move_rolled_back_mails_nothing(world, course, frozen, smtp_server, monkeypatch):
    run, session = session_with_one_place(world, course)
    runs.enrol_in_run(world["trainee"], run, actor=world["admin"], source="admin")
    signups.sign_up(world["trainee"], session)
    deliver()
    smtp_server.messages.clear()
    before = outbox_count()

    def fails(*_args):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(places, "promote", fails)  # the change fails after its notice was written
    with pytest.raises(RuntimeError):
        sessions.update_session(session, fields(LATER, capacity=1), world["admin"])
    _db.session.rollback()
    deliver()
    assert mails_to(smtp_server, world["trainee"]) == []
    assert outbox_count() == before


def test_the_statements_of_a_moved_session_do_not_grow_with_those_signed_up(db, world, course, frozen):
    def move(prefix: str, people: int) -> int:
        run = a_run(course, world["admin"], code=f"R-{prefix}", starts_on=date(2027, 3, 1))
        session = a_session(course, run, world["admin"], start=START)
        for n in range(people):
            person = make_user(f"{prefix}{n}@example.org", f"Trainee {prefix}{n}", "trainee", world["ua"])
            runs.enrol_in_run(person, run, actor=world["admin"], source="admin")
            signups.sign_up(person, session)
        with statements(db) as sent:
            sessions.update_session(session, fields(LATER), world["admin"])
        return len(sent)

    assert move("few", 2) == move("many", 10)


# A withdrawn enrolment restored -------------------------------------------------------------------------
def test_a_restored_enrolment_is_told_once_per_withdrawal(world, course, frozen, smtp_server):
    trainee = world["trainee"]
    enrolment, _created = learning.enrol(trainee, course, actor=world["admin"], source="admin",
                                         due_on=date(2027, 4, 30))
    learning.withdraw(enrolment, "Posted abroad", world["admin"])
    deliver()
    smtp_server.messages.clear()
    learning.restore(enrolment, world["admin"])
    deliver()
    [told] = mails_to(smtp_server, trainee)
    assert subject(told) == "You are back on Sample course"
    body = text_of(told)
    assert "you are back on the course" in body and "Due date: April 30, 2027." in body
    frozen(datetime(2027, 3, 16, 8, 0, tzinfo=UTC))
    learning.withdraw(enrolment, "Posted abroad again", world["admin"])
    learning.restore(enrolment, world["admin"])  # another withdrawal undone: another notice
    deliver()
    assert len(mails_to(smtp_server, trainee)) == 2


def test_a_trainee_restored_into_a_full_run_reads_their_place_on_its_waiting_list_in_ukrainian(
        world, course, frozen, smtp_server):
    olena = make_user("olena@example.org", "Олена Коваль", "trainee", world["ua"], locale="uk")
    run = a_run(course, world["admin"], capacity=1)
    enrolment, _created = runs.enrol_in_run(olena, run, actor=world["admin"], source="admin")
    runs.enrol_in_run(world["trainee"], run, actor=world["admin"], source="admin")  # waits
    learning.withdraw(enrolment, "Posted abroad", world["admin"])  # the trainee gets the place
    deliver()
    smtp_server.messages.clear()
    runs.restore(enrolment, world["admin"])
    deliver()
    [told] = mails_to(smtp_server, olena)
    assert subject(told) == "Вас поновлено на курсі «Sample course»"
    assert "номер 1" in text_of(told)
    assert mails_to(smtp_server, world["trainee"]) == []


def test_a_trainee_restored_into_a_run_with_room_reads_its_dates(world, course, frozen, smtp_server):
    run = a_run(course, world["admin"], capacity=2)
    enrolment, _created = runs.enrol_in_run(world["trainee"], run, actor=world["admin"], source="admin")
    learning.withdraw(enrolment, "Posted abroad", world["admin"])
    deliver()
    smtp_server.messages.clear()
    runs.restore(enrolment, world["admin"])
    deliver()
    [told] = mails_to(smtp_server, world["trainee"])
    assert ("you are back in the course run Intake 2027-A (2027-A), from April 1, 2027 to June 30, 2027."
            in text_of(told))
    assert "Due date: June 30, 2027." in text_of(told)


def test_a_bulk_enrolment_that_restores_tells_the_trainee(world, course, frozen, smtp_server):
    enrolment, _created = learning.enrol(world["trainee"], course, actor=world["admin"], source="admin")
    learning.withdraw(enrolment, "Posted abroad", world["admin"])
    deliver()
    smtp_server.messages.clear()
    content = f"email,name,courses\n{world['trainee'].email},Taras Trainee,sample\n".encode()
    plan = bulk.plan(world["coordinator"], world["ua"], content, may_restore=lambda _e: True)
    bulk.apply(world["coordinator"], world["ua"], content, plan.digest, may_restore=lambda _e: True)
    deliver()
    [told] = mails_to(smtp_server, world["trainee"])
    assert subject(told) == "You are back on Sample course"


def test_a_restoration_is_not_mailed_to_a_deactivated_account_nor_when_rolled_back(world, course, frozen,
                                                                                   smtp_server):
    trainee = world["trainee"]
    enrolment, _created = learning.enrol(trainee, course, actor=world["admin"], source="admin")
    learning.withdraw(enrolment, "Posted abroad", world["admin"])
    deliver()
    smtp_server.messages.clear()
    before = outbox_count()
    learning.restore_withdrawn(enrolment, world["admin"])
    _db.session.rollback()
    deliver()
    assert mails_to(smtp_server, trainee) == [] and outbox_count() == before
    trainee.active = False
    learning.restore(enrolment, world["admin"])
    deliver()
    assert mails_to(smtp_server, trainee) == []


def test_the_calendar_download_carries_the_same_event_as_the_notice(app, world, course, frozen, smtp_server):
    """The feed and the download derive SEQUENCE from the session alone: the app that imported the mail's file and
    the one subscribed to the feed hold the same version of the event."""
    run, session = session_with_one_place(world, course)
    runs.enrol_in_run(world["trainee"], run, actor=world["admin"], source="admin")
    signups.sign_up(world["trainee"], session)
    client = app.test_client()
    Auth(client).login(world["trainee"].email)
    before = Calendar.from_ical(client.get(f"/calendar/event/session/{session.id}.ics").data).walk("VEVENT")[0]
    assert "SEQUENCE" not in before  # never changed: 0, left out
    deliver()
    smtp_server.messages.clear()
    sessions.update_session(session, fields(LATER, capacity=1), world["admin"])
    deliver()
    [told] = mails_to(smtp_server, world["trainee"])
    download = Calendar.from_ical(client.get(f"/calendar/event/session/{session.id}.ics").data).walk("VEVENT")[0]
    mailed = vevent_of(told)
    assert int(download["SEQUENCE"]) == int(mailed["SEQUENCE"]) > 0
    assert str(download["UID"]).split("@")[0] == str(mailed["UID"]).split("@")[0] == str(before["UID"]).split("@")[0]
    assert download["DTSTART"].dt == LATER


def test_a_session_moved_into_the_past_is_a_correction_that_mails_nobody(world, course, frozen, smtp_server):
    run, session = session_with_one_place(world, course)
    runs.enrol_in_run(world["trainee"], run, actor=world["admin"], source="admin")
    signups.sign_up(world["trainee"], session)
    deliver()
    smtp_server.messages.clear()
    sessions.update_session(session, fields(datetime(2027, 3, 12, 7, 0, tzinfo=UTC), capacity=1), world["admin"])
    deliver()
    assert mails_to(smtp_server, world["trainee"]) == []
