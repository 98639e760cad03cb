"""The gradebook's pages as each person meets them: staff, assessors and trainers of a run, coordinators, the
trainee; the settings, an override through its form, and the exports opened as a spreadsheet would."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert, select

from lms.audit.models import AuditEvent
from lms.extensions import db as _db
from lms.gradebook.models import Override, Weight
from lms.runs.models import run_assessors, run_trainers
from tests.gradebook.helpers import a_course, a_run, attempt, record, submission, trainees
from tests.helpers import make_staff, make_user

pytestmark = pytest.mark.db


@pytest.fixture()
def book(world):
    """A course of one quiz, assignment and practical; run A with two Ukrainian trainees and one Georgian, run B
    with one Ukrainian; an assessor given run A; a trainer of run B."""
    course, items = a_course(modules=1)
    quiz, assignment, practical = items
    run_a, run_b = a_run(course, world["admin"], "A"), a_run(course, world["admin"], "B")
    ua_a = trainees(course, run_a, world, 2, "a")
    ge_a = trainees(course, run_a, world, 1, "g", institution=world["ge"])
    ua_b = trainees(course, run_b, world, 1, "b")
    attempt(ua_a[0], quiz, 80)
    submission(ua_a[0], assignment, "marked", percent=60)
    record(ua_a[0], practical, 100)
    submission(ua_a[1], assignment, "marked", percent=90, released=False)
    attempt(ge_a[0], quiz, 55)
    attempt(ua_b[0], quiz, 30)
    make_staff(course, world["instructor"])
    assessor = make_user("assessor@example.org", "Alla Assessor", "instructor")
    make_staff(course, assessor, "assessor")
    trainer = make_user("trainer@example.org", "Petro Trainer", "instructor")
    make_staff(course, trainer, "trainer")
    _db.session.execute(insert(run_assessors).values(run_id=run_a.id, user_id=assessor.id))
    _db.session.execute(insert(run_trainers).values(run_id=run_b.id, user_id=trainer.id))
    _db.session.commit()
    return {"course": course, "items": items, "runs": (run_a, run_b), "ua_a": ua_a, "ge_a": ge_a, "ua_b": ua_b,
            "assessor": assessor, "trainer": trainer}


def _page(auth, email, url):
    auth.login(email)
    response = auth.client.get(url)
    auth.logout()
    return response


def test_the_editor_sees_every_row_with_statuses_and_totals(client, auth, world, book):
    response = _page(auth, world["instructor"].email, "/courses/graded/gradebook")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for name in ("Trainee a000", "Trainee a001", "Trainee g000", "Trainee b000"):
        assert name in html
    assert "80.0%" in html and "60.0%" in html and "held back" in html and "Grading settings" in html
    assert '<th scope="col"' in html and '<th scope="row">' in html and "<caption" in html
    assert "/gradebook/" in html and "quiz-" in html  # every cell opens its override form
    # One run only.
    html = _page(auth, world["instructor"].email, f"/courses/graded/gradebook?run={book['runs'][1].id}"
                 ).get_data(as_text=True)
    assert "Trainee b000" in html and "Trainee a000" not in html


def test_an_assessor_sees_no_gradebook_and_a_trainer_their_runs_read_only(client, auth, world, book):
    """An assessor sees the work they mark and nothing else of the course: not the gradebook, its runs' or its
    export (quiz results and attendance are in it); their queue is open to them."""
    run_a, run_b = book["runs"]
    for path in ("/courses/graded/gradebook", f"/courses/graded/gradebook?run={run_a.id}",
                 f"/courses/graded/gradebook?run={run_b.id}", "/courses/graded/gradebook/export.csv"):
        assert _page(auth, "assessor@example.org", path).status_code == 403, path
    assert _page(auth, "assessor@example.org", "/courses/graded/assess").status_code == 200
    html = _page(auth, "trainer@example.org", "/courses/graded/gradebook").get_data(as_text=True)
    assert "Trainee b000" in html and "Trainee a000" not in html
    assert _page(auth, "trainer@example.org", f"/courses/graded/gradebook?run={run_a.id}").status_code == 403
    enrolment = book["ua_b"][0]
    assert _page(auth, "trainer@example.org",
                 f"/courses/graded/gradebook/{enrolment.id}/total-0").status_code == 403


def test_a_coordinator_sees_their_institutions_officers_only(client, auth, world, book):
    html = _page(auth, world["coordinator"].email, "/courses/graded/gradebook").get_data(as_text=True)
    assert "Trainee a000" in html and "Trainee b000" in html and "Trainee g000" not in html
    assert "total-0" not in html
    html = _page(auth, world["other_coordinator"].email, "/courses/graded/gradebook").get_data(as_text=True)
    assert "Trainee g000" in html and "Trainee a000" not in html
    exported = _page(auth, world["other_coordinator"].email, "/courses/graded/gradebook/export.csv")
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True))))
    assert [r[0] for r in rows[1:]] == ["Trainee g000"]
    # Another course's instructor, a trainee: refused.
    assert _page(auth, world["trainee"].email, "/courses/graded/gradebook").status_code == 403


def test_the_trainee_sees_their_own_row_and_never_a_held_mark(client, auth, world, book):
    held = book["ua_a"][1]
    from lms.auth.models import User

    person = _db.session.get(User, held.user_id)
    response = _page(auth, person.email, "/courses/graded/grades")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "awaiting marking" in html and "90.0%" not in html and "held back" not in html
    assert "Trainee a000" not in html
    # Someone not enrolled: not found.
    assert _page(auth, world["trainee"].email, "/courses/graded/grades").status_code == 404


def test_settings_and_an_override_through_the_forms(client, auth, world, book):
    course = book["course"]
    quiz = book["items"][0]
    enrolment = book["ua_a"][0]
    auth.login(world["instructor"].email)
    refused = auth.post("/courses/graded/gradebook/settings", {"rule": "item_weights", f"w-quiz-{quiz.id}": "5000"})
    assert refused.status_code == 200 and "aria-invalid" in refused.get_data(as_text=True)
    saved = auth.post("/courses/graded/gradebook/settings", {"rule": "item_weights", f"w-quiz-{quiz.id}": "2"})
    assert saved.status_code == 302
    _db.session.expire_all()
    assert course.grading_rule == "item_weights"
    assert _db.session.scalar(select(Weight.weight).where(Weight.item_id == quiz.id)) == Decimal("2.00")
    url = f"/courses/graded/gradebook/{enrolment.id}/quiz-{quiz.id}"
    refused = auth.post(url, {"percent": "90", "reason": ""})
    assert refused.status_code == 400
    saved = auth.post(url, {"percent": "90", "reason": "Oral retake"})
    assert saved.status_code == 302
    html = auth.client.get("/courses/graded/gradebook").get_data(as_text=True)
    assert "90.0%" in html and "set by hand" in html
    removed = auth.post(url, {"action": "remove"}, form_page=url)
    assert removed.status_code == 302
    assert _db.session.scalar(select(Override.id)) is None
    assert auth.client.get(f"/courses/graded/gradebook/{enrolment.id}/lessons-1").status_code == 404


def test_the_exports_hold_the_rows_and_are_audited(client, auth, world, book):
    auth.login(world["instructor"].email)
    response = auth.client.get("/courses/graded/gradebook/export.csv")
    assert response.status_code == 200
    assert "-4-rows.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    header = rows[0]
    assert header[:5] == ["trainee_name", "trainee_email", "institution", "run", "enrolment_status"]
    assert header[-4:] == ["total_percent", "total_overridden", "items_graded", "items_missing"]
    first = dict(zip(header, rows[1]))
    assert first["trainee_name"] == "Trainee a000" and first["1. Quiz 1.1 (%)"] == "80.0"
    assert dict(zip(header, rows[2]))["2. Assignment 1.2 (status)"] == "held"
    response = auth.client.get("/courses/graded/gradebook/export.xlsx")
    assert response.status_code == 200 and "-4-rows.xlsx" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.values)
    assert values[0][0] == "trainee_name" and values[1][0] == "Trainee a000"
    assert values[1][header.index("1. Quiz 1.1 (%)")] == 80.0
    assert len(values) == 5
    assert auth.client.get("/courses/graded/gradebook/export.pdf").status_code == 404
    events = _db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export.gradebook")).all()
    assert [(e.details["format"], e.details["rows"]) for e in events] == [("csv", 4), ("xlsx", 4)]
