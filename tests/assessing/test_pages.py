"""The marking pages as assessors use them: the queues and their counts, scoped to the runs given, and the links
to the course's practical assessments; names hidden; the marking page with a rubric or a score, without
JavaScript; two assessors at once; the files as downloads; held-back marks released; the assessor's runs on the
staff page."""
from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from lms.assessing.queries import pseudonym
from lms.assignments.models import Mark, Submission
from lms.audit.models import AuditEvent
from lms.catalog.models import CourseStaff
from lms.extensions import db as _db
from lms.learning.models import Enrolment
from lms.runs.models import run_assessors
from tests.assessing.factory import PDF, submit, world_of_marking
from tests.helpers import Auth, csrf_token

pytestmark = pytest.mark.db


@pytest.fixture()
def made(db, world):
    return world_of_marking(world)


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_the_assessor_of_run_a_sees_only_run_a(client, auth, made):
    auth.login("assessor@example.org")
    home = client.get("/assess")
    assert home.status_code == 200 and "Strategic planning" in _text(home) and "Other course" not in _text(home)
    queue = _text(client.get("/courses/logframe/assess"))
    assert "Draft action plan" in queue and "To mark 1" in queue and "Late 0" in queue
    listing = _text(client.get(f"/courses/logframe/assess/{made['assignment'].id}"))
    assert "Taras Trainee" in listing and "Giorgi Trainee" not in listing
    assert client.get(f"/courses/logframe/assess/submissions/{made['work_b'].id}").status_code == 403
    assert client.get(f"/courses/logframe/assess?run={made['run_b'].id}").status_code == 403
    # An editor sees both runs, the late one counted.
    auth.logout()
    auth.login("instructor@example.org")
    queue = _text(client.get("/courses/logframe/assess"))
    assert "To mark 2" in queue and "Late 1" in queue
    late = _text(client.get(f"/courses/logframe/assess/{made['assignment'].id}?show=late"))
    assert "Giorgi Trainee" in late and "Taras Trainee" not in late
    only_a = _text(client.get(f"/courses/logframe/assess?run={made['run_a'].id}"))
    assert "To mark 1" in only_a and "Late 0" in only_a


def test_the_queue_leads_an_assessor_to_the_courses_practical_assessments(client, auth, made, world):
    from lms.authoring import services as authoring
    from lms.checklists import services as checklists
    from tests.practicals.records import field_check

    auth.login("assessor@example.org")
    assert "Practical assessments" not in _text(client.get("/courses/logframe/assess"))  # the course has none
    field_check(made["course"], world["admin"])
    retired = checklists.add_practical(made["course"].modules[0], made["course"], {
        "title": "Old drill", "instructions": "", "pass_mark": 100, "hold_marks": False}, world["admin"])
    authoring.retire(retired, made["course"], world["admin"])
    page = client.get(f"/courses/logframe/assess?run={made['run_a'].id}").get_data(as_text=True)
    link = f'href="/courses/logframe/practicals/field-check/assess?run={made["run_a"].id}"'
    assert link in page and "Field check" in page and "Old drill" not in page
    listing = _text(client.get(f"/courses/logframe/practicals/field-check/assess?run={made['run_a'].id}"))
    assert "Sign off Taras Trainee" in listing and "Giorgi Trainee" not in listing


def test_the_queue_counts_in_one_statement_whatever_the_number(app, made, world):
    from sqlalchemy import event, true

    from lms.assessing import queries

    for n in range(3):
        submit(made["assignment"], made["enrolment_a"], number=n + 2, status="marked")
    course_id, assignment = made["course"].id, made["assignment"]
    assignment.id  # loaded before counting
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(_db.engine, "before_cursor_execute", listener)
    try:
        rows = queries.queue(course_id, true())
        listed = queries.submissions(assignment, true(), "all")
    finally:
        event.remove(_db.engine, "before_cursor_execute", listener)
    assert len(statements) == 2
    assert (rows[0].to_mark, rows[0].marked, rows[0].late) == (2, 3, 1) and len(listed) == 5


