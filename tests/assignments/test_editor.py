"""The browser editor of assignments: add with every setting and a rubric in the text box (errors named by
line), reorder and delete beside lessons and quizzes, and a rubric changed after marking asks whether to
re-mark."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from lms.assignments.models import Assignment, Mark, Submission
from lms.audit.models import AuditEvent
from lms.core import clock

pytestmark = pytest.mark.db

RUBRIC = "Risks | Named and weighed\n4 | Every main risk\n0 | None\nGoals\n6 | SMART\n"
NEW = "/author/planning/modules/plan/assignments/new"
EDIT = "/author/planning/assignments/action-plan"


def form(**changes):
    data = {"title": "Logframe", "instructions": "Fill in the *logframe*.", "accepts": "files",
            "file_kinds": ["pdf", "xlsx"], "max_file_mb": "5", "max_files": "2", "due_on": "2027-03-01",
            "late_allowed": "", "resubmissions": "2", "max_score": "20", "pass_mark": "60", "hide_names": "y",
            "hold_marks": "y", "rubric": ""}
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_an_instructor_adds_an_assignment_with_every_setting_and_a_rubric(auth, assigned, db):
    auth.login("instructor@example.org")
    response = auth.post(NEW, form(rubric=RUBRIC), form_page=NEW)
    assert response.status_code == 302
    added = db.session.scalar(select(Assignment).where(Assignment.slug == "logframe"))
    assert (added.accepts, added.file_kinds, added.max_file_mb, added.max_files, str(added.due_on)) == (
        "files", "pdf,xlsx", 5, 2, "2027-03-01")
    assert (added.late_allowed, added.resubmissions, added.pass_mark, added.hide_names, added.hold_marks) == (
        False, 2, 60, True, True)
    assert added.rubric[0]["levels"][0] == {"title": "Every main risk", "points": 4}
    assert added.max_score == 10 and added.position == 2  # the rubric's highest total; after the first item
    html = auth.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Risks | Named and weighed\n4 | Every main risk" in html
    outline = auth.client.get("/author/planning/").get_data(as_text=True)
    assert "Logframe" in outline and "+ Assignment" in outline


def test_a_rubric_error_names_its_line_and_keeps_the_text(auth, assigned, db):
    auth.login("instructor@example.org")
    response = auth.post(NEW, form(rubric="4 | A level first\nRisks\n"), form_page=NEW)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Line 1: A level comes before any criterion" in html
    assert "4 | A level first" in html
    assert db.session.scalar(select(Assignment).where(Assignment.slug == "logframe")) is None


def test_reorder_and_delete_beside_other_items(auth, assigned, db):
    from lms.catalog.models import Lesson

    lesson = Lesson(course_id=assigned["course"].id, module_id=assigned["module"].id, slug="intro", position=2,
                    title="Intro", minutes=5, body="Hi")
    db.session.add(lesson)
    db.session.commit()
    auth.login("instructor@example.org")
    auth.post("/author/planning/assignments/action-plan/move", {"direction": "down"}, form_page="/author/planning/")
    db.session.expire_all()
    assert (db.session.get(Lesson, lesson.id).position, assigned["assignment"].position) == (1, 2)
    auth.post("/author/planning/assignments/action-plan/delete", {},
              form_page="/author/planning/assignments/action-plan/delete")
    db.session.expire_all()
    assert db.session.get(Assignment, assigned["assignment"].id).retired is True
    assert auth.client.get("/courses/planning/assignments/action-plan").status_code == 404


def _marked(db, assigned, rubric):
    assignment = assigned["assignment"]
    assignment.rubric, assignment.rubric_version = rubric, 1
    submission = Submission(assignment_id=assignment.id, enrolment_id=assigned["enrolment"].id,
                            user_id=assigned["trainee"].id, number=1, status="marked", submitted_at=clock.now())
    db.session.add(submission)
    db.session.flush()
    mark = Mark(submission_id=submission.id, outcome="marked", score=Decimal(4), percent=Decimal(100), passed=True,
                rubric=rubric, rubric_version=1, levels=[0], released_at=clock.now())
    db.session.add(mark)
    db.session.commit()
    return submission, mark


OLD = [{"title": "Risks", "description": "", "levels": [{"title": "All", "points": 4}]}]


@pytest.mark.parametrize("remark", ["yes", "no"])
def test_changing_a_rubric_after_marking_asks_whether_to_re_mark(auth, assigned, db, remark):
    submission, mark = _marked(db, assigned, OLD)
    auth.login("instructor@example.org")
    asked = auth.post(EDIT, form(title="Draft action plan", rubric=RUBRIC), form_page=EDIT)
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Re-mark the marked work?" in html and "1 submission is marked" in html
    db.session.expire_all()
    assert db.session.get(Assignment, assigned["assignment"].id).rubric_version == 1  # nothing changed yet
    answered = auth.post(EDIT, form(title="Draft action plan", rubric=RUBRIC, remark=remark), form_page=EDIT)
    assert answered.status_code == 302
    db.session.expire_all()
    assignment = db.session.get(Assignment, assigned["assignment"].id)
    assert assignment.rubric_version == 2 and len(assignment.rubric) == 2 and assignment.accepts == "files"
    mark = db.session.get(Mark, mark.id)
    submission = db.session.get(Submission, submission.id)
    if remark == "yes":
        assert submission.status == "submitted" and mark.superseded_at is not None
    else:
        assert submission.status == "marked" and mark.superseded_at is None
    assert mark.rubric == OLD and mark.rubric_version == 1  # a mark keeps the rubric it was given with
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assignment.rubric_changed"))
    assert event.details["remark"] is (remark == "yes")


def test_the_confirmation_page_carries_every_setting(auth, assigned, db):
    _marked(db, assigned, OLD)
    auth.login("instructor@example.org")
    html = auth.post(EDIT, form(title="Draft action plan", rubric=RUBRIC), form_page=EDIT).get_data(as_text=True)
    for hidden in ('name="file_kinds" value="pdf"', 'name="file_kinds" value="xlsx"', 'name="hide_names" value="y"',
                   'name="due_on" value="2027-03-01"', 'name="max_files" value="2"'):
        assert hidden in html
    assert 'name="late_allowed"' not in html


def test_the_editor_is_for_the_course_editors_only(auth, assigned):
    auth.login("trainee@example.org")
    assert auth.client.get(EDIT).status_code == 403
    assert auth.client.get(NEW).status_code == 403


def test_instructions_that_would_hold_the_renderer_are_refused_with_their_line(auth, assigned, db):
    auth.login("instructor@example.org")
    text = "Intro\n\n" + "[" * 8000 + "x" + "]" * 8000
    response = auth.post(NEW, form(instructions=text), form_page=NEW)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Line 3" in html
    assert db.session.scalar(select(Assignment).where(Assignment.slug == "logframe")) is None
