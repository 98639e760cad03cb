"""Course runs through their services: what staff may set, enrolment into a run with its capacity and
waiting list, promotion when a place frees, moves between runs keeping progress."""
from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lms.audit.models import AuditEvent
from lms.auth.models import User
from lms.catalog.models import Lesson
from lms.core import clock
from lms.extensions import db as _db
from lms.learning import services as learning
from lms.learning.models import Enrolment, LessonProgress
from lms.quizzes import services as quizzes
from lms.quizzes.models import Quiz
from lms.runs import queries, services
from lms.runs.models import CourseRun
from lms.runs.services import RunError, RunFields
from tests.helpers import make_user

pytestmark = pytest.mark.db


def fields(**changes) -> RunFields:
    today = clock.now().date()
    values = dict(code="2027-A", title="Spring intake", starts_on=today, ends_on=today + timedelta(days=30),
                  enrol_opens_on=today - timedelta(days=1), enrol_closes_on=today + timedelta(days=10), capacity=2)
    values.update(changes)
    return RunFields(**values)


def trainees(world, n: int):
    return [make_user(f"t{i}@example.org", f"Trainee {i}", "trainee", world["ua"]) for i in range(n)]


@pytest.mark.parametrize(("changes", "code"), [
    ({"ends_on": date(2020, 1, 1)}, "ends_before_start"),
    ({"enrol_closes_on": date(2099, 1, 1)}, "window_after_end"),
    ({"capacity": 0}, "capacity_not_positive"),
    ({"code": " "}, "code_required"),
    ({"open_to_all": False}, "no_institutions"),
])
def test_a_run_that_makes_no_sense_is_refused_and_nothing_saved(world, course, changes, code):
    with pytest.raises(RunError, match=code):
        services.create_run(course, fields(**changes), world["admin"])
    assert _db.session.scalar(select(func.count()).select_from(CourseRun)) == 0


def test_capacity_waiting_list_and_promotion_on_withdrawal(world, course):
    """Capacity 2: the third trainee waits (and may not start a quiz); when one withdraws, the third has the
    place, audited; the due date is the run's end."""
    run = services.create_run(course, fields(), world["admin"])
    first, second, third = trainees(world, 3)
    for trainee in (first, second, third):
        services.enrol_in_run(trainee, run, actor=trainee)
    waiting = learning.current_enrolment(third.id, course.id)
    assert waiting.waiting and queries.waiting_position(waiting) == 1
    assert learning.current_enrolment(first.id, course.id).due_on == run.ends_on
    assert queries.places_taken(run.id) == 2
    quiz = _db.session.scalar(select(Quiz).where(Quiz.course_id == course.id))
    with pytest.raises(quizzes.AttemptError, match="waiting"):
        quizzes.start_attempt(waiting, quiz)

    learning.withdraw(learning.current_enrolment(first.id, course.id), "moved to another post", world["admin"])
    _db.session.expire_all()
    promoted = learning.current_enrolment(third.id, course.id)
    assert not promoted.waiting and queries.places_taken(run.id) == 2
    assert _db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "run.promoted", AuditEvent.target_id == promoted.id)) == 1


def test_self_enrolment_only_in_window_and_for_institutions_it_is_open_to(world, course):
    today = clock.now().date()
    later = services.create_run(course, fields(code="later", enrol_opens_on=today + timedelta(days=2)), world["admin"])
    with pytest.raises(RunError, match="window_closed"):
        services.enrol_in_run(world["trainee"], later, actor=world["trainee"])
    services.enrol_in_run(world["trainee"], later, actor=world["coordinator"], source="coordinator")
    georgian = services.create_run(course, fields(code="ge", open_to_all=False, institution_ids=(world["ge"].id,)),
                                   world["admin"])
    with pytest.raises(RunError, match="not_open_to"):
        services.enrol_in_run(world["trainee"], georgian, actor=world["admin"], source="admin")
    services.enrol_in_run(world["other_trainee"], georgian, actor=world["other_trainee"])
    assert [f.run.code for f in queries.enrollable_runs(course.id, world["ua"].id, today)] == []
    services.create_run(course, fields(code="open"), world["admin"])
    assert [f.run.code for f in queries.enrollable_runs(course.id, world["ua"].id, today)] == ["open"]
    assert [f.run.code for f in queries.enrollable_runs(course.id, world["ge"].id, today)] == ["ge", "open"]