def test_names_are_hidden_behind_a_stable_pseudonym(client, auth, made):
    made["assignment"].hide_names = True
    _db.session.commit()
    auth.login("instructor@example.org")
    listing = _text(client.get(f"/courses/logframe/assess/{made['assignment'].id}"))
    page = _text(client.get(f"/courses/logframe/assess/submissions/{made['work_a'].id}"))
    name = pseudonym(made["work_a"])
    assert f"Trainee {name}" in listing and f"Trainee {name}" in page
    assert "Taras" not in listing and "Taras" not in page and "Giorgi" not in listing
    assert name != str(made["work_a"].user_id) and name != str(made["work_a"].id)
    # The same for a later try of the same trainee, another for the other trainee.
    later = submit(made["assignment"], made["enrolment_a"], number=2)
    assert pseudonym(later) == name != pseudonym(made["work_b"])


def _mark(auth, url, data):
    page = auth.client.get(url).get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page) or re.search(
        r'id="version" name="version" type="hidden" value="(\d+)"', page)
    return auth.client.post(url, data={"csrf_token": csrf_token(page), "version": version.group(1), **data})


def test_marking_with_the_rubric_without_javascript(client, auth, made):
    auth.login("assessor@example.org")
    url = f"/courses/logframe/assess/submissions/{made['work_a'].id}"
    page = client.get(url)
    text = _text(page)
    assert "My plan: seal checks first." in text and "plan.pdf" in text and "Analysis of risks" in text
    assert 'type="radio" id="level-0-2" name="level-0" value="2"' in page.get_data(as_text=True)
    # A criterion left out: told which, nothing saved.
    refused = _mark(auth, url, {"outcome": "marked", "level-0": "2"})
    assert refused.status_code == 200 and "Choose a level for criterion 2." in _text(refused)
    assert _db.session.scalar(select(func.count()).select_from(Mark)) == 0
    saved = _mark(auth, url, {"outcome": "marked", "level-0": "2", "level-1": "0", "feedback": "Plan missing."})
    assert saved.status_code == 302
    mark = _db.session.scalar(select(Mark))
    assert (mark.score, mark.percent, mark.passed, mark.levels) == (Decimal(4), Decimal("40.00"), False, [2, 0])
    assert mark.assessor_id == made["assessor"].id and mark.rubric_version == 1
    again = _text(client.get(url))
    assert "Marked: not passed" in again and "Score 4 (40%)" in again and "Every main risk (4)" in again
    assert "Mark again" in again


def test_a_score_above_the_maximum_is_refused_with_a_clear_message(client, auth, made):
    made["assignment"].rubric = None
    made["assignment"].max_score = 20
    _db.session.commit()
    auth.login("instructor@example.org")
    url = f"/courses/logframe/assess/submissions/{made['work_a'].id}"
    refused = _mark(auth, url, {"outcome": "marked", "score": "21"})
    assert "The score cannot be above the maximum, 20. Nothing was saved." in _text(refused)
    assert _db.session.scalar(select(func.count()).select_from(Mark)) == 0
    assert _mark(auth, url, {"outcome": "marked", "score": "15"}).status_code == 302
    assert _db.session.scalar(select(Mark.percent)) == Decimal("75.00")


def test_two_assessors_at_once_the_second_is_told_and_nothing_is_overwritten(app, made):
    first, second = app.test_client(), app.test_client()
    Auth(first).login("assessor@example.org")
    Auth(second).login("instructor@example.org")
    url = f"/courses/logframe/assess/submissions/{made['work_a'].id}"
    page_one, page_two = first.get(url).get_data(as_text=True), second.get(url).get_data(as_text=True)
    assert first.post(url, data={"csrf_token": csrf_token(page_one), "version": "0", "outcome": "marked",
                                 "level-0": "2", "level-1": "1", "feedback": "Well done."}).status_code == 302
    told = second.post(url, data={"csrf_token": csrf_token(page_two), "version": "0", "outcome": "returned",
                                  "feedback": "Redo it."})
    text = _text(told)
    assert told.status_code == 200
    assert "Another assessor marked this work while you were marking it. Nothing of yours was saved." in text
    assert "Well done." in text and "By Olena Assessor" in text
    marks = _db.session.scalars(select(Mark)).all()
    assert [(m.outcome, m.feedback, m.superseded_at) for m in marks] == [("marked", "Well done.", None)]
    _db.session.expire_all()
    assert _db.session.get(Submission, made["work_a"].id).status == "marked"
    # Told, the second may mark again on purpose: the first mark is kept, superseded.
    again = second.post(url, data={"csrf_token": csrf_token(told.get_data(as_text=True)), "version": "1",
                                   "outcome": "returned", "feedback": "Redo it."})
    assert again.status_code == 302
    _db.session.expire_all()
    outcomes = [(m.outcome, m.superseded_at is None) for m in _db.session.scalars(select(Mark).order_by(Mark.id))]
    assert outcomes == [("marked", False), ("returned", True)]


