"""The user path of course runs through the pages, without JavaScript: an admin adds a run of two places,
three trainees enrol from the course page, the third is told they are on the waiting list, a coordinator
withdraws one, and the third has the place and sees it on My learning."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from lms.core import clock
from lms.learning.models import Enrolment
from lms.runs.models import CourseRun
from tests.helpers import make_user

pytestmark = pytest.mark.db


def _run_form(**changes) -> dict:
    today = clock.now().date()
    data = {"code": "2027-A", "title": "Spring intake", "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=30)).isoformat(), "enrol_closes_on": (today + timedelta(days=5)).isoformat(),
            "capacity": "2", "open_to_all": "y"}
    data.update(changes)
    return data


def test_admin_adds_runs_and_wrong_ones_are_refused_with_a_message(client, auth, world, course, db):
    auth.login(world["admin"].email)
    page = auth.post("/author/sample/runs", _run_form(enrol_closes_on="2099-01-01")).get_data(as_text=True)
    assert "Enrolment must close on or before the run&#39;s last day." in page
    page = auth.post("/author/sample/runs", _run_form(ends_on="2000-01-01", enrol_closes_on="")).get_data(as_text=True)
    assert "The run cannot end before it starts." in page
    assert db.session.query(CourseRun).count() == 0
    assert auth.post("/author/sample/runs", _run_form()).status_code == 302
    page = client.get("/author/sample/runs").get_data(as_text=True)
    assert "Spring intake" in page and "0 of 2 taken" in page


def test_capacity_two_third_trainee_waits_then_is_promoted(client, auth, world, course, db):
    auth.login(world["admin"].email)
    auth.post("/author/sample/runs", _run_form())
    run_id = db.session.query(CourseRun.id).scalar()
    auth.logout()
    people = [world["trainee"]] + [make_user(f"t{i}@example.org", f"Trainee {i}", "trainee", world["ua"])
                                   for i in (2, 3)]
    for person in people:
        auth.login(person.email)
        page = client.get("/courses/sample").get_data(as_text=True)
        assert "Choose a run" in page and "Spring intake (2027-A)" in page
        response = auth.post("/courses/sample/enrol", {"run": str(run_id)}, form_page="/courses/sample",
                             follow_redirects=True)
        text = response.get_data(as_text=True)
        auth.logout()
    assert "Spring intake is full: you are on its waiting list, position 1." in text
    auth.login(people[2].email)
    assert "Waiting list, position 1" in client.get("/my").get_data(as_text=True)
    auth.logout()

    auth.login(world["coordinator"].email)
    first = db.session.query(Enrolment).filter_by(user_id=people[0].id).one()
    response = auth.post(f"/people/{people[0].id}/enrolments/{first.id}/withdraw", {"reason": "posted elsewhere"},
                         form_page=f"/people/{people[0].id}")
    assert response.status_code == 302
    auth.logout()

    auth.login(people[2].email)
    my = client.get("/my").get_data(as_text=True)
    assert "Waiting list" not in my and "Run Spring intake:" in my
    course_page = client.get("/courses/sample").get_data(as_text=True)
    assert "Your run: Spring intake" in course_page and "Continue where you left off" in course_page
    auth.logout()
    auth.login(world["admin"].email)
    staff_page = client.get("/author/sample/runs").get_data(as_text=True)
    assert "2 of 2 taken" in staff_page and re.search(r"taken</td>\s*<td>0</td>", staff_page)


def test_a_course_without_runs_enrols_as_before(client, auth, world, course, db):
    auth.login(world["trainee"].email)
    assert "Choose a run" not in client.get("/courses/sample").get_data(as_text=True)
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    assert db.session.query(Enrolment).filter_by(user_id=world["trainee"].id).one().run_id is None
