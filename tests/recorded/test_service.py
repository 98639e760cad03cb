"""The one writer of recorded completions: what it makes of each case, what it refuses, what it audits."""
from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.core import clock, when
from lms.core.storage import current_storage
from lms.learning import services as learning
from lms.learning.models import Certificate, Enrolment
from lms.recorded import evidence as evidence_files
from lms.recorded.models import RecordedCompletion
from lms.recorded.services import RecordError, record_completion
from lms.runs.services import RunFields, create_run, enrol_in_run
from tests.helpers import make_user
from tests.recorded.conftest import PDF, PNG

pytestmark = pytest.mark.db


def record(world, course, **kwargs):
    args = {"completed_on": date(2025, 11, 14), "hours": "7.5", "reason": "Classroom course (paper register)",
            "evidence": None, "issue_certificate": False, "actor": world["coordinator"]}
    args.update(kwargs)
    return record_completion(kwargs.pop("person", world["trainee"]), course, args["completed_on"], args["hours"],
                             args["reason"], args["evidence"], args["issue_certificate"], args["actor"])


def test_a_recorded_completion_is_a_completed_enrolment_with_its_details_and_no_certificate(db, world, course):
    enrolment = record(world, course)
    assert (enrolment.status, enrolment.source, enrolment.run_id, enrolment.is_current) == (
        "completed", "recorded", None, True)
    # Noon of the day in the trainee's zone: every report reads the same day.
    assert when.local(enrolment.completed_at, when.person_zone(world["trainee"])).date() == date(2025, 11, 14)
    details = db.session.get(RecordedCompletion, enrolment.id)
    assert (details.completed_on, details.hours, details.reason, details.recorded_by_id) == (
        date(2025, 11, 14), Decimal("7.50"), "Classroom course (paper register)", world["coordinator"].id)
    assert db.session.scalar(select(Certificate).where(Certificate.enrolment_id == enrolment.id)) is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "completion.recorded"))
    assert event.target_id == enrolment.id and event.actor_id == world["coordinator"].id
    assert event.details["before"] is None and event.details["after"]["source"] == "recorded"
    assert event.details["reason"] == "Classroom course (paper register)"


def test_an_admin_may_have_a_certificate_issued_valid_from_the_day_of_completion(db, world, course):
    course.certificate_validity_months = 24
    db.session.commit()
    enrolment = record(world, course, actor=world["admin"], issue_certificate=True)
    certificate = db.session.scalar(select(Certificate).where(Certificate.enrolment_id == enrolment.id))
    assert certificate is not None and certificate.holder_name == world["trainee"].name
    assert when.local(certificate.expires_at, when.person_zone(world["trainee"])).date() == date(2027, 11, 14)


def test_an_active_enrolment_is_completed_and_marked_recorded_keeping_what_it_was_in_the_audit(db, world, course):
    active, _created = learning.enrol(world["trainee"], course, actor=world["admin"], source="admin")
    enrolment = record(world, course)
    assert enrolment.id == active.id and (enrolment.status, enrolment.source) == ("completed", "recorded")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "completion.recorded"))
    assert event.details["before"] == {"status": "active", "source": "admin", "run_id": None}


def test_a_person_who_completed_the_course_is_refused_clearly(db, world, course):
    record(world, course)
    with pytest.raises(RecordError) as refused:
        record(world, course)
    assert refused.value.code == "already_completed"
    assert db.session.scalar(select(RecordedCompletion).where(RecordedCompletion.reason == "x")) is None


@pytest.mark.parametrize(("change", "code"), [
    ({"completed_on": "tomorrow"}, "day_future"), ({"hours": "0"}, "hours_range"), ({"hours": "1000.5"}, "hours_range"),
    ({"hours": "seven"}, "hours_invalid"), ({"hours": "1.255"}, "hours_invalid"), ({"reason": "  "}, "reason_required"),
    ({"reason": "x" * 1001}, "reason_too_long")])
def test_bad_details_are_refused_and_nothing_is_written(db, world, course, change, code):
    if change.get("completed_on") == "tomorrow":
        change = {"completed_on": when.today(when.person_zone(world["trainee"])) + timedelta(days=1)}
    with pytest.raises(RecordError) as refused:
        record(world, course, **change)
    assert refused.value.code == code
    assert db.session.scalars(select(Enrolment)).all() == []


def test_accounts_that_are_not_trainees_get_no_recorded_completion(db, world, course):
    with pytest.raises(RecordError, match="not_trainee"):
        record(world, course, person=world["instructor"])


def test_hours_up_to_1000_and_today_are_accepted(db, world, course):
    enrolment = record(world, course, hours="1000", completed_on=when.today(when.person_zone(world["trainee"])))
    assert db.session.get(RecordedCompletion, enrolment.id).hours == Decimal("1000")
    assert enrolment.completed_at <= clock.now()


def test_a_place_in_a_run_is_freed_for_the_first_waiting(db, world, course):
    today = when.today()
    run = create_run(course, RunFields(code="r1", title="Run", starts_on=today, ends_on=today + timedelta(days=30),
                                       capacity=1, open_to_all=True), world["admin"])
    second = make_user("second@example.org", "Second Trainee", "trainee", world["ua"])
    placed, _ = enrol_in_run(world["trainee"], run, actor=world["admin"], source="admin")
    waiting, _ = enrol_in_run(second, run, actor=world["admin"], source="admin")
    assert waiting.waiting_since is not None
    enrolment = record(world, course)
    db.session.expire_all()
    assert enrolment.id == placed.id and db.session.get(Enrolment, placed.id).run_id is None
    assert db.session.get(Enrolment, waiting.id).waiting_since is None  # promoted to the freed place


def test_evidence_is_checked_by_its_content_and_bounded(db, world, course):
    assert evidence_files.read_evidence(io.BytesIO(PDF), "c:\\scans\\register.pdf").name == "register.pdf"
    assert evidence_files.read_evidence(io.BytesIO(PNG), "photo.pdf").mime_type == "image/png"
    for data, code in ((b"<html>not a pdf</html>", "wrong_type"), (b"", "empty"),
                       (b"%PDF-" + b"0" * evidence_files.MAX_BYTES, "too_large")):
        with pytest.raises(evidence_files.EvidenceRefused) as refused:
            evidence_files.read_evidence(io.BytesIO(data), "register.pdf")
        assert refused.value.code == code


def test_the_evidence_is_stored_and_a_refused_recording_leaves_no_file(db, world, course):
    before = set(current_storage().keys("recorded-evidence/"))
    evidence = evidence_files.read_evidence(io.BytesIO(PDF), "register.pdf")
    enrolment = record(world, course, evidence=evidence)
    details = db.session.get(RecordedCompletion, enrolment.id)
    assert current_storage().get(details.evidence_key) == PDF
    assert (details.evidence_name, details.evidence_type, details.evidence_size) == (
        "register.pdf", "application/pdf", len(PDF))
    with pytest.raises(RecordError):
        record(world, course, evidence=evidence)  # already completed: refused before any file is written
    assert set(current_storage().keys("recorded-evidence/")) - before == {details.evidence_key}


def test_a_recording_that_fails_after_storing_its_file_deletes_the_file(db, world, course, monkeypatch):
    from lms.recorded import services

    before = set(current_storage().keys("recorded-evidence/"))

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "write", broken)
    with pytest.raises(RuntimeError):
        record(world, course, evidence=evidence_files.read_evidence(io.BytesIO(PDF), "register.pdf"))
    assert set(current_storage().keys("recorded-evidence/")) == before
