"""Completion decided when data is written; certificates, verification, revocation, recertification, feedback."""
from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.core import clock
from lms.audit.models import AuditEvent
from lms.learning.models import Certificate, Enrolment
from tests.helpers import take_quiz

pytestmark = pytest.mark.db


@pytest.fixture(autouse=True)
def _clock():
    yield
    clock.freeze(None)


def complete_sample(client, auth, db, email):
    auth.login(email)
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    client.get("/courses/sample/lessons/intro")
    client.get("/courses/sample/lessons/second")
    take_quiz(auth, db, "sample", "check")
    return take_quiz(auth, db, "sample", "final")


def test_course_completes_once_when_the_rule_is_met(client, auth, world, course, db):
    auth.login(world["trainee"].email)
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    client.get("/courses/sample/lessons/intro")
    take_quiz(auth, db, "sample", "check")
    take_quiz(auth, db, "sample", "final")
    enrolment = db.session.scalar(select(Enrolment))
    assert enrolment.status == "active"  # one lesson not viewed yet
    client.get("/courses/sample/lessons/second")  # the last requirement: completed now, not by a job
    db.session.expire_all()
    enrolment = db.session.scalar(select(Enrolment))
    completed_at = enrolment.completed_at
    assert enrolment.status == "completed" and completed_at is not None
    client.get("/courses/sample/lessons/intro")
    take_quiz(auth, db, "sample", "final")
    db.session.expire_all()
    assert db.session.scalar(select(Enrolment)).completed_at == completed_at
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1
    page = client.get("/courses/sample").get_data(as_text=True)
    assert "You have completed this course" in page and "Download your certificate" in page


def test_failed_quiz_does_not_complete(client, auth, world, course, db):
    auth.login(world["trainee"].email)
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    client.get("/courses/sample/lessons/intro")
    client.get("/courses/sample/lessons/second")
    take_quiz(auth, db, "sample", "check")
    take_quiz(auth, db, "sample", "final", right=False)
    assert db.session.scalar(select(Enrolment)).status == "active"


def test_certificate_pdf_names_the_trainee_and_is_private(client, auth, world, course, db, tmp_path):
    world["trainee"].name = "Олена Коваленко"
    db.session.commit()
    complete_sample(client, auth, db, world["trainee"].email)
    certificate = db.session.scalar(select(Certificate))
    url = f"/certificates/{certificate.code}.pdf"
    pdf = client.get(url)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        (tmp_path / "c.pdf").write_bytes(pdf.data)
        text = subprocess.run(["pdftotext", str(tmp_path / "c.pdf"), "-"], capture_output=True, text=True).stdout
        for expected in ("Олена Коваленко", "Sample course", "Border Academy of Ukraine", certificate.code,
                         f"/verify/{certificate.code}"):
            assert expected in text
    auth.logout()
    auth.login(world["other_trainee"].email)
    assert client.get(url).status_code == 403
    auth.logout()
    auth.login(world["other_coordinator"].email)
    assert client.get(url).status_code == 403
    auth.logout()
    auth.login(world["coordinator"].email)
    assert client.get(url).status_code == 200


def test_verification_page_valid_unknown_revoked(client, auth, world, course, db):
    complete_sample(client, auth, db, world["trainee"].email)
    auth.logout()
    code = db.session.scalar(select(Certificate.code))
    valid = client.get(f"/verify/{code}")
    text = valid.get_data(as_text=True)
    assert valid.status_code == 200 and "This certificate is valid." in text
    # Only initials by default (LMS_VERIFY_SHOWS=initials; tests/privacy covers "name").
    assert "T. T." in text and "Sample course" in text and "Taras Trainee" not in text
    assert "trainee@example.org" not in text
    unknown = client.get("/verify/not-a-real-code")
    assert unknown.status_code == 404 and "No certificate has this code" in unknown.get_data(as_text=True)
    auth.login(world["admin"].email)
    auth.post(f"/verify/{code}/revoke", {"reason": "Exam fraud established by the academy"}, form_page=f"/verify/{code}")
    auth.logout()
    assert "has been revoked" in client.get(f"/verify/{code}").get_data(as_text=True)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.revoked"))
    assert event.actor_id == world["admin"].id and event.details["reason"].startswith("Exam fraud")


def test_only_admins_revoke(client, auth, world, course, db):
    complete_sample(client, auth, db, world["trainee"].email)
    code = db.session.scalar(select(Certificate.code))
    response = auth.post(f"/verify/{code}/revoke", {"reason": "mine"}, form_page=f"/verify/{code}")
    assert response.status_code == 403


def test_expiry_and_recertification_keep_the_history(client, auth, world, course, db):
    complete_sample(client, auth, db, world["trainee"].email)
    first = db.session.scalar(select(Certificate))
    assert first.expires_at.year == first.issued_at.year + 2  # certificate_validity_months: 24
    # Before expiry, enrolling again is harmless.
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 1
    clock.freeze(first.expires_at + timedelta(days=1))
    assert "has expired" in client.get(f"/verify/{first.code}").get_data(as_text=True)
    auth.login(world["trainee"].email)  # two years on, the old sign-in session has long ended
    assert "Enrol again to recertify" in client.get("/my").get_data(as_text=True)
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    db.session.expire_all()
    cycles = db.session.scalars(select(Enrolment).order_by(Enrolment.cycle)).all()
    assert [(e.cycle, e.is_current, e.status) for e in cycles] == [(1, False, "completed"), (2, True, "active")]
    my = client.get("/my").get_data(as_text=True)
    assert "(earlier cycle)" in my and "Sample course" in my


def test_feedback_after_completion_summarised_for_staff(client, auth, world, course, db):
    complete_sample(client, auth, db, world["trainee"].email)
    auth.post("/courses/sample/feedback", {"rating": "4", "comment": "Useful cases from the border"})
    auth.logout()
    complete_sample(client, auth, db, world["other_trainee"].email)
    auth.post("/courses/sample/feedback", {"rating": "2", "comment": "Too short"})
    auth.logout()
    from tests.helpers import make_staff

    make_staff(course, world["instructor"])
    auth.login(world["instructor"].email)
    summary = client.get("/courses/sample/feedback").get_data(as_text=True)
    assert "2 ratings" in summary and "average 3.0 out of 5" in summary and "Too short" in summary
    auth.logout()
    auth.login(world["coordinator"].email)
    own = client.get("/courses/sample/feedback").get_data(as_text=True)
    assert "1 rating" in own and "Useful cases" in own and "Too short" not in own


def test_feedback_needs_completion_and_a_valid_rating(client, auth, world, course, db):
    auth.login(world["trainee"].email)
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    assert client.get("/courses/sample/feedback").status_code == 403
    auth.logout()
    complete_sample(client, auth, db, world["other_trainee"].email)
    bad = auth.post("/courses/sample/feedback", {"rating": "9", "comment": "x"})
    assert bad.status_code == 200 and "Not a valid choice" in bad.get_data(as_text=True)