def test_work_files_and_feedback_files_download_as_attachments(client, auth, made):
    auth.login("assessor@example.org")
    url = f"/courses/logframe/assess/submissions/{made['work_a'].id}"
    file_id = made["work_a"].files[0].id
    response = client.get(f"{url}/files/{file_id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"].startswith('attachment; filename="plan.pdf"')
    assert response.headers["X-Content-Type-Options"] == "nosniff" and response.mimetype == "application/pdf"
    page = client.get(url).get_data(as_text=True)
    saved = client.post(url, data={"csrf_token": csrf_token(page), "version": "0", "outcome": "marked",
                                   "level-0": "2", "level-1": "1",
                                   "feedback_file": (io.BytesIO(PDF), "notes.pdf")},
                        content_type="multipart/form-data")
    assert saved.status_code == 302
    mark = _db.session.scalar(select(Mark))
    feedback = client.get(f"/courses/logframe/assess/marks/{mark.id}/feedback")
    assert feedback.data == PDF and feedback.headers["Content-Disposition"].startswith("attachment;")
    # A disguised file is refused by its content, and nothing is saved.
    page = client.get(url).get_data(as_text=True)
    refused = client.post(url, data={"csrf_token": csrf_token(page), "version": "1", "outcome": "marked",
                                     "level-0": "1", "level-1": "1",
                                     "feedback_file": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "notes.pdf")},
                          content_type="multipart/form-data")
    assert "The feedback file must be a PDF" in _text(refused)
    assert _db.session.scalar(select(func.count()).select_from(Mark)) == 1


def test_others_are_refused_the_files(app, made, world):
    file_url = (f"/courses/logframe/assess/submissions/{made['work_a'].id}/files/{made['work_a'].files[0].id}")
    expected = {"coord@example.org": 403, "outsider@example.org": 403, "trainee@example.ge": 403,
                "trainee@example.org": 200, "admin@example.org": 200}
    for email, status in expected.items():
        client = app.test_client()
        Auth(client).login(email)
        assert client.get(file_url).status_code == status, email
    # The assessor of run A is refused run B's files (none here: its page) and the trainee the queue.
    client = app.test_client()
    Auth(client).login("trainee@example.org")
    assert client.get("/courses/logframe/assess").status_code == 403
    assert client.get(f"/courses/logframe/assess/submissions/{made['work_a'].id}").status_code == 403


