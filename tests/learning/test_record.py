"""The officer's training record and withdrawal: the person page a coordinator opens from the people list,
enrolling with a due date, withdrawing with a reason and restoring, what a withdrawn trainee can and cannot
do, the record as PDF (names in any script) and CSV for staff and for the officer, and who may see what."""
from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from sqlalchemy import event, func, select

from lms.audit.models import AuditEvent
from lms.catalog.models import Course
from lms.core import clock
from lms.core.when import end_of_day, person_zone
from lms.learning.models import Certificate, Enrolment
from lms.quizzes.models import QuizAttempt
from tests.helpers import answers_for, csrf_token, make_user, start_attempt, take_quiz
from tests.learning.test_certificate_pdf import pdf_text

pytestmark = pytest.mark.db


def enrolment_of(db, user) -> Enrolment:
    """The user's current enrolment (in the one course they take), read afresh."""
    db.session.expire_all()
    return db.session.scalar(select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.is_current.is_(True)))


def withdraw(auth, person, enrolment, reason: str):
    return auth.post(f"/people/{person.id}/enrolments/{enrolment.id}/withdraw", {"reason": reason},
                     form_page=f"/people/{person.id}")


def test_coordinator_enrols_withdraws_and_restores_from_the_person_page(client, auth, world, course, db):
    trainee = world["trainee"]
    auth.login(world["coordinator"].email)
    people = client.get("/people/").get_data(as_text=True)
    assert f'href="/people/{trainee.id}">{trainee.name}</a>' in people
    page = client.get(f"/people/{trainee.id}").get_data(as_text=True)
    assert "Training record" in page and "Enrol in a course" in page and "No enrolments." in page

    response = auth.post(f"/people/{trainee.id}/enrol", {"course": "sample", "due": "2030-06-30"},
                         form_page=f"/people/{trainee.id}", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert f"{trainee.name} is enrolled in {course.title}." in page
    assert "Jun 30, 2030" in page  # the due date as typed
    enrolment = enrolment_of(db, trainee)
    assert enrolment.due_at == end_of_day(date(2030, 6, 30), person_zone(trainee))

    response = withdraw(auth, trainee, enrolment, "Transferred to the southern border")
    assert response.status_code == 302
    page = client.get(f"/people/{trainee.id}").get_data(as_text=True)
    assert "Withdrawn on" in page and "Transferred to the southern border" in page
    assert "Restore the enrolment" in page
    enrolment = enrolment_of(db, trainee)
    assert (enrolment.status, enrolment.withdrawal_reason) == ("withdrawn", "Transferred to the southern border")
    assert enrolment.withdrawn_at is not None
    event_ = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "enrolment.withdrawn"))
    assert event_.actor_id == world["coordinator"].id and event_.target_id == enrolment.id
    assert event_.details["reason"] == "Transferred to the southern border"

    response = auth.post(f"/people/{trainee.id}/enrolments/{enrolment.id}/restore", {},
                         form_page=f"/people/{trainee.id}", follow_redirects=True)
    assert "is restored" in response.get_data(as_text=True)
    enrolment = enrolment_of(db, trainee)
    assert (enrolment.status, enrolment.withdrawn_at, enrolment.withdrawal_reason) == ("active", None, None)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "enrolment.restored")) == 1


def test_a_withdrawal_needs_a_reason_and_loses_nothing_typed(client, auth, world, course, db):
    trainee = world["trainee"]
    auth.login(world["coordinator"].email)
    auth.post(f"/people/{trainee.id}/enrol", {"course": "sample", "due": ""}, form_page=f"/people/{trainee.id}")
    enrolment = enrolment_of(db, trainee)
    response = withdraw(auth, trainee, enrolment, "   ")
    assert response.status_code == 400
    assert "Give the reason for the withdrawal." in response.get_data(as_text=True)
    too_long = "x" * 1001
    response = withdraw(auth, trainee, enrolment, too_long)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "at most 1000 characters" in page and too_long in page
    assert enrolment_of(db, trainee).status == "active"


