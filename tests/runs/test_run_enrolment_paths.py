"""Staff enrolling into runs: a coordinator picks a run on the person page, the trainees of a run are listed
for staff, a trainee is moved between runs keeping progress and attempts, one trainee gets an extension, and a
withdrawn enrolment restored into a full run waits instead of passing the capacity."""
from __future__ import annotations

from datetime import timedelta

import pytest

from lms.audit.models import AuditEvent
from lms.catalog.models import Lesson
from lms.core import clock
from lms.learning import services as learning
from lms.learning.models import Enrolment, LessonProgress
from lms.runs import services as runs
from lms.runs.models import CourseRun
from lms.runs.services import RunFields
from tests.helpers import make_user

pytestmark = pytest.mark.db


def _run(course, admin, code: str, capacity: int | None = None, days: int = 30, open_to=()) -> CourseRun:
    today = clock.now().date()
    return runs.create_run(course, RunFields(code=code, title=f"Intake {code}", starts_on=today,
                                             ends_on=today + timedelta(days=days), capacity=capacity,
                                             open_to_all=not open_to, institution_ids=tuple(i.id for i in open_to)),
                           admin)


def test_coordinator_enrols_an_officer_into_a_run_from_the_person_page(client, auth, world, course, db):
    first = _run(course, world["admin"], "A", capacity=1)
    _run(course, world["admin"], "GE-only", open_to=(world["ge"],))
    auth.login(world["coordinator"].email)
    page = client.get(f"/people/{world['trainee'].id}").get_data(as_text=True)
    # The course with runs is offered run by run; a run not open to the officer's institution is not.
    assert "Intake A (A)" in page and "1 place left" in page and "GE-only" not in page
    response = auth.post(f"/people/{world['trainee'].id}/enrol", {"course": f"sample@{first.id}"},
                         form_page=f"/people/{world['trainee'].id}", follow_redirects=True)
    assert "is enrolled in" in response.get_data(as_text=True)
    enrolment = db.session.query(Enrolment).filter_by(user_id=world["trainee"].id).one()
    assert enrolment.run_id == first.id and enrolment.source == "coordinator" and not enrolment.waiting
    assert enrolment.due_on == first.ends_on  # the run's end by default

    second = make_user("t2@example.org", "Second Officer", "trainee", world["ua"])
    response = auth.post(f"/people/{second.id}/enrol", {"course": f"sample@{first.id}"},
                         form_page=f"/people/{second.id}", follow_redirects=True)
    assert "Intake A is full: Second Officer is on its waiting list, position 1." in response.get_data(as_text=True)

    # A course with runs cannot be chosen without a run, nor a run of another course's code.
    response = auth.post(f"/people/{second.id}/enrol", {"course": "sample"}, form_page=f"/people/{second.id}/enrol")
    assert "Choose a course, or a run of a course, from the list." in response.get_data(as_text=True)


def test_coordinator_cannot_enrol_into_a_run_closed_to_the_institution(client, auth, world, course, db):
    closed = _run(course, world["admin"], "GE-only", open_to=(world["ge"],))
    auth.login(world["coordinator"].email)
    response = auth.post(f"/people/{world['trainee'].id}/enrol", {"course": f"sample@{closed.id}"},
                         form_page=f"/people/{world['trainee'].id}/enrol")
    assert response.status_code == 200
    assert db.session.query(Enrolment).count() == 0


def test_staff_move_a_trainee_between_runs_keeping_progress_and_attempts(client, auth, world, course, db):
    a, b = _run(course, world["admin"], "A"), _run(course, world["admin"], "B", days=60)
    enrolment, _ = runs.enrol_in_run(world["trainee"], a, actor=world["admin"], source="admin")
    lesson = db.session.query(Lesson).first()
    learning.record_lesson_view(enrolment, lesson, course)
    db.session.commit()
    auth.login(world["admin"].email)
    page = client.get(f"/author/sample/runs/{a.id}/trainees").get_data(as_text=True)
    assert world["trainee"].name in page and "In progress" in page
    response = auth.post(f"/author/sample/runs/enrolments/{enrolment.id}/move", {"run": str(b.id)},
                         form_page=f"/author/sample/runs/{a.id}/trainees", follow_redirects=True)
    assert "is moved to Intake B, with their progress and attempts." in response.get_data(as_text=True)
    db.session.expire_all()
    moved = db.session.get(Enrolment, enrolment.id)
    assert moved.run_id == b.id and moved.due_on == b.ends_on
    assert db.session.query(LessonProgress).filter_by(enrolment_id=enrolment.id).count() == 1
    assert world["trainee"].name in client.get(f"/author/sample/runs/{b.id}/trainees").get_data(as_text=True)
    event = db.session.query(AuditEvent).filter_by(action="enrolment.moved").one()
    assert event.details["was"] == "A" and event.details["run"] == "B"


