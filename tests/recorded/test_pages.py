"""Recording a completion through the person page: who may, what the record then shows, the evidence."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.core.storage import current_storage
from lms.learning.models import Certificate, Enrolment
from lms.recorded.models import RecordedCompletion
from tests.recorded.conftest import PDF, evidence_upload

pytestmark = pytest.mark.db


def form(**changes):
    data = {"course": "sample", "completed_on": "2025-11-14", "hours": "16",
            "reason": "Classroom course at the academy (paper register)"}
    data.update(changes)
    return data


def post(auth, person, **changes):
    url = f"/people/{person.id}/completions/new"
    return auth.post(url, form(**changes), form_page=url, content_type="multipart/form-data")


def test_a_coordinator_records_with_evidence_and_the_record_shows_the_source(db, client, auth, world, course):
    auth.login(world["coordinator"].email)
    person_page = client.get(f"/people/{world['trainee'].id}").get_data(as_text=True)
    assert f"/people/{world['trainee'].id}/completions/new" in person_page
    form_page = client.get(f"/people/{world['trainee'].id}/completions/new").get_data(as_text=True)
    assert 'name="certificate"' not in form_page  # a coordinator's recording issues no certificate
    done = post(auth, world["trainee"], evidence=evidence_upload())
    assert done.status_code == 302
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "is recorded" in page and "Recorded" in page and "paper register" in page and "16 hours" in page
    enrolment = db.session.scalar(select(Enrolment))
    assert f"/completions/{enrolment.id}/evidence" in page
    assert db.session.scalar(select(Certificate)) is None
    download = client.get(f"/completions/{enrolment.id}/evidence")
    assert download.status_code == 200 and download.data == PDF and download.mimetype == "application/pdf"
    assert "register.pdf" in download.headers["Content-Disposition"]
    # The trainee reads it on their own record and downloads it; another institution's coordinator may not.
    auth.logout()
    auth.login(world["trainee"].email)
    mine = client.get("/my/record").get_data(as_text=True)
    assert "paper register" in mine and f"/completions/{enrolment.id}/evidence" in mine
    assert client.get(f"/completions/{enrolment.id}/evidence").data == PDF
    auth.logout()
    auth.login(world["other_coordinator"].email)
    assert client.get(f"/completions/{enrolment.id}/evidence").status_code == 404


def test_a_coordinator_ticking_a_certificate_by_hand_gets_none(db, client, auth, world, course):
    auth.login(world["coordinator"].email)
    assert post(auth, world["trainee"], certificate="y").status_code == 302
    assert db.session.scalar(select(Certificate)) is None


def test_an_admin_may_issue_the_certificate(db, client, auth, world, course):
    auth.login(world["admin"].email)
    assert 'name="certificate"' in client.get(f"/people/{world['trainee'].id}/completions/new").get_data(as_text=True)
    assert post(auth, world["trainee"], certificate="y").status_code == 302
    assert db.session.scalar(select(Certificate)).holder_name == world["trainee"].name


def test_another_institutions_person_is_not_found_for_a_coordinator(db, client, auth, world, course):
    auth.login(world["coordinator"].email)
    url = f"/people/{world['other_trainee'].id}/completions/new"
    assert client.get(url).status_code == 404
    assert auth.post(url, form(), form_page=f"/people/{world['trainee'].id}/completions/new").status_code == 404
    assert db.session.scalar(select(Enrolment)) is None


@pytest.mark.parametrize(("upload", "message"), [
    ((b"<html>a page</html>", "scan.pdf"), "must be a PDF, JPEG or PNG file"),
    ((b"%PDF-" + b"0" * (10 * 1024 * 1024), "big.pdf"), "larger than 10 MB")])
def test_wrong_evidence_is_refused_with_a_message_and_what_was_typed_stays(db, client, auth, world, course, upload,
                                                                        message):
    auth.login(world["coordinator"].email)
    before = set(current_storage().keys("recorded-evidence/"))
    page = post(auth, world["trainee"], evidence=evidence_upload(*upload))
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and message in html and "paper register" in html
    assert db.session.scalar(select(RecordedCompletion)) is None
    assert set(current_storage().keys("recorded-evidence/")) == before


def test_bad_details_are_shown_on_their_fields(db, client, auth, world, course):
    auth.login(world["admin"].email)
    page = post(auth, world["trainee"], hours="2000", completed_on="2999-01-01", reason="")
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "cannot be in the future" in html
    assert db.session.scalar(select(Enrolment)) is None
    twice = post(auth, world["trainee"])
    assert twice.status_code == 302
    again = post(auth, world["trainee"])
    assert again.status_code == 400 and "already completed this course" in again.get_data(as_text=True)