def test_held_marks_are_released_together_from_the_queue(client, auth, made, world):
    made["assignment"].hold_marks = True
    _db.session.commit()
    auth.login("instructor@example.org")
    for work in (made["work_a"], made["work_b"]):
        url = f"/courses/logframe/assess/submissions/{work.id}"
        assert _mark(auth, url, {"outcome": "marked", "level-0": "2", "level-1": "1"}).status_code == 302
    queue = client.get("/courses/logframe/assess")
    assert "Held back 2" in _text(queue) and "Release 2 held marks" in _text(queue)
    assert _db.session.get(Enrolment, made["enrolment_a"].id).status == "active"
    done = client.post(f"/courses/logframe/assess/{made['assignment'].id}/release",
                       data={"csrf_token": csrf_token(queue.get_data(as_text=True)), "run": str(made["run_a"].id)},
                       follow_redirects=True)
    assert "1 mark is released; its trainee is told." in _text(done)
    _db.session.expire_all()
    assert _db.session.get(Enrolment, made["enrolment_a"].id).status == "completed"
    assert _db.session.get(Enrolment, made["enrolment_b"].id).status == "active"
    # An assessor may not release.
    auth.logout()
    auth.login("assessor@example.org")
    page = client.get("/courses/logframe/assess")
    assert "Release" not in _text(page)
    refused = client.post(f"/courses/logframe/assess/{made['assignment'].id}/release",
                          data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    assert refused.status_code == 403


def test_an_assessor_is_added_on_the_staff_page_and_given_runs(client, auth, made, world):
    from tests.helpers import make_user

    person = make_user("new.assessor@example.org", "Nadiia Assessor", "instructor")
    auth.login("instructor@example.org")
    staff = client.get("/author/logframe/staff")
    assert "Assessor (marks assessed work only)" in staff.get_data(as_text=True)
    added = client.post("/author/logframe/staff", data={"csrf_token": csrf_token(staff.get_data(as_text=True)),
                                                        "user_id": str(person.id), "role": "assessor"},
                        follow_redirects=True)
    assert "Nadiia Assessor" in _text(added) and "Runs marked" in _text(added)
    assert _db.session.get(CourseStaff, (made["course"].id, person.id)).role == "assessor"
    url = f"/author/logframe/assessors/{person.id}"
    page = client.get(url)
    assert "Run A (A)" in _text(page) and "Run B (B)" in _text(page)
    saved = client.post(url, data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                   "runs": [str(made["run_b"].id)]})
    assert saved.status_code == 302
    assert _db.session.scalars(select(run_assessors.c.run_id).where(run_assessors.c.user_id == person.id)).all() == [
        made["run_b"].id]
    event = _db.session.scalar(select(AuditEvent).where(AuditEvent.action == "course.assessor_runs"))
    assert event.details["runs"] == ["B"] and event.actor_id == world["instructor"].id
    # The new assessor: "Marking" in the menu, the course there, nothing to edit.
    auth.logout()
    auth.login("new.assessor@example.org")
    home = client.get("/assess")
    assert ">Marking</a>" in home.get_data(as_text=True) and "Strategic planning" in _text(home)
    listing = _text(client.get(f"/courses/logframe/assess/{made['assignment'].id}?show=all"))
    assert "Giorgi Trainee" in listing and "Taras Trainee" not in listing
    for page in ("/author/logframe/", "/author/logframe/staff", "/author/logframe/dashboard",
                 f"/author/logframe/assessors/{person.id}"):
        assert client.get(page).status_code == 403, page
    assert "Strategic planning" not in _text(client.get("/author/"))
    # Someone who is not an assessor of the course has no runs page.
    auth.logout()
    auth.login("instructor@example.org")
    assert client.get(f"/author/logframe/assessors/{world['instructor'].id}").status_code == 404


def test_the_mail_is_in_the_trainees_language_and_can_be_turned_off(client, auth, made, world):
    from lms.mail.models import MailPreference, OutboxMessage

    world["trainee"].locale = "uk"
    _db.session.add(MailPreference(user_id=world["other_trainee"].id, muted=["assessment"]))
    _db.session.commit()
    auth.login("instructor@example.org")
    for work in (made["work_a"], made["work_b"]):
        _mark(auth, f"/courses/logframe/assess/submissions/{work.id}",
              {"outcome": "returned", "feedback": "Again."})
    messages = _db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "assessment")).all()
    assert [m.user_id for m in messages] == [world["trainee"].id]
    assert messages[0].subject == "Повернуто на доопрацювання: завдання «Draft action plan»"


def test_an_assessor_taken_off_the_staff_loses_their_runs_and_the_work(client, auth, made):
    auth.login("instructor@example.org")
    page = client.get("/author/logframe/staff")
    client.post("/author/logframe/staff", data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                                "remove": str(made["assessor"].id)})
    assert _db.session.get(CourseStaff, (made["course"].id, made["assessor"].id)) is None
    assert _db.session.scalars(select(run_assessors.c.run_id)).all() == []
    auth.logout()
    auth.login("assessor@example.org")
    assert client.get("/courses/logframe/assess").status_code == 403
    assert client.get("/assess").status_code == 403
