"""What the gradebook's tests share: a course of modules with quizzes, assignments and practical assessments made
as rows (the other kinds' pages live in other branches), trainees in runs, and their results as rows."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import event

from lms.assignments.models import Assignment, Mark, Submission
from lms.catalog.models import Module
from lms.core import clock
from lms.extensions import db
from lms.learning.models import Enrolment
from lms.practicals.models import Practical, Record
from lms.quizzes.models import Quiz, QuizAttempt
from lms.runs import services as runs
from lms.runs.services import RunFields
from tests.helpers import make_course, make_user

MODELS = {"quiz": Quiz, "assignment": Assignment, "practical": Practical}


def a_course(slug: str = "graded", modules: int = 2, per_module=("quiz", "assignment", "practical")):
    """A published course with `modules` modules, each holding one item of each kind named, in that order."""
    course = make_course(slug, f"Course {slug}")
    items = []
    for m in range(modules):
        module = Module(course_id=course.id, slug=f"m{m + 1}", position=m + 1, title=f"Module {m + 1}")
        db.session.add(module)
        db.session.flush()
        for position, kind in enumerate(per_module, start=1):
            item = MODELS[kind](course_id=course.id, module_id=module.id, slug=f"{kind}-{m + 1}-{position}",
                                position=position, title=f"{kind.title()} {m + 1}.{position}")
            db.session.add(item)
            items.append(item)
    db.session.commit()
    return course, items


def a_run(course, admin, code: str = "R1"):
    """A run of the course from today for 60 days."""
    today = clock.now().date()
    return runs.create_run(course, RunFields(code=code, title=f"Intake {code}", starts_on=today,
                                             ends_on=today + timedelta(days=60), capacity=None), admin)


def trainees(course, run, world, n: int, prefix: str = "t", institution=None) -> list[Enrolment]:
    """`n` new trainees of the institution (default Ukraine's) enrolled in the run; their enrolments."""
    admin, institution = world["admin"], institution or world["ua"]
    found = []
    for i in range(n):
        person = make_user(f"{prefix}{i}@example.org", f"Trainee {prefix}{i:03d}", "trainee", institution)
        runs.enrol_in_run(person, run, actor=admin, source="admin")
        found.append(db.session.query(Enrolment).filter_by(user_id=person.id, course_id=course.id).one())
    return found


def attempt(enrolment, quiz, percent, number: int = 1, status: str = "submitted"):
    """A closed quiz attempt with this percentage."""
    db.session.add(QuizAttempt(quiz_id=quiz.id, enrolment_id=enrolment.id, user_id=enrolment.user_id, number=number,
                               status=status, submitted_at=clock.now() if status != "in_progress" else None, draw=[],
                               percent=None if percent is None else Decimal(str(percent)),
                               passed=percent is not None and percent >= quiz.pass_mark))
    db.session.commit()


def submission(enrolment, assignment, status: str = "submitted", number: int = 1, percent=None, released=True,
               outcome: str = "marked", superseded: bool = False):
    """A submission (and, for "marked" or "returned", its mark)."""
    sub = Submission(assignment_id=assignment.id, enrolment_id=enrolment.id, user_id=enrolment.user_id,
                     number=number, status=status, submitted_at=clock.now() if status != "draft" else None)
    db.session.add(sub)
    db.session.flush()
    if status in ("marked", "returned") or superseded:
        db.session.add(Mark(submission_id=sub.id, outcome=outcome if status != "returned" else "returned",
                            percent=None if percent is None else Decimal(str(percent)),
                            passed=percent is not None and percent >= assignment.pass_mark,
                            released_at=clock.now() if released else None,
                            superseded_at=clock.now() if superseded else None))
    db.session.commit()
    return sub


def record(enrolment, practical, percent, passed: bool = True, released: bool = True, superseded: bool = False):
    """An assessor's record of a practical assessment."""
    db.session.add(Record(practical_id=practical.id, enrolment_id=enrolment.id, user_id=enrolment.user_id,
                          assessed_on=clock.now().date(), percent=Decimal(str(percent)), passed=passed,
                          released_at=clock.now() if released else None,
                          superseded_at=clock.now() if superseded else None))
    db.session.commit()


@contextmanager
def statements(database):
    """How many statements are sent while the block runs (an executemany counts once)."""
    sent = []

    def on_execute(*_args):
        sent.append(1)

    event.listen(database.engine, "before_cursor_execute", on_execute)
    try:
        yield sent
    finally:
        event.remove(database.engine, "before_cursor_execute", on_execute)
