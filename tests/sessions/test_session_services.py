"""Training sessions through their services: what staff may set, sign-ups with a capacity and a waiting list,
the refusals (overlap, cut-off, not enrolled), marking attendance (audited), the figures and completion by
attendance issuing a certificate that states the hours."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from lms.attendance.models import AttendanceMark, SessionSignUp, TrainingSession
from lms.audit.models import AuditEvent
from lms.auth.models import User
from lms.catalog.queries import staff_role
from lms.core import clock
from lms.extensions import db as _db
from lms.learning import services as learning
from lms.learning.models import Certificate, Enrolment
from lms.runs import services as runs
from lms.sessions import queries, services, signups
from lms.sessions.services import SessionError
from tests.sessions.helpers import a_run, a_session, fields, trainees_in

pytestmark = pytest.mark.db


def count(model, *where) -> int:
    return _db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.mark.parametrize(("changes", "code"), [
    ({"minutes": 0}, "ends_before_start"),
    ({"minutes": -30}, "ends_before_start"),
    ({"zone": "Mars/Olympus"}, "unknown_zone"),
    ({"online_url": "javascript:alert(1)"}, "bad_url"),
    ({"online_url": "ftp://example.org/x"}, "bad_url"),
    ({"capacity": 0}, "capacity_not_positive"),
    ({"title": "  "}, "title_required"),
])
def test_a_session_that_makes_no_sense_is_refused_and_nothing_saved(world, course, changes, code):
    run = a_run(course, world["admin"])
    start = clock.now() + timedelta(days=2)
    minutes = changes.pop("minutes", 90)
    with pytest.raises(SessionError, match=code):
        services.create_session(course, run, fields(start, minutes=minutes, **changes), world["admin"])
    assert count(TrainingSession) == 0


def test_a_time_skipped_by_summer_time_is_refused():
    """Kyiv moves from 03:00 to 04:00 on the last Sunday of March: 03:30 does not exist there."""
    with pytest.raises(SessionError, match="no_such_time"):
        services.to_utc(datetime(2027, 3, 28, 3, 30), "Europe/Kyiv")
    assert services.to_utc(datetime(2027, 3, 28, 9, 0), "Europe/Kyiv").hour == 6  # summer time: UTC+3


def test_no_session_in_a_cancelled_run_and_a_course_with_runs_needs_one(world, course):
    run = a_run(course, world["admin"])
    runs.cancel_run(run, world["admin"])
    with pytest.raises(SessionError, match="run_cancelled"):
        a_session(course, run, world["admin"])
    with pytest.raises(SessionError, match="run_required"):
        a_session(course, None, world["admin"])


def test_capacity_waiting_list_promotion_and_capacity_below_sign_ups(world, course):
    run = a_run(course, world["admin"])
    first, second, third = trainees_in(run, world, 3)
    session = a_session(course, run, world["admin"], capacity=2)
    for person in (first, second, third):
        signups.sign_up(person, session)
    waiting = queries.live_sign_up(session.id, third.id)
    assert waiting.waiting_since is not None and queries.waiting_positions(third.id) == {session.id: 1}
    assert queries.places_taken(session.id) == 2
    with pytest.raises(SessionError, match="capacity_below_signed_up"):
        services.update_session(session, fields(session.starts_at, capacity=1), world["admin"])
    _db.session.rollback()

    signups.cancel_sign_up(queries.live_sign_up(session.id, first.id), first)
    _db.session.expire_all()
    assert queries.live_sign_up(session.id, third.id).waiting_since is None
    assert queries.places_taken(session.id) == 2
    assert count(AuditEvent, AuditEvent.action == "session.promoted") == 1
    again, created = signups.sign_up(second, session)
    assert not created and again.user_id == second.id


def test_refusals_overlap_cutoff_not_enrolled_waiting_for_the_run(world, course):
    run = a_run(course, world["admin"], capacity=1)
    trainee, waiter = trainees_in(run, world, 2)
    start = clock.now() + timedelta(days=3)
    first = a_session(course, run, world["admin"], start=start)
    overlapping = a_session(course, run, world["admin"], start=start + timedelta(minutes=60), title="Overlapping")
    soon = a_session(course, run, world["admin"], start=clock.now() + timedelta(hours=10), title="Soon")
    signups.sign_up(trainee, first)
    with pytest.raises(SessionError, match="overlaps"):
        signups.sign_up(trainee, overlapping)
    with pytest.raises(SessionError, match="closed"):
        signups.sign_up(trainee, soon)  # 10 hours before: the course's cut-off is 24
    with pytest.raises(SessionError, match="not_enrolled"):
        signups.sign_up(world["other_trainee"], first)
    with pytest.raises(SessionError, match="waiting_for_run"):
        signups.sign_up(waiter, overlapping)
    services.cancel_session(overlapping, world["admin"])
    with pytest.raises(SessionError, match="cancelled"):
        signups.sign_up(trainee, overlapping)
    assert count(SessionSignUp) == 1


def test_a_session_cut_off_of_its_own_and_cancelling_after_it(world, course):
    run = a_run(course, world["admin"])
    [trainee] = trainees_in(run, world, 1)
    session = a_session(course, run, world["admin"], start=clock.now() + timedelta(hours=10), cutoff_hours=2)
    record, _ = signups.sign_up(trainee, session)
    clock.freeze(session.starts_at - timedelta(hours=1))
    try:
        with pytest.raises(SessionError, match="closed"):
            signups.cancel_sign_up(record, trainee)
    finally:
        clock.freeze(None)


def test_marking_is_audited_with_before_and_after_and_only_people_of_the_register(world, course):
    run = a_run(course, world["admin"])
    trainee, other = trainees_in(run, world, 2)
    future = a_session(course, run, world["admin"])
    past = a_session(course, run, world["admin"], start=clock.now() - timedelta(hours=3), title="Held")
    with pytest.raises(SessionError, match="not_started"):
        signups.mark(future, {trainee.id: "present"}, world["admin"])
    with pytest.raises(SessionError, match="not_on_register"):
        signups.mark(past, {world["other_trainee"].id: "present"}, world["admin"])
    assert signups.mark(past, {trainee.id: "absent"}, world["admin"]) == 1
    assert signups.mark(past, {trainee.id: "late"}, world["instructor"]) == 1
    assert signups.mark(past, {trainee.id: "late"}, world["instructor"]) == 0
    assert signups.mark_everyone_present(past, [trainee.id, other.id], world["admin"]) == 1
    events = _db.session.scalars(select(AuditEvent).where(AuditEvent.action == "attendance.marked")
                                 .order_by(AuditEvent.id)).all()
    assert [(e.details["was"], e.details["status"], e.actor_id) for e in events] == [
        (None, "absent", world["admin"].id), ("absent", "late", world["instructor"].id),
        (None, "present", world["admin"].id)]
    assert dict(_db.session.execute(select(AttendanceMark.user_id, AttendanceMark.status)).all()) == {
        trainee.id: "late", other.id: "present"}


def test_rate_and_hours_per_trainee_and_per_run(world, course):
    """Present and late count as attended; excused leaves the divisor; a session not yet held, or cancelled,
    counts in nothing."""
    run = a_run(course, world["admin"])
    trainee, other = trainees_in(run, world, 2)
    held = [a_session(course, run, world["admin"], start=clock.now() - timedelta(days=d), title=f"S{d}", minutes=m)
            for d, m in ((4, 60), (3, 90), (2, 120), (1, 30))]
    a_session(course, run, world["admin"], title="Coming")
    cancelled = a_session(course, run, world["admin"], start=clock.now() - timedelta(days=5), title="Off")
    signups.mark(cancelled, {trainee.id: "present"}, world["admin"])
    services.cancel_session(cancelled, world["admin"])
    for session, status in zip(held, ("present", "late", "excused", "absent"), strict=True):
        signups.mark(session, {trainee.id: status}, world["admin"])
    signups.mark(held[0], {other.id: "present"}, world["admin"])
    rows = {r.user.id: r.attendance for r in queries.attendance_per_trainee(course.id, run.id)}
    mine = rows[trainee.id]
    assert (mine.attended, mine.held, round(mine.rate, 4), mine.hours) == (2, 3, 0.6667, Decimal("2.5"))
    assert (rows[other.id].attended, rows[other.id].rate) == (1, 1.0)
    total = queries.run_attendance(course.id, run.id)
    assert (total.trainees, total.sessions_held, total.attended, total.held, total.hours) == (2, 4, 3, 4, Decimal("3.5"))


@pytest.mark.parametrize("rule", ["all", "at_least", "named"])
def test_marking_attendance_completes_the_course_and_the_certificate_states_the_hours(world, course, rule):
    course.completion_lessons, course.completion_quizzes = "none", "none"
    course.completion_attendance, course.completion_attendance_min = rule, 2 if rule == "at_least" else None
    course.certificate_states_hours = True
    _db.session.commit()
    run = a_run(course, world["admin"])
    [trainee] = trainees_in(run, world, 1)
    first, second = (a_session(course, run, world["admin"], start=clock.now() - timedelta(days=d), title=f"S{d}",
                               required=True) for d in (2, 1))
    a_session(course, run, world["admin"], start=clock.now() - timedelta(hours=5), title="Optional",
              required=False)
    signups.mark(first, {trainee.id: "present"}, world["admin"])
    assert learning.current_enrolment(trainee.id, course.id).status == "active"
    signups.mark(second, {trainee.id: "late"}, world["trainee"])
    enrolment = learning.current_enrolment(trainee.id, course.id)
    if rule == "all":  # the optional session too
        assert enrolment.status == "active"
        signups.mark(_db.session.scalar(select(TrainingSession).where(TrainingSession.title == "Optional")),
                     {trainee.id: "present"}, world["admin"])
        enrolment = learning.current_enrolment(trainee.id, course.id)
    assert enrolment.status == "completed"
    hours = Decimal("4.5") if rule == "all" else Decimal("3.0")
    assert _db.session.scalar(select(Certificate.attended_hours).where(Certificate.user_id == trainee.id)) == hours


def test_sessions_of_a_person_between_two_moments(world, course):
    run = a_run(course, world["admin"])
    [trainee] = trainees_in(run, world, 1)
    now = clock.now()
    inside = a_session(course, run, world["admin"], start=now + timedelta(days=3), title="Inside")
    a_session(course, run, world["admin"], start=now + timedelta(days=20), title="Outside")
    signups.sign_up(trainee, inside)
    services.add_trainer(run, world["instructor"], world["admin"])
    found = queries.sessions_of_person(trainee.id, now, now + timedelta(days=7))
    assert [(p.session.title, p.trainer) for p in found] == [("Inside", False)]
    trained = queries.sessions_of_person(world["instructor"].id, now, now + timedelta(days=30))
    assert [(p.session.title, p.trainer) for p in trained] == [("Inside", True), ("Outside", True)]


def test_trainers_of_a_run_join_the_staff_and_leave_it(world, course):
    run = a_run(course, world["admin"])
    other = a_run(course, world["admin"], code="B")
    services.add_trainer(run, world["instructor"], world["admin"])
    services.add_trainer(other, world["instructor"], world["admin"])
    assert queries.is_run_trainer(world["instructor"].id, run.id)
    with pytest.raises(SessionError, match="not_instructor"):
        services.add_trainer(run, world["trainee"], world["admin"])
    services.remove_trainer(run, world["instructor"].id, world["admin"])
    assert not queries.is_run_trainer(world["instructor"].id, run.id)
    assert queries.is_run_trainer(world["instructor"].id, other.id)
    services.remove_trainer(other, world["instructor"].id, world["admin"])
    assert staff_role(course.id, world["instructor"].id) is None


def test_a_withdrawn_trainee_frees_their_places_in_coming_sessions(world, course):
    run = a_run(course, world["admin"])
    leaver, waiter = trainees_in(run, world, 2)
    session = a_session(course, run, world["admin"], capacity=1)
    signups.sign_up(leaver, session)
    signups.sign_up(waiter, session)
    learning.withdraw(learning.current_enrolment(leaver.id, course.id), "posted elsewhere", world["admin"])
    _db.session.expire_all()
    assert queries.live_sign_up(session.id, leaver.id) is None
    assert queries.live_sign_up(session.id, waiter.id).waiting_since is None


def test_twenty_trainees_sign_up_at_once_never_over_capacity(app, world, course, database_url):
    """Twenty trainees sign up at the same moment for a session of three places: three hold a place, seventeen
    wait, on PostgreSQL under the session's row lock (SQLite writes one transaction at a time)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("the row lock is PostgreSQL's; SQLite serialises writing transactions")
    run = a_run(course, world["admin"])
    people = [u.id for u in trainees_in(run, world, 20)]
    session_id = a_session(course, run, world["admin"], capacity=3).id
    barrier, errors = threading.Barrier(len(people)), []

    def sign(user_id: int) -> None:
        with app.app_context():
            try:
                trainee = _db.session.get(User, user_id)
                session = _db.session.get(TrainingSession, session_id)
                _db.session.rollback()
                barrier.wait(timeout=30)
                signups.sign_up(trainee, session)
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(repr(error))
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=sign, args=(i,)) for i in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    counts = _db.session.execute(select(func.count(SessionSignUp.id), func.count(SessionSignUp.waiting_since))
                                 .where(SessionSignUp.session_id == session_id)).one()
    assert tuple(counts) == (20, 17)
    assert count(Enrolment, Enrolment.run_id == run.id) == 20