def test_capacity_below_places_taken_is_refused_and_a_larger_one_promotes(world, course):
    run = services.create_run(course, fields(capacity=1), world["admin"])
    first, second = trainees(world, 2)
    services.enrol_in_run(first, run, actor=first)
    services.enrol_in_run(second, run, actor=second)
    services.update_run(run, fields(capacity=1, title="Renamed"), world["admin"])  # same capacity: fine
    with pytest.raises(RunError):
        services.create_run(course, fields(), world["admin"])  # the code is taken
    _db.session.rollback()
    run = _db.session.get(CourseRun, run.id)
    assert run.title == "Renamed"
    services.update_run(run, fields(capacity=2), world["admin"])
    assert not learning.current_enrolment(second.id, course.id).waiting
    with pytest.raises(RunError, match="capacity_below_enrolled"):
        services.update_run(run, fields(capacity=1), world["admin"])


def test_a_run_with_enrolments_is_cancelled_not_deleted(world, course):
    run = services.create_run(course, fields(), world["admin"])
    services.enrol_in_run(world["trainee"], run, actor=world["trainee"])
    with pytest.raises(IntegrityError):
        _db.session.delete(run)
        _db.session.flush()
    _db.session.rollback()
    run = _db.session.get(CourseRun, run.id)
    services.cancel_run(run, world["admin"])
    with pytest.raises(RunError, match="cancelled"):
        services.enrol_in_run(world["other_trainee"], run, actor=world["admin"], source="admin")


def test_a_trainee_moved_between_runs_keeps_progress_and_frees_the_place(world, course):
    first = services.create_run(course, fields(capacity=1), world["admin"])
    second = services.create_run(course, fields(code="B", ends_on=clock.now().date() + timedelta(days=60)),
                                 world["admin"])
    mover, waiter = trainees(world, 2)
    services.enrol_in_run(mover, first, actor=mover)
    services.enrol_in_run(waiter, first, actor=waiter)
    enrolment = learning.current_enrolment(mover.id, course.id)
    lesson = _db.session.scalar(select(Lesson).where(Lesson.course_id == course.id))
    learning.record_lesson_view(enrolment, lesson, course)
    services.move(enrolment, second, world["admin"])
    _db.session.expire_all()
    moved = learning.current_enrolment(mover.id, course.id)
    assert moved.run_id == second.id and moved.due_on == second.ends_on and moved.id == enrolment.id
    assert _db.session.scalar(select(func.count()).select_from(LessonProgress)
                              .where(LessonProgress.enrolment_id == moved.id)) == 1
    assert not learning.current_enrolment(waiter.id, course.id).waiting
    assert _db.session.scalar(select(AuditEvent.details).where(AuditEvent.action == "enrolment.moved"))["was"] == "2027-A"


def test_a_course_without_runs_enrols_as_before(world, course):
    enrolment, created = learning.enrol(world["trainee"], course, actor=world["trainee"])
    assert created and enrolment.run_id is None and not enrolment.waiting and not queries.course_has_runs(course.id)


def test_twenty_trainees_at_once_never_exceed_capacity(app, world, course, database_url):
    """Twenty trainees enrol at the same moment in a run of three places: three hold a place, seventeen wait,
    on PostgreSQL under its row lock (SQLite writes one transaction at a time)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("the row lock is PostgreSQL's; SQLite serialises writing transactions")
    run_id = services.create_run(course, fields(capacity=3), world["admin"]).id
    people = [u.id for u in trainees(world, 20)]
    barrier, errors = threading.Barrier(len(people)), []

    def enrol(user_id: int) -> None:
        with app.app_context():
            try:
                trainee = _db.session.get(User, user_id)
                run = _db.session.get(CourseRun, run_id)
                _db.session.rollback()
                barrier.wait(timeout=30)
                services.enrol_in_run(trainee, run, actor=trainee)
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(repr(error))
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=enrol, args=(i,)) for i in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    counts = _db.session.execute(select(func.count(Enrolment.id), func.count(Enrolment.waiting_since))
                                 .where(Enrolment.run_id == run_id)).one()
    assert tuple(counts) == (20, 17)
