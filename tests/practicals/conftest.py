"""A course whose only requirement is a practical assessment, two runs, an assessor given the first, and a
trainee in each run."""
from __future__ import annotations

from datetime import date

import pytest

from tests.helpers import make_course, make_staff, make_user


@pytest.fixture()
def drill(db, world):
    """The practical "seal-check" of the course "drill" (3 criteria, the first critical, pass mark 60), runs
    R1 and R2, the assessor given R1, the trainee (R1) and the other trainee (R2) enrolled; the instructor owns
    the course."""
    from lms.catalog.models import Module
    from lms.checklists import services
    from lms.extensions import db as database
    from lms.learning.services import enrol
    from lms.runs.models import CourseRun, run_assessors

    course = make_course("drill", "Border drill", completion_lessons="none", completion_quizzes="none")
    module = Module(course_id=course.id, slug="field", title="Field work", position=1)
    database.session.add(module)
    database.session.commit()
    make_staff(course, world["instructor"], "owner")
    assessor = make_user("assessor@example.org", "Olena Assessor", "instructor")
    make_staff(course, assessor, "assessor")
    practical = services.add_practical(module, course, {"title": "Seal check", "instructions": "Check **the seal**.",
                                                        "pass_mark": 60, "hold_marks": False}, world["admin"])
    for text, critical in (("Checks the seal number", True), ("Records it in the log", False),
                           ("Reports to the shift lead", False)):
        services.add_criterion(practical, course, text, critical, world["admin"])
    runs = []
    for code in ("R1", "R2"):
        run = CourseRun(course_id=course.id, code=code, title=f"Run {code}", starts_on=date(2026, 1, 1),
                        ends_on=date(2027, 12, 31))
        database.session.add(run)
        runs.append(run)
    database.session.flush()
    database.session.execute(run_assessors.insert().values(run_id=runs[0].id, user_id=assessor.id))
    enrolments = []
    for trainee, run in ((world["trainee"], runs[0]), (world["other_trainee"], runs[1])):
        enrolment, _created = enrol(trainee, course, actor=world["admin"], source="admin")
        enrolment.run_id = run.id
        enrolments.append(enrolment)
    database.session.commit()
    return {"course": course, "module": module, "practical": practical, "assessor": assessor, "runs": runs,
            "enrolment": enrolments[0], "other_enrolment": enrolments[1]}


def criteria_ids(practical):
    """The live criteria's ids in order."""
    return [c.id for c in practical.criteria if not c.retired]


def sign_off_data(practical, results, **extra):
    """The sign-off form's fields: `results` in the criteria's order ("met", "not_met", "not_observed")."""
    data = {f"result-{cid}": result for cid, result in zip(criteria_ids(practical), results)}
    data.update({f"comment-{cid}": f"note {n}" for n, cid in enumerate(criteria_ids(practical), 1)})
    data.setdefault("assessed_on", date.today().isoformat())
    data.setdefault("place", "Checkpoint 7")
    data.setdefault("comment", "Steady work")
    data.update(extra)
    return data