def test_a_completed_enrolment_is_withdrawn_by_an_admin_only_and_its_certificate_stays_valid(
        client, auth, world, course, db):
    trainee = world["trainee"]
    auth.login(trainee.email)
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    client.get("/courses/sample/lessons/intro")
    client.get("/courses/sample/lessons/second")
    take_quiz(auth, db, "sample", "check")
    take_quiz(auth, db, "sample", "final")
    auth.logout()
    enrolment = enrolment_of(db, trainee)
    assert enrolment.status == "completed"
    code = db.session.scalar(select(Certificate.code))

    auth.login(world["coordinator"].email)
    page = client.get(f"/people/{trainee.id}").get_data(as_text=True)
    assert "Withdraw…" not in page and "Only an admin can change a completed enrolment." in page
    assert withdraw(auth, trainee, enrolment, "No").status_code == 403
    auth.logout()

    auth.login(world["admin"].email)
    assert withdraw(auth, trainee, enrolment, "Record error").status_code == 302
    assert enrolment_of(db, trainee).status == "withdrawn"
    assert "valid" in client.get(f"/verify/{code}").get_data(as_text=True).lower()
    assert db.session.scalar(select(Certificate.revoked_at)) is None
    auth.logout()

    auth.login(world["coordinator"].email)  # nor may the coordinator restore it, by hand or by enrolling again
    assert auth.post(f"/people/{trainee.id}/enrolments/{enrolment.id}/restore", {},
                     form_page=f"/people/{trainee.id}").status_code == 403
    response = auth.post(f"/people/{trainee.id}/enrol", {"course": "sample"}, form_page=f"/people/{trainee.id}",
                         follow_redirects=True)
    assert "Only an admin can restore a completed enrolment." in response.get_data(as_text=True)
    auth.logout()

    auth.login(world["admin"].email)
    auth.post(f"/people/{trainee.id}/enrolments/{enrolment.id}/restore", {}, form_page=f"/people/{trainee.id}")
    assert enrolment_of(db, trainee).status == "completed"  # as it was


def test_a_withdrawn_trainee_starts_no_attempt_and_enrolling_again_restores_the_same_cycle(
        client, auth, world, course, db):
    trainee = world["trainee"]
    auth.login(trainee.email)
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    client.get("/courses/sample/lessons/intro")
    open_id = start_attempt(auth, "sample", "check")
    db.session.expire_all()
    draw = db.session.get(QuizAttempt, open_id).draw
    auth.logout()

    auth.login(world["coordinator"].email)
    withdraw(auth, trainee, enrolment_of(db, trainee), "Left the unit")
    auth.logout()

    auth.login(trainee.email)
    page = client.get("/courses/sample").get_data(as_text=True)
    assert "Your enrolment was withdrawn on" in page and "Left the unit" in page and "Enrol again" in page
    quiz = client.get("/courses/sample/quizzes/final").get_data(as_text=True)
    assert "You cannot start or continue an attempt" in quiz and "Start an attempt" not in quiz
    response = client.post("/courses/sample/quizzes/final/start", data={"csrf_token": csrf_token(quiz)},
                           follow_redirects=True)
    assert "Your enrolment in this course was withdrawn" in response.get_data(as_text=True)
    # The attempt in progress takes no answers and is not submitted.
    response = client.post(f"/attempts/{open_id}", data={**answers_for(draw), "action": "save",
                                                         "csrf_token": csrf_token(quiz)})
    assert response.status_code == 302
    response = client.post(f"/attempts/{open_id}/submit", data={"csrf_token": csrf_token(quiz)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(QuizAttempt, open_id).status == "in_progress"
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 1
    # What they did stays in their record.
    record = client.get("/my/record").get_data(as_text=True)
    assert "Withdrawn on" in record and "Left the unit" in record and course.title in record
    assert "Withdrawn" in client.get("/my").get_data(as_text=True)

    response = auth.post("/courses/sample/enrol", {}, form_page="/courses/sample", follow_redirects=True)
    assert "is restored" in response.get_data(as_text=True)
    db.session.expire_all()
    enrolments = db.session.scalars(select(Enrolment).where(Enrolment.user_id == trainee.id)).all()
    assert [(e.cycle, e.status, e.withdrawal_reason) for e in enrolments] == [(1, "active", None)]
    restored = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "enrolment.restored"))
    assert restored.actor_id == trainee.id
    response = auth.post(f"/attempts/{open_id}", {**answers_for(draw), "action": "save"},
                         form_page=f"/attempts/{open_id}", follow_redirects=True)
    assert "Your answers are saved." in response.get_data(as_text=True)


