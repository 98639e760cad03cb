"""The finer points of the definitions: expired attempts, retired content, enrolment cycles."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from lms.access import report_scope
from lms.core import clock
from lms.learning.models import Enrolment
from lms.quizzes.models import Quiz, QuizAttempt
from lms.quizzes.models import GRACE_SECONDS
from lms.reports import queries
from lms.reports.filters import ReportFilters
from tests.reports.conftest import Actions, at

pytestmark = pytest.mark.db


def only_row(world, **kwargs):
    result = queries.completion_report(report_scope(world["admin"]), ReportFilters(), **kwargs)
    assert len(result.rows) == 1
    return result.rows[0]


def trainee_row(world):
    return queries.enrolment_page(report_scope(world["admin"]), ReportFilters()).items[0]


def test_an_attempt_past_its_deadline_counts_as_submitted_before_the_job_closes_it(db, world, course):
    db.session.execute(update(Quiz).where(Quiz.slug == "final").values(time_limit_minutes=10))
    db.session.commit()
    act = Actions(db)
    enrolment = act.enrol(world["trainee"], course, "2024-05-01 09:00")
    attempt = act.quiz(enrolment, course, "final", "2024-05-01 10:00", submit=False)
    deadline = at("2024-05-01 10:10")
    try:
        # Within the grace period the attempt is still open: started, but the final is not submitted.
        clock.freeze(deadline + timedelta(seconds=GRACE_SECONDS))
        row = only_row(world, now=clock.now())
        assert (row.in_progress, row.final_submitted, row.pass_rate) == (1, 0, None)
        # Past it, the report counts it as submitted (and not passed) though nothing closed it yet.
        clock.freeze(deadline + timedelta(seconds=GRACE_SECONDS + 1))
        row = only_row(world, now=clock.now())
        assert (row.final_submitted, row.final_passed, row.pass_rate, row.average_best_score) == (1, 0, 0.0, 0.0)
        assert db.session.get(QuizAttempt, attempt.id).status == "in_progress"
    finally:
        clock.freeze(None)


def test_retired_lessons_and_quizzes_do_not_count(db, world, course):
    act = Actions(db)
    enrolment = act.enrol(world["trainee"], course, "2024-05-01 09:00")
    act.view(enrolment, course, "intro", "2024-05-01 10:00")
    act.quiz(enrolment, course, "check", "2024-05-01 11:00", right=True)
    row = trainee_row(world)
    assert (row.state, row.progress, row.course_score, row.attempts) == ("in_progress", 50, 50.0, 1)
    from lms.catalog.models import Lesson

    db.session.execute(update(Lesson).where(Lesson.slug == "intro").values(retired=True))
    db.session.execute(update(Quiz).where(Quiz.slug == "check").values(retired=True))
    db.session.commit()
    # What is left live: lesson "second" (not viewed) and the final (not attempted).
    row = trainee_row(world)
    assert (row.state, row.progress, row.course_score, row.attempts) == ("not_started", 0, 0.0, 0)
    assert only_row(world).not_started == 1


def test_pass_rate_uses_the_last_quiz_when_none_is_marked_final(db, world, course):
    db.session.execute(update(Quiz).where(Quiz.slug == "final").values(is_final=False))
    db.session.commit()
    act = Actions(db)
    enrolment = act.enrol(world["trainee"], course, "2024-05-01 09:00")
    act.quiz(enrolment, course, "check", "2024-05-01 11:00", right=True)
    assert only_row(world).final_submitted == 0  # "check" is not the course's last quiz
    act.quiz(enrolment, course, "final", "2024-05-01 12:00", right=True)
    row = only_row(world)
    assert (row.final_submitted, row.final_passed, row.pass_rate) == (1, 1, 100.0)


def test_only_current_enrolment_cycles_count(db, world, course):
    act = Actions(db)
    enrolment = act.enrol(world["trainee"], course, "2024-05-01 09:00")
    act.complete_course(enrolment, course, "2024-05-02 09:00", "2024-05-03 09:00")
    # Two years later the certificate (24 months) has expired: the trainee enrols in a new cycle.
    second = act.enrol(world["trainee"], course, "2026-06-01 09:00")
    assert second.id != enrolment.id and second.cycle == 2
    row = only_row(world)
    assert (row.enrolled, row.not_started, row.completed, row.median_days) == (1, 1, 0, None)
    assert db.session.scalar(select(Enrolment.is_current).where(Enrolment.id == enrolment.id)) is False


def test_only_trainees_are_counted(db, world, course):
    act = Actions(db)
    act.enrol(world["coordinator"], course, "2024-05-01 09:00")
    assert queries.completion_report(report_scope(world["admin"]), ReportFilters()).rows == []
    act.enrol(world["trainee"], course, "2024-05-01 09:00")
    assert only_row(world).enrolled == 1


def test_an_empty_platform_gives_an_empty_report(db, world):
    result = queries.completion_report(report_scope(world["admin"]), ReportFilters())
    assert result.rows == [] and result.totals.enrolled == 0 and result.totals.completion_rate is None
    assert queries.enrolment_page(report_scope(world["admin"]), ReportFilters()).total == 0