def test_enrolments_made_before_the_course_had_runs_are_listed_and_moved(client, auth, world, course, db):
    learning.enrol(world["trainee"], course, actor=world["admin"], source="admin")
    a = _run(course, world["admin"], "A")
    auth.login(world["admin"].email)
    assert "1 trainee is enrolled in no run" in client.get("/author/sample/runs").get_data(as_text=True)
    page = client.get("/author/sample/runs/unplaced").get_data(as_text=True)
    assert world["trainee"].name in page
    enrolment = db.session.query(Enrolment).one()
    auth.post(f"/author/sample/runs/enrolments/{enrolment.id}/move", {"run": str(a.id)},
              form_page="/author/sample/runs/unplaced")
    db.session.expire_all()
    assert db.session.get(Enrolment, enrolment.id).run_id == a.id
    assert "enrolled in no run" not in client.get("/author/sample/runs").get_data(as_text=True)


def test_one_trainee_gets_an_extension_past_the_run_end(client, auth, world, course, db):
    a = _run(course, world["admin"], "A")
    enrolment, _ = runs.enrol_in_run(world["trainee"], a, actor=world["admin"], source="admin")
    auth.login(world["admin"].email)
    later = a.ends_on + timedelta(days=14)
    response = auth.post(f"/author/sample/runs/enrolments/{enrolment.id}/extend", {"due_on": later.isoformat()},
                         form_page=f"/author/sample/runs/{a.id}/trainees", follow_redirects=True)
    assert "now has until" in response.get_data(as_text=True) and "(extended)" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Enrolment, enrolment.id).due_on == later
    response = auth.post(f"/author/sample/runs/enrolments/{enrolment.id}/extend",
                         {"due_on": a.ends_on.isoformat()}, form_page=f"/author/sample/runs/{a.id}/trainees",
                         follow_redirects=True)
    assert "Choose a date after the current due date" in response.get_data(as_text=True)
    assert db.session.query(AuditEvent).filter_by(action="enrolment.extended").count() == 1


def test_restoring_into_a_full_run_joins_the_waiting_list(client, auth, world, course, db):
    a = _run(course, world["admin"], "A", capacity=1)
    first, _ = runs.enrol_in_run(world["trainee"], a, actor=world["admin"], source="admin")
    second_person = make_user("t2@example.org", "Second Officer", "trainee", world["ua"])
    second, _ = runs.enrol_in_run(second_person, a, actor=world["admin"], source="admin")
    assert second.waiting
    learning.withdraw(first, "posted to the border", world["admin"])  # the place goes to the second
    db.session.expire_all()
    assert not db.session.get(Enrolment, second.id).waiting
    auth.login(world["coordinator"].email)
    response = auth.post(f"/people/{world['trainee'].id}/enrolments/{first.id}/restore", {},
                         form_page=f"/people/{world['trainee'].id}", follow_redirects=True)
    assert "is full: they are on its waiting list" in response.get_data(as_text=True)
    db.session.expire_all()
    restored = db.session.get(Enrolment, first.id)
    assert restored.status == "active" and restored.waiting
    taken = db.session.query(Enrolment).filter_by(run_id=a.id, waiting_since=None, status="active").count()
    assert taken == 1  # never over capacity


def test_the_api_lists_a_course_runs_with_places(client, world, course, db):
    from lms.api.services import create_token

    a = _run(course, world["admin"], "A", capacity=2)
    _run(course, world["admin"], "GE", open_to=(world["ge"],))
    runs.enrol_in_run(world["trainee"], a, actor=world["admin"], source="admin")
    _row, token = create_token(world["coordinator"], "runs")
    body = client.get("/api/v1/courses/sample/runs", headers={"Authorization": f"Bearer {token}"}).json
    assert [(r["code"], r["capacity"], r["taken"], r["waiting"], r["open_to"]) for r in body["items"]] == [
        ("A", 2, 1, 0, None), ("GE", None, 0, 0, ["GE-BORDER"] if world["ge"].code == "GE-BORDER" else [world["ge"].code])]
    assert body["items"][0]["starts_on"] == a.starts_on.isoformat()
    assert client.get("/api/v1/courses/nothing/runs", headers={"Authorization": f"Bearer {token}"}).status_code == 404
