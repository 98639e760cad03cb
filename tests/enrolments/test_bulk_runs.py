"""Bulk enrolment into course runs: the run column names the run; a course with runs needs one; places are
given in the file's order and the rest join the waiting list, never over capacity; the due date defaults to
the run's last day; a run taken since the preview makes the confirmation show a new preview."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.core import clock
from lms.learning.models import Enrolment
from lms.runs import services as runs
from lms.runs.services import RunFields
from tests.enrolments.test_bulk import confirm, line_problems, upload
from tests.helpers import make_user

pytestmark = pytest.mark.db


def _run(course, admin, code, capacity=None, open_to=()):
    today = clock.now().date()
    return runs.create_run(course, RunFields(code=code, title=f"Intake {code}", starts_on=today,
                                             ends_on=today + timedelta(days=40), capacity=capacity,
                                             open_to_all=not open_to, institution_ids=tuple(i.id for i in open_to)),
                           admin)


def test_bulk_file_with_a_run_column_fills_places_then_the_waiting_list(db, client, auth, world, course):
    a = _run(course, world["admin"], "2027-A", capacity=2)
    auth.login(world["coordinator"].email)
    page = upload(auth, "email,name,courses,run\n"
                        "one@example.org,Officer One,sample,2027-A\n"
                        "two@example.org,Officer Two,sample,2027-A\n"
                        "three@example.org,Officer Three,sample,2027-A\n")
    html = page.get_data(as_text=True)
    assert "1 trainee will join a waiting list: their run is full." in html
    assert html.count("run full: waiting list") == 1 and "(run 2027-A)" in html
    assert "The run's last day" in html
    response = confirm(client, html)
    assert response.status_code == 200
    rows = db.session.execute(select(Enrolment.run_id, Enrolment.waiting_since, Enrolment.due_on, Enrolment.source)
                              .order_by(Enrolment.id)).all()
    assert [r.run_id for r in rows] == [a.id] * 3
    assert [r.waiting_since is None for r in rows] == [True, True, False]  # in the file's order
    assert {r.due_on for r in rows} == {a.ends_on} and {r.source for r in rows} == {"bulk"}
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "run.joined")) == 3


def test_bad_run_values_are_refused_line_by_line(db, client, auth, world, course):
    _run(course, world["admin"], "A")
    cancelled = _run(course, world["admin"], "OLD")
    runs.cancel_run(cancelled, world["admin"])
    _run(course, world["admin"], "GE", open_to=(world["ge"],))
    auth.login(world["coordinator"].email)
    html = upload(auth, "email,name,courses,run\n"
                        "a@example.org,A,sample,\n"  # 2: no run for a course with runs
                        "b@example.org,B,sample,NOPE\n"  # 3
                        "c@example.org,C,sample,OLD\n"  # 4
                        "d@example.org,D,sample,GE\n"  # 5
                        "e@example.org,E,sample,A\n").get_data(as_text=True)  # 6: fine
    problems = line_problems(html)
    assert problems == {
        2: "the course sample has runs: give the code of one in the run column",
        3: "the course sample has no run NOPE",
        4: "the run OLD of sample is cancelled",
        5: "the run GE of sample is not open to this institution",
    }
    assert "Confirm and apply" not in html
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 0


def test_a_run_for_a_course_without_runs_is_refused(db, client, auth, world, course):
    auth.login(world["coordinator"].email)
    html = upload(auth, "email,name,courses,run\nz@example.org,Z,sample,A\n").get_data(as_text=True)
    assert line_problems(html) == {2: "the course sample has no runs: leave the run column empty for it"}


def test_places_taken_since_the_preview_show_a_new_preview(db, client, auth, world, course):
    a = _run(course, world["admin"], "A", capacity=1)
    auth.login(world["coordinator"].email)
    html = upload(auth, "email,name,courses,run\none@example.org,Officer One,sample,A\n").get_data(as_text=True)
    assert "waiting list" not in html
    someone = make_user("early@example.org", "Early Bird", "trainee", world["ua"])
    runs.enrol_in_run(someone, a, actor=world["admin"], source="admin")
    response = confirm(client, html)
    text = response.get_data(as_text=True)
    assert "Something changed since the preview" in text and "run full: waiting list" in text
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 1
