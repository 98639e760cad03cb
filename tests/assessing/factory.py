"""Rows of assessed work made directly, for the marking tests: a course with one module and an assignment, runs,
enrolments, assessors, and handed-in submissions with files put in the storage (the trainee's side of writing
and submitting is lms.assignments', built elsewhere)."""
from __future__ import annotations

import hashlib
from datetime import date, datetime, timezone

from lms.assignments.models import Assignment, Submission, SubmissionFile
from lms.catalog.models import CourseStaff, Module
from lms.core.storage import current_storage
from lms.extensions import db
from lms.learning.models import Enrolment
from lms.runs.models import CourseRun, run_assessors
from tests.helpers import make_course, make_user

RUBRIC = [
    {"title": "Analysis of risks", "description": "Names the main risks", "levels": [
        {"title": "None named", "points": 0}, {"title": "Some risks", "points": 2}, {"title": "Every main risk", "points": 4}]},
    {"title": "Action plan", "description": "", "levels": [
        {"title": "Missing", "points": 0}, {"title": "Complete", "points": 6}]},
]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SUBMITTED = datetime(2026, 11, 20, 9, 30, tzinfo=timezone.utc)


def make_assignment(course, slug="action-plan", title="Draft action plan", **settings) -> Assignment:
    """An assignment in the course's first module (made when missing)."""
    module = db.session.query(Module).filter_by(course_id=course.id).first()
    if module is None:
        module = Module(course_id=course.id, slug="work", position=1, title="Work")
        db.session.add(module)
        db.session.flush()
    assignment = Assignment(course_id=course.id, module_id=module.id, slug=slug, position=1, title=title,
                            **settings)
    db.session.add(assignment)
    db.session.commit()
    return assignment


def make_run(course, code: str) -> CourseRun:
    run = CourseRun(course_id=course.id, code=code, title=f"Run {code}", starts_on=date(2026, 11, 1),
                    ends_on=date(2026, 12, 20))
    db.session.add(run)
    db.session.commit()
    return run


def enrol(user, course, run=None) -> Enrolment:
    enrolment = Enrolment(user_id=user.id, course_id=course.id, run_id=run.id if run else None, source="coordinator")
    db.session.add(enrolment)
    db.session.commit()
    return enrolment


def make_assessor(course, email: str, name: str, runs=()):
    """An instructor on the course's staff as assessor, given these runs (none: the whole course)."""
    user = make_user(email, name, "instructor")
    db.session.add(CourseStaff(course_id=course.id, user_id=user.id, role="assessor"))
    for run in runs:
        db.session.execute(run_assessors.insert().values(run_id=run.id, user_id=user.id))
    db.session.commit()
    return user


def submit(assignment, enrolment, text="My plan: seal checks first.", number=1, late=False, files=(),
           status="submitted") -> Submission:
    """A handed-in submission with its files in the storage."""
    submission = Submission(assignment_id=assignment.id, enrolment_id=enrolment.id, user_id=enrolment.user_id,
                            number=number, status=status, text=text, late=late,
                            submitted_at=SUBMITTED if status != "draft" else None)
    db.session.add(submission)
    db.session.flush()
    for name, data in files:
        key = f"assignments/{assignment.course_id}/{submission.id}-{len(submission.files)}.pdf"
        current_storage().put(key, data, "application/pdf")
        submission.files.append(SubmissionFile(storage_key=key, name=name, mime_type="application/pdf",
                                               size=len(data), sha256=hashlib.sha256(data).hexdigest()))
    db.session.commit()
    return submission


def world_of_marking(world):
    """A course with two runs (A and B), an assignment with a rubric, a trainee in each run with a handed-in
    submission (the first with a PDF), an assessor of run A only, an editor, and another course's instructor."""
    course = make_course("logframe", "Strategic planning")
    run_a, run_b = make_run(course, "A"), make_run(course, "B")
    assignment = make_assignment(course, rubric=RUBRIC, pass_mark=50)
    editor = world["instructor"]
    db.session.add(CourseStaff(course_id=course.id, user_id=editor.id, role="owner"))
    db.session.commit()
    assessor = make_assessor(course, "assessor@example.org", "Olena Assessor", runs=[run_a])
    other_course = make_course("other", "Other course")
    outsider = make_user("outsider@example.org", "Oksana Outsider", "instructor")
    db.session.add(CourseStaff(course_id=other_course.id, user_id=outsider.id, role="owner"))
    db.session.commit()
    enrolment_a = enrol(world["trainee"], course, run_a)
    enrolment_b = enrol(world["other_trainee"], course, run_b)
    work_a = submit(assignment, enrolment_a, files=[("plan.pdf", PDF)])
    work_b = submit(assignment, enrolment_b, text="Georgian plan", late=True)
    return {"course": course, "run_a": run_a, "run_b": run_b, "assignment": assignment, "editor": editor,
            "assessor": assessor, "outsider": outsider, "enrolment_a": enrolment_a, "enrolment_b": enrolment_b,
            "work_a": work_a, "work_b": work_b}
