"""Training sessions through the pages, without JavaScript: staff add sessions (bad input refused with a
message, nothing saved), trainees sign up from the course page and see their place or waiting position there
and on My learning, notices of cancelled sessions and changed run dates; the register marked by a trainer, a
coordinator seeing and marking only their institution's trainees; the sign-in sheet read with pdftotext."""
from __future__ import annotations

import re
import shutil
import subprocess
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.attendance.models import AttendanceMark, SessionSignUp, TrainingSession
from lms.audit.models import AuditEvent
from lms.catalog.models import Course
from lms.core import clock
from lms.learning.models import Certificate
from lms.runs import services as runs
from lms.runs.services import RunFields
from lms.sessions import services, signups
from tests.helpers import csrf_token, make_user
from tests.sessions.helpers import a_run, a_session, local, trainees_in

pytestmark = pytest.mark.db


def _form(start, **changes) -> dict:
    data = {"kind": "in_person", "title": "Passport checks", "starts_local": local(start).strftime("%Y-%m-%dT%H:%M"),
            "ends_local": (local(start) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), "zone": "Europe/Kyiv",
            "location": "Room 4", "capacity": "1", "description": "Bring **gloves**."}
    data.update(changes)
    return data


def test_staff_add_a_session_and_trainees_sign_up_or_wait(client, auth, world, course, db):
    run = a_run(course, world["admin"])
    first, second = trainees_in(run, world, 2)
    start = clock.now() + timedelta(days=3)
    url = f"/author/sample/runs/{run.id}/sessions"
    auth.login(world["admin"].email)
    page = auth.post(url, _form(start, ends_local=local(start - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")))
    assert "The session must end after it starts." in page.get_data(as_text=True)
    page = auth.post(url, _form(start, online_url="javascript:alert(1)")).get_data(as_text=True)
    assert "The online link must be an address starting with https:// or http://." in page
    assert 'value="Passport checks"' in page  # what was typed comes back
    assert db.session.scalar(select(TrainingSession.id)) is None
    assert auth.post(url, _form(start)).status_code == 302
    assert "0 of 1 taken" in client.get(url).get_data(as_text=True)
    auth.logout()

    session_id = db.session.scalar(select(TrainingSession.id))
    for person in (first, second):
        auth.login(person.email)
        course_page = client.get("/courses/sample").get_data(as_text=True)
        assert "Passport checks" in course_page and "Room 4" in course_page and "<strong>gloves</strong>" in course_page
        response = auth.post(f"/sessions/{session_id}/sign-up", {"next": "/courses/sample"}, form_page="/courses/sample",
                             follow_redirects=True)
        text = response.get_data(as_text=True)
        auth.logout()
    assert "Passport checks is full: you are on its waiting list, position 1." in text
    auth.login(first.email)
    my = client.get("/my").get_data(as_text=True)
    assert "Your sessions" in my and "You are signed up." in my
    response = auth.post(f"/sessions/{session_id}/cancel-sign-up", {}, form_page="/my", follow_redirects=True)
    assert "Your sign-up for Passport checks is cancelled." in response.get_data(as_text=True)
    auth.logout()
    db.session.expire_all()
    placed = db.session.scalar(select(SessionSignUp).where(SessionSignUp.user_id == second.id))
    assert placed.waiting_since is None


def test_trainees_read_cancelled_sessions_and_changed_run_dates(client, auth, world, course, db):
    run = a_run(course, world["admin"])
    [trainee] = trainees_in(run, world, 1)
    session = a_session(course, run, world["admin"], title="Night patrol")
    signups.sign_up(trainee, session)
    services.cancel_session(session, world["admin"])
    today = clock.now().date()
    runs.update_run(run, RunFields(code=run.code, title=run.title, starts_on=today + timedelta(days=7),
                                   ends_on=today + timedelta(days=90), capacity=run.capacity), world["admin"])
    auth.login(trainee.email)
    page = client.get("/courses/sample").get_data(as_text=True)
    assert "This session was cancelled on" in page and "The dates of this run changed on" in page
    assert "The dates of this run changed on" in client.get("/my").get_data(as_text=True)


def _register_world(world, course):
    run = a_run(course, world["admin"])
    ukrainian = trainees_in(run, world, 1, prefix="ua")[0]
    georgian = trainees_in(run, world, 1, prefix="ge", institution=world["ge"])[0]
    session = a_session(course, run, world["admin"], start=clock.now() - timedelta(minutes=30), title="Drill")
    return run, ukrainian, georgian, session


def test_a_trainer_marks_the_register_and_a_trainer_of_another_run_may_not(client, auth, world, course, db):
    run, ukrainian, georgian, session = _register_world(world, course)
    services.add_trainer(run, world["instructor"], world["admin"])
    other_run = a_run(course, world["admin"], code="B")
    other_trainer = make_user("trainer2@example.org", "Other Trainer", "instructor")
    services.add_trainer(other_run, other_trainer, world["admin"])
    url = f"/sessions/{session.id}/register"

    auth.login(other_trainer.email)
    assert client.get(url).status_code == 403
    auth.logout()
    auth.login(world["instructor"].email)
    assert client.get("/author/sample/").status_code == 403  # a trainer edits nothing
    page = client.get(url).get_data(as_text=True)
    assert "Trainee ua0" in page and "Trainee ge0" in page
    auth.post(url, {f"mark-{ukrainian.id}": "late", "action": "save"})
    response = auth.post(url, {"action": "everyone"}, follow_redirects=True)
    assert "1 mark changed" in response.get_data(as_text=True)
    assert dict(db.session.execute(select(AttendanceMark.user_id, AttendanceMark.status)).all()) == {
        ukrainian.id: "late", georgian.id: "present"}


def test_a_coordinator_sees_and_marks_only_their_institutions_trainees(client, auth, world, course, db):
    run, ukrainian, georgian, session = _register_world(world, course)
    url = f"/sessions/{session.id}/register"
    auth.login(world["other_coordinator"].email)
    page = client.get(url).get_data(as_text=True)
    assert "Trainee ge0" in page and "Trainee ua0" not in page
    auth.post(url, {f"mark-{ukrainian.id}": "absent", f"mark-{georgian.id}": "excused", "action": "save"})
    assert dict(db.session.execute(select(AttendanceMark.user_id, AttendanceMark.status)).all()) == {
        georgian.id: "excused"}
    auth.logout()
    auth.login(world["trainee"].email)
    assert client.get(url).status_code == 403


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_the_sign_in_sheet_prints_names_in_any_script(client, auth, world, course, db, tmp_path):
    run = a_run(course, world["admin"])
    people = [make_user("cy@example.org", "Олена Коваленко", "trainee", world["ua"]),
              make_user("ka@example.org", "ნინო ბერიძე", "trainee", world["ge"]),
              make_user("hy@example.org", "Արամ Պետրոսյան", "trainee", world["ge"])]
    for person in people:
        runs.enrol_in_run(person, run, actor=world["admin"], source="admin")
    session = a_session(course, run, world["admin"], title="Document drill")
    auth.login(world["admin"].email)
    response = client.get(f"/sessions/{session.id}/sheet.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    (tmp_path / "sheet.pdf").write_bytes(response.data)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "sheet.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    for name in ("Олена Коваленко", "ნინო ბერიძე", "Արամ Պետրոսյան", "Sign-in sheet", "Document drill"):
        assert name in text


def test_the_course_settings_page_saves_the_attendance_rule(client, auth, world, course, db):
    auth.login(world["admin"].email)
    page = client.get("/author/sample/").get_data(as_text=True)
    assert "Sessions attended to complete" in page
    data = {name: value for name, value in re.findall(r'<(?:input|textarea)[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page)}
    data.update({"title": course.title, "summary": course.summary, "language": "en", "outcomes": "Do it",
                 "estimated_hours": "2", "version": "1", "completion_lessons": "all", "completion_quizzes": "all",
                 "completion_attendance": "at_least", "completion_attendance_min": "", "sign_up_cutoff_hours": "12",
                 "certificate_states_hours": "y", "csrf_token": csrf_token(page)})
    refused = client.post("/author/sample/", data=data).get_data(as_text=True)
    assert "Give the number of sessions a trainee must attend." in refused
    data["completion_attendance_min"] = "3"
    assert client.post("/author/sample/", data=data).status_code == 302
    db.session.expire_all()
    saved = db.session.scalar(select(Course).where(Course.slug == "sample"))
    assert (saved.completion_attendance, saved.completion_attendance_min, saved.certificate_states_hours,
            saved.sign_up_cutoff_hours) == ("at_least", 3, True, 12)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_marking_on_the_register_completes_and_the_certificate_pdf_states_the_hours(client, auth, world, course, db,
                                                                                   tmp_path):
    course.completion_lessons, course.completion_quizzes, course.completion_attendance = "none", "none", "all"
    course.certificate_states_hours = True
    db.session.commit()
    run = a_run(course, world["admin"])
    [trainee] = trainees_in(run, world, 1)
    session = a_session(course, run, world["admin"], start=clock.now() - timedelta(hours=3), minutes=150)
    auth.login(world["admin"].email)
    auth.post(f"/sessions/{session.id}/register", {f"mark-{trainee.id}": "present", "action": "save"})
    auth.logout()
    auth.login(trainee.email)
    page = client.get("/courses/sample").get_data(as_text=True)
    assert "You have completed this course" in page
    code = db.session.scalar(select(Certificate.code).where(Certificate.user_id == trainee.id))
    (tmp_path / "c.pdf").write_bytes(client.get(f"/certificates/{code}.pdf").data)
    text = subprocess.run(["pdftotext", str(tmp_path / "c.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    assert "Training sessions attended: 2.5 hours" in text


def test_staff_cancel_a_trainees_sign_up_past_the_cut_off_and_the_place_goes_to_the_first_waiting(
        client, auth, world, course, db):
    """A trainee who cannot come phones the training centre: an editor cancels the sign-up on "Who comes", even
    past the cut-off; the first waiting gets the place; audited. Once the session is over, nothing is cancelled."""
    run = a_run(course, world["admin"])
    first, second = trainees_in(run, world, 2)
    session = a_session(course, run, world["admin"], capacity=1, title="Seal checks")
    for person in (first, second):
        signups.sign_up(person, session)
    clock.freeze(session.starts_at - timedelta(hours=2))  # inside the 24-hour cut-off: trainees can no longer cancel
    try:
        _cancel_for_them(client, auth, world, db, session, first, second)
    finally:
        clock.freeze(None)


def _cancel_for_them(client, auth, world, db, session, first, second):
    people = f"/author/sample/sessions/{session.id}/people"
    auth.login(world["admin"].email)
    page = client.get(people).get_data(as_text=True)
    assert f"Cancel the sign-up of {first.name}" in page
    response = auth.post(f"{people}/{first.id}/cancel", {}, form_page=people, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert f"The sign-up of {first.name} is cancelled" in text
    db.session.expire_all()
    assert db.session.scalar(select(SessionSignUp.cancelled_at).where(SessionSignUp.user_id == first.id)) is not None
    assert db.session.scalar(select(SessionSignUp.waiting_since).where(SessionSignUp.user_id == second.id)) is None
    assert db.session.scalar(select(AuditEvent.actor_id).where(AuditEvent.action == "session.sign_up_cancelled")) \
        == world["admin"].id
    again = auth.post(f"{people}/{first.id}/cancel", {}, form_page=people, follow_redirects=True)
    assert "This person is not signed up for this session (any more)." in again.get_data(as_text=True)
    clock.freeze(session.ends_at + timedelta(minutes=1))
    auth.login(world["admin"].email)  # hours later: signed in again
    assert "Cancel the sign-up of" not in client.get(people).get_data(as_text=True)
    over = auth.post(f"{people}/{second.id}/cancel", {}, form_page=f"/author/sample/runs/{session.run_id}/sessions",
                     follow_redirects=True)
    assert "This session is over: its attendance register says who came." in over.get_data(as_text=True)