@pytest.mark.parametrize("name", ["Олена Коваленко", "ნინო ბერიძე", "Անի Պետրոսյան"])
def test_the_record_pdf_prints_names_in_every_script(client, auth, world, course, db, name, tmp_path):
    person = make_user("scripts@example.org", name, "trainee", world["ua"])
    auth.login(world["coordinator"].email)
    auth.post(f"/people/{person.id}/enrol", {"course": "sample", "due": "2030-06-30"},
              form_page=f"/people/{person.id}")
    response = client.get(f"/people/{person.id}/record.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    text = pdf_text(response.data, tmp_path)
    assert name in text and course.title in text and "Training record" in text
    zone = person_zone(world["coordinator"]).key  # the reader's zone, named
    flowing = " ".join(text.split())  # the PDF wraps long lines
    assert "Jun 30, 2030" in text and f"Dates are in the zone {zone}" in flowing  # the due date as typed
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export.training_record"))
    assert audit.target_id == person.id and audit.details["format"] == "pdf"


def test_the_record_csv_has_a_line_per_cycle(client, auth, world, course, db):
    trainee = world["trainee"]
    auth.login(world["coordinator"].email)
    auth.post(f"/people/{trainee.id}/enrol", {"course": "sample", "due": "2030-06-30"},
              form_page=f"/people/{trainee.id}")
    withdraw(auth, trainee, enrolment_of(db, trainee), "=cmd|' /C calc'!A0")
    response = client.get(f"/people/{trainee.id}/record.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 1
    row = rows[0]
    assert (row["course"], row["cycle"], row["status"], row["due_on"]) == (course.title, "1", "withdrawn",
                                                                          "2030-06-30")
    assert row["withdrawal_reason"].startswith("'=")  # never run as a formula
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$", row["enrolled_at"])
    assert row["progress_percent"] == "0" and row["attempts"] == "0"


def test_the_officer_reads_and_downloads_their_own_record(client, auth, world, course, db, tmp_path):
    trainee = world["trainee"]
    auth.login(trainee.email)
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    client.get("/courses/sample/lessons/intro")
    client.get("/courses/sample/lessons/second")
    take_quiz(auth, db, "sample", "check")
    take_quiz(auth, db, "sample", "final")
    code = db.session.scalar(select(Certificate.code))
    assert "My training record" in client.get("/my").get_data(as_text=True)
    page = client.get("/my/record").get_data(as_text=True)
    assert course.title in page and code in page and f'href="/verify/{code}"' in page and "Valid" in page
    assert "100%" in page and "Withdraw" not in page
    text = pdf_text(client.get("/my/record.pdf").data, tmp_path)
    assert trainee.name in text and course.title in text and code in text
    rows = list(csv.DictReader(io.StringIO(client.get("/my/record.csv").get_data(as_text=True))))
    assert rows[0]["certificate_code"] == code and rows[0]["certificate_state"] == "valid"
    assert rows[0]["progress_percent"] == "100"


def test_nobody_opens_another_institutions_record(client, auth, world, course, db):
    other = world["other_trainee"]
    auth.login(world["coordinator"].email)
    for url in (f"/people/{other.id}", f"/people/{other.id}/record.pdf", f"/people/{other.id}/record.csv"):
        assert client.get(url).status_code == 404, url
    auth.logout()
    auth.login(other.email)
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    enrolment = enrolment_of(db, other)
    auth.logout()
    auth.login(world["coordinator"].email)
    page = client.get(f"/people/{world['trainee'].id}").get_data(as_text=True)
    response = client.post(f"/people/{other.id}/enrolments/{enrolment.id}/withdraw",
                           data={"reason": "x", "csrf_token": csrf_token(page)})
    assert response.status_code == 404
    # Nor an enrolment of another person through one's own trainee's address.
    response = client.post(f"/people/{world['trainee'].id}/enrolments/{enrolment.id}/withdraw",
                           data={"reason": "x", "csrf_token": csrf_token(page)})
    assert response.status_code == 404
    assert enrolment_of(db, other).status == "active"
    auth.logout()
    auth.login(world["trainee"].email)
    assert client.get(f"/people/{other.id}").status_code == 403
    assert client.get(f"/people/{other.id}/record.pdf").status_code == 403


def test_the_record_is_read_in_a_fixed_number_of_queries(app, world, db, tmp_path):
    """One course or three, one cycle or two: the same number of statements."""
    from lms.learning import services as learning
    from lms.packages.importer import import_course
    from lms.packages.reader import read_package
    from lms.reports.record import training_record
    from tests.packages.sample import write_sample

    courses = []
    for slug in ("one", "two", "three"):
        spec, _ = read_package(write_sample(tmp_path / slug, slug))
        import_course(spec, publish=True)
        courses.append(db.session.scalar(select(Course).where(Course.slug == slug)))

    def statements(person) -> int:
        count = []
        listener = lambda *args: count.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            db.session.expire_all()
            training_record(person, clock.now())
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(count)

    few, many = world["trainee"], world["other_trainee"]
    learning.enrol(few, courses[0], actor=world["admin"], source="admin")
    for c in courses:
        learning.enrol(many, c, actor=world["admin"], source="admin")
    learning.withdraw(learning.current_enrolment(many.id, courses[0].id), "Moved", world["admin"])
    assert statements(few) == statements(many)



def test_a_due_date_already_over_in_the_trainees_zone_is_refused_on_the_person_page(client, auth, world, course, db):
    """The person page's enrol form refuses a past due date, as a bulk file does (one rule: the trainee's
    today), says so, and enrols no one; today itself is accepted."""
    from lms.core import when

    trainee = make_user("past@example.org", "Past Due", "trainee", world["ua"])
    auth.login(world["coordinator"].email)
    today = when.today(person_zone(trainee))
    response = auth.post(f"/people/{trainee.id}/enrol", {"course": "sample", "due": "2020-01-31"},
                         form_page=f"/people/{trainee.id}", follow_redirects=True)
    assert "The due date is in the past" in response.get_data(as_text=True)
    assert enrolment_of(db, trainee) is None
    auth.post(f"/people/{trainee.id}/enrol", {"course": "sample", "due": today.isoformat()},
              form_page=f"/people/{trainee.id}")
    assert enrolment_of(db, trainee).due_on == today
