"""The evaluation of availability, condition by condition: what a trainee finds open or locked, and why;
the run's start and end, the waiting list, time zones; one item's check agrees with the whole course's, in
a fixed number of statements whatever the number of items."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event

from lms.availability.queries import Reason, course_availability, item_state
from lms.availability.rules import Needs, Rules, RulesError
from lms.availability.services import Locked, set_rules, start_attempt
from lms.catalog.outline import course_outline
from lms.core import when
from lms.learning import services as learning
from lms.learning.models import Enrolment
from lms.quizzes import services as quiz_services
from lms.runs.services import RunFields, create_run, enrol_in_run
from tests.helpers import make_course

pytestmark = pytest.mark.db


def _state(enrolment, course, item, kind=None):
    kind = kind or ("quiz" if item.__tablename__ == "quizzes" else "lesson")
    whole = course_availability(enrolment, course)
    one = item_state(enrolment, course, kind, item.id)
    assert whole.states[(kind, item.id)] == one  # the single-item check agrees with the course's
    return one


def _enrol(world, course):
    enrolment, _created = learning.enrol(world["trainee"], course, actor=world["admin"], source="admin")
    return enrolment


def _pass(enrolment, quiz, right=True):
    """Take the quiz through the engine, every answer right (or wrong)."""
    from tests.helpers import answers_for

    attempt = quiz_services.start_attempt(enrolment, quiz)
    responses = {}
    for slug, values in answers_for(attempt.draw, right).items():
        if slug != "questions":
            responses[slug[2:]] = values
    parsed = quiz_services.parse_responses(attempt, {k: v if isinstance(v, list) else [v] for k, v in responses.items()},
                                           list(responses))
    return quiz_services.submit_attempt(attempt, parsed)


def test_without_rules_everything_is_open(world, course, items, frozen):
    enrolment = _enrol(world, course)
    assert not course_availability(enrolment, course).any_locked
    assert not _state(enrolment, course, items["final"]).locked


def test_after_a_lesson_read(world, course, items, frozen):
    set_rules(course, "quiz", items["check"], Rules(items=(Needs("lesson", items["intro"].id),)), world["admin"])
    enrolment = _enrol(world, course)
    assert _state(enrolment, course, items["check"]).reasons == (Reason("lesson", title="Introduction"),)
    learning.record_lesson_view(enrolment, items["intro"], course)
    assert not _state(enrolment, course, items["check"]).locked


def test_after_a_quiz_passed_and_with_a_score(world, course, items, frozen):
    set_rules(course, "quiz", items["final"], Rules(items=(Needs("quiz", items["check"].id, 100),)), world["admin"])
    set_rules(course, "lesson", items["second"], Rules(items=(Needs("quiz", items["check"].id),)), world["admin"])
    enrolment = _enrol(world, course)
    assert _state(enrolment, course, items["final"]).reasons == (Reason("quiz", title="Check", percent=100),)
    assert _state(enrolment, course, items["second"]).reasons == (Reason("quiz", title="Check"),)
    _pass(enrolment, items["check"], right=False)  # failed: neither opens
    assert _state(enrolment, course, items["second"]).locked
    _pass(enrolment, items["check"])
    assert not _state(enrolment, course, items["second"]).locked
    assert not _state(enrolment, course, items["final"]).locked  # 100 %


def test_after_another_course_completed_whatever_the_source(world, course, items, frozen, db):
    basics = make_course("basics", "Basics")
    set_rules(course, "quiz", items["final"], Rules(courses=("basics",)), world["admin"])
    enrolment = _enrol(world, course)
    assert _state(enrolment, course, items["final"]).reasons == (Reason("course", title="Basics"),)
    # A completion written by hand (another part of the work records completions with its own source).
    db.session.add(Enrolment(user_id=world["trainee"].id, course_id=basics.id, source="admin", status="completed",
                             completed_at=datetime(2026, 5, 1, tzinfo=UTC)))
    db.session.commit()
    assert not _state(enrolment, course, items["final"]).locked


def test_from_a_date_in_the_trainees_zone(world, course, items, frozen, db):
    set_rules(course, "lesson", items["second"], Rules(opens_on=date(2027, 3, 2)), world["admin"])
    enrolment = _enrol(world, course)
    state = _state(enrolment, course, items["second"])
    assert state.reasons == (Reason("date", opens_on=date(2027, 3, 2)),) and state.opens_on == date(2027, 3, 2)
    # 22:30 UTC on 1 March: already 2 March in Kyiv (the trainee's institution), still 1 March in UTC.
    frozen(datetime(2027, 3, 1, 22, 30, tzinfo=UTC))
    assert not _state(enrolment, course, items["second"]).locked
    world["trainee"].timezone = "America/New_York"
    db.session.commit()
    assert _state(enrolment, course, items["second"]).locked


def test_days_after_the_runs_start_and_the_runs_own_dates(world, course, items, frozen):
    run = create_run(course, RunFields("r1", "March", date(2027, 3, 3), date(2027, 3, 31)), world["admin"])
    set_rules(course, "quiz", items["final"], Rules(days_after_start=14), world["admin"])
    enrolment, _ = enrol_in_run(world["trainee"], run, actor=world["admin"], source="admin")
    # Before the start: everything locked, opening on the start.
    assert _state(enrolment, course, items["intro"]).reasons == (Reason("date", opens_on=date(2027, 3, 3)),)
    assert _state(enrolment, course, items["final"]).opens_on == date(2027, 3, 17)
    frozen(datetime(2027, 3, 3, 8, 0, tzinfo=UTC))
    assert not _state(enrolment, course, items["intro"]).locked
    assert _state(enrolment, course, items["final"]).reasons == (Reason("date", opens_on=date(2027, 3, 17)),)


def test_days_after_start_does_not_apply_without_a_run(world, course, items, frozen):
    set_rules(course, "quiz", items["final"], Rules(days_after_start=14), world["admin"])
    assert not _state(_enrol(world, course), course, items["final"]).locked


def test_the_waiting_list_sees_everything_locked(world, course, items, frozen):
    run = create_run(course, RunFields("r1", "March", date(2027, 2, 1), date(2027, 3, 31), capacity=1),
                     world["admin"])
    enrol_in_run(world["other_trainee"], run, actor=world["admin"], source="admin")
    enrolment, _ = enrol_in_run(world["trainee"], run, actor=world["admin"], source="admin")
    assert enrolment.waiting
    everything = course_availability(enrolment, course)
    assert all(s.reasons == (Reason("waiting"),) for s in everything.states.values()) and len(everything.states) == 4
    with pytest.raises(Locked):
        start_attempt(enrolment, course, items["check"])


def test_after_the_run_ends_lessons_stay_open_but_no_new_attempt(world, course, items, frozen, db):
    run = create_run(course, RunFields("r1", "February", date(2027, 2, 1), date(2027, 2, 28)), world["admin"])
    frozen(datetime(2027, 2, 10, 10, tzinfo=UTC))
    enrolment, _ = enrol_in_run(world["trainee"], run, actor=world["admin"], source="admin")
    in_progress = start_attempt(enrolment, course, items["check"])
    frozen(datetime(2027, 2, 28, 21, 55, tzinfo=UTC))  # 23:55 in Kyiv: the last day still
    assert not course_availability(enrolment, course).ended
    frozen(datetime(2027, 2, 28, 22, 5, tzinfo=UTC))  # 00:05 on 1 March in Kyiv: ended
    state = _state(enrolment, course, items["final"])
    assert state.ended and not state.locked and not state.startable
    assert not _state(enrolment, course, items["intro"]).locked
    with pytest.raises(Locked) as refused:
        start_attempt(enrolment, course, items["final"])
    assert refused.value.state.ended
    # The attempt left open on 10 February ran out of its ten minutes long ago: closed, and no new one.
    with pytest.raises(Locked):
        start_attempt(enrolment, course, items["check"])
    db.session.refresh(in_progress)
    assert in_progress.status == "expired"
    # An extension: staff move the due date past the run's end.
    learning.set_due(enrolment, date(2027, 3, 15), when.person_zone(world["trainee"]))
    db.session.commit()
    assert start_attempt(enrolment, course, items["final"]).status == "in_progress"


def test_an_attempt_in_progress_can_be_submitted_after_the_run_ends(world, course, items, frozen, db):
    run = create_run(course, RunFields("r1", "February", date(2027, 2, 1), date(2027, 2, 28)), world["admin"])
    frozen(datetime(2027, 2, 28, 21, 55, tzinfo=UTC))
    enrolment, _ = enrol_in_run(world["trainee"], run, actor=world["admin"], source="admin")
    attempt = start_attempt(enrolment, course, items["check"])
    frozen(datetime(2027, 2, 28, 22, 3, tzinfo=UTC))  # the run has ended; the ten minutes have not
    assert start_attempt(enrolment, course, items["check"]).id == attempt.id
    assert quiz_services.submit_attempt(attempt).status == "submitted"


def test_items_done_stay_open(world, course, items, frozen):
    enrolment = _enrol(world, course)
    learning.record_lesson_view(enrolment, items["second"], course)
    set_rules(course, "lesson", items["second"], Rules(opens_on=date(2030, 1, 1)), world["admin"])
    assert not _state(enrolment, course, items["second"]).locked


def test_a_condition_on_a_retired_item_holds_nothing_back(world, course, items, frozen, db):
    set_rules(course, "quiz", items["final"], Rules(items=(Needs("lesson", items["second"].id),)), world["admin"])
    items["second"].retired = True
    db.session.commit()
    assert not _state(_enrol(world, course), course, items["final"]).locked


def test_saving_refuses_a_cycle_another_courses_item_and_unknown_courses(world, course, items, frozen, db):
    set_rules(course, "quiz", items["check"], Rules(items=(Needs("lesson", items["second"].id),)), world["admin"])
    set_rules(course, "lesson", items["second"], Rules(items=(Needs("lesson", items["intro"].id),)), world["admin"])
    with pytest.raises(RulesError) as cycle:
        set_rules(course, "lesson", items["intro"], Rules(items=(Needs("quiz", items["check"].id),)), world["admin"])
    assert cycle.value.code == "cycle"
    assert cycle.value.details["path"] == [("lesson", items["intro"].id), ("quiz", items["check"].id),
                                           ("lesson", items["second"].id), ("lesson", items["intro"].id)]
    with pytest.raises(RulesError, match="cycle"):
        set_rules(course, "lesson", items["intro"], Rules(items=(Needs("lesson", items["intro"].id),)), world["admin"])
    with pytest.raises(RulesError, match="other_course"):
        set_rules(course, "lesson", items["intro"], Rules(items=(Needs("lesson", 999_999),)), world["admin"])
    with pytest.raises(RulesError, match="unknown_course"):
        set_rules(course, "lesson", items["intro"], Rules(courses=("nowhere",)), world["admin"])
    with pytest.raises(RulesError, match="own_course"):
        set_rules(course, "lesson", items["intro"], Rules(courses=("sample",)), world["admin"])
    with pytest.raises(RulesError, match="two_dates"):
        set_rules(course, "lesson", items["intro"], Rules(opens_on=date(2027, 1, 1), days_after_start=3),
                  world["admin"])
    with pytest.raises(RulesError, match="too_many"):
        set_rules(course, "lesson", items["intro"], Rules(courses=tuple(f"c{i}" for i in range(21))), world["admin"])
    assert item_state(_enrol(world, course), course, "lesson", items["intro"].id) == item_state(None, course, "lesson", 0)


def test_the_whole_course_is_read_in_a_fixed_number_of_statements(world, course, items, frozen, db):
    basics = make_course("basics", "Basics")
    run = create_run(course, RunFields("r1", "March", date(2027, 2, 1), date(2027, 3, 31)), world["admin"])
    enrolment, _ = enrol_in_run(world["trainee"], run, actor=world["admin"], source="admin")

    def count() -> int:
        db.session.expire_all()
        fresh = db.session.get(Enrolment, enrolment.id)
        fresh.user  # noqa: B018 - the signed-in person is loaded before the page asks
        course_outline(db.session.get(type(course), course.id))  # cached per course version, as on the pages
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            course_availability(fresh, db.session.get(type(course), course.id))
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    set_rules(course, "quiz", items["check"], Rules(items=(Needs("lesson", items["intro"].id),), courses=("basics",)),
              world["admin"])
    few = count()
    for item, needs in (("second", "intro"), ("final", "check")):
        kind = "quiz" if item == "final" else "lesson"
        set_rules(course, kind, items[item], Rules(items=(Needs("lesson" if needs == "intro" else "quiz",
                                                                items[needs].id),), courses=("basics",),
                                                   opens_on=date(2027, 1, 1)), world["admin"])
    second = count()
    # The conditions, the run, the progress (one), the courses named: whatever the number of items.
    assert second == few == 4
    assert basics.id
