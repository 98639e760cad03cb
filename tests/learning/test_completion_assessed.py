"""Completion counts assignments and practical assessments passed: by a current mark or record that is
released; one held back, superseded or failed completes nothing."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from lms.assignments.models import Assignment, Mark, Submission
from lms.catalog.models import Module
from lms.core import clock
from lms.learning import services as learning
from lms.learning.models import Enrolment
from lms.practicals.models import Practical, Record
from tests.helpers import take_quiz

pytestmark = pytest.mark.db


def _done_with_content(client, auth, db, world):
    """The trainee enrolled, with every lesson read and every quiz passed."""
    auth.login(world["trainee"].email)
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    client.get("/courses/sample/lessons/intro")
    client.get("/courses/sample/lessons/second")
    take_quiz(auth, db, "sample", "check")
    take_quiz(auth, db, "sample", "final")
    return db.session.scalar(select(Enrolment))


def _assignment(db, course) -> Assignment:
    module = db.session.scalar(select(Module).where(Module.course_id == course.id).order_by(Module.position))
    assignment = Assignment(course_id=course.id, module_id=module.id, slug="plan", position=90, title="Action plan")
    db.session.add(assignment)
    db.session.commit()
    return assignment


def _mark(db, assignment, enrolment, *, passed=True, released=True, superseded=False) -> Mark:
    number = len(db.session.scalars(select(Submission.id).where(Submission.enrolment_id == enrolment.id)).all()) + 1
    submission = Submission(assignment_id=assignment.id, enrolment_id=enrolment.id, user_id=enrolment.user_id,
                            number=number, status="marked", text="My plan", submitted_at=clock.now())
    db.session.add(submission)
    db.session.flush()
    mark = Mark(submission=submission, outcome="marked", score=Decimal(80 if passed else 20),
                percent=Decimal(80 if passed else 20), passed=passed,
                released_at=clock.now() if released else None, superseded_at=clock.now() if superseded else None)
    db.session.add(mark)
    db.session.flush()
    return mark


def _status(db, enrolment, course) -> str:
    learning.check_completion(enrolment, course)
    db.session.commit()
    return db.session.get(Enrolment, enrolment.id).status


def test_an_assignment_completes_the_course_only_with_a_released_passing_current_mark(client, auth, world, course,
                                                                                        db):
    assignment = _assignment(db, course)
    enrolment = _done_with_content(client, auth, db, world)
    db.session.expire_all()
    assert enrolment.status == "active"  # the assignment is not passed yet
    _mark(db, assignment, enrolment, passed=False)
    _mark(db, assignment, enrolment, superseded=True)
    held = _mark(db, assignment, enrolment, released=False)
    assert _status(db, enrolment, course) == "active"
    held.released_at = clock.now()
    assert _status(db, enrolment, course) == "completed"


def test_a_practical_completes_the_course_only_with_a_released_passing_record(client, auth, world, course, db):
    module = db.session.scalar(select(Module).where(Module.course_id == course.id))
    practical = Practical(course_id=course.id, module_id=module.id, slug="seal", position=91, title="Seal check")
    db.session.add(practical)
    db.session.commit()
    enrolment = _done_with_content(client, auth, db, world)

    def record(passed, released):
        db.session.add(Record(practical_id=practical.id, enrolment_id=enrolment.id, user_id=enrolment.user_id,
                              assessed_on=date(2026, 12, 1), percent=Decimal(100 if passed else 50), passed=passed,
                              released_at=clock.now() if released else None))

    record(passed=False, released=True)
    record(passed=True, released=False)
    assert _status(db, enrolment, course) == "active"
    record(passed=True, released=True)
    assert _status(db, enrolment, course) == "completed"


def test_a_rule_without_assignments_completes_without_them(client, auth, world, course, db):
    _assignment(db, course)
    course.completion_assignments = "none"
    db.session.commit()
    enrolment = _done_with_content(client, auth, db, world)
    db.session.expire_all()
    assert db.session.get(Enrolment, enrolment.id).status == "completed"


def test_a_course_of_assignments_only_completes_on_the_mark(client, auth, world, course, db):
    """No lessons or quizzes asked for: the released mark alone completes; before it, nothing does."""
    assignment = _assignment(db, course)
    course.completion_lessons, course.completion_quizzes = "none", "none"
    db.session.commit()
    auth.login(world["trainee"].email)
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    enrolment = db.session.scalar(select(Enrolment))
    assert _status(db, enrolment, course) == "active"
    _mark(db, assignment, enrolment)
    assert _status(db, enrolment, course) == "completed"
