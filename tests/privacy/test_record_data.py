"""The training record and withdrawal in the privacy rules: the personal-data download carries the record
as a PDF and the new columns (due date, withdrawal, the person's zone); anonymisation clears the reasons of
withdrawal and the zone; retention clears a withdrawal reason as old as the audit events it deletes."""
from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.auth.models import User
from lms.core import clock
from lms.learning import services as learning
from lms.learning.models import Enrolment
from lms.privacy.queries import EXPIRED_REASON
from lms.privacy.services import PLACEHOLDER
from tests.helpers import csrf_token
from tests.learning.test_certificate_pdf import pdf_text

pytestmark = pytest.mark.db

REASON = "Moved to the Odesa detachment"


def withdrawn(db, world, course, when=None):
    """The trainee enrolled by the coordinator with a due date, then withdrawn (at `when`, default now);
    the trainee chose their own zone."""
    trainee = db.session.get(User, world["trainee"].id)
    trainee.timezone = "Europe/Kyiv"
    db.session.commit()
    try:
        clock.freeze(when)
        enrolment, _created = learning.enrol(trainee, course, actor=world["coordinator"], source="coordinator")
        learning.withdraw(enrolment, REASON, world["coordinator"])
    finally:
        clock.freeze(None)
    return enrolment.id


def test_the_download_holds_the_record_pdf_and_the_new_columns(client, auth, world, course, db, tmp_path):
    withdrawn(db, world, course)
    auth.login(world["trainee"].email)
    page = client.get("/profile").get_data(as_text=True)
    assert 'href="/my/record"' in page
    archive = zipfile.ZipFile(io.BytesIO(client.post("/profile/data", data={
        "format": "csv", "csrf_token": csrf_token(page)}).data))
    text = pdf_text(archive.read("training-record.pdf"), tmp_path)
    assert world["trainee"].name in text and course.title in text and REASON in text
    enrolments = list(csv.DictReader(io.StringIO(archive.read("enrolments.csv").decode("utf-8-sig"))))
    assert enrolments[0]["withdrawal_reason"] == REASON and enrolments[0]["withdrawn_at"]
    assert "due_on" in enrolments[0]
    profile = list(csv.DictReader(io.StringIO(archive.read("profile.csv").decode("utf-8-sig"))))[0]
    assert profile["timezone"] == "Europe/Kyiv"

    document = json.loads(client.post("/profile/data", data={"format": "json", "csrf_token": csrf_token(page)}).data)
    row = document["records"]["enrolments"][0]
    assert (row["status"], row["withdrawal_reason"]) == ("withdrawn", REASON) and row["withdrawn_at"]
    assert document["records"]["profile"][0]["timezone"] == "Europe/Kyiv"
    assert "training-record.pdf" in document["training_record"]


def test_anonymisation_clears_the_withdrawal_reason_and_the_zone(client, auth, world, course, db):
    enrolment_id = withdrawn(db, world, course)
    auth.login(world["admin"].email)
    user_id = world["trainee"].id
    auth.post(f"/people/{user_id}/anonymise", {"confirm": "y"}, form_page=f"/people/{user_id}/anonymise")
    db.session.expire_all()
    enrolment = db.session.get(Enrolment, enrolment_id)
    assert (enrolment.status, enrolment.withdrawal_reason) == ("withdrawn", PLACEHOLDER)
    assert enrolment.withdrawn_at is not None  # that it was withdrawn, and when, still counts
    assert db.session.get(User, user_id).timezone is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "enrolment.withdrawn"))
    assert REASON not in json.dumps(event.details)


def test_retention_clears_a_withdrawal_reason_as_old_as_the_audit_events_it_deletes(app, world, course, db,
                                                                                   monkeypatch, tmp_path):
    old_id = withdrawn(db, world, course, when=clock.now() - timedelta(days=100))
    other = db.session.get(User, world["other_trainee"].id)
    recent, _created = learning.enrol(other, course, actor=world["admin"], source="admin")
    learning.withdraw(recent, "Recent reason", world["admin"])
    monkeypatch.setitem(app.config, "AUDIT_RETENTION_DAYS", 30)
    monkeypatch.setitem(app.config, "ANSWER_RETENTION_DAYS", None)

    dry = app.test_cli_runner().invoke(args=["data", "prune", "--dry-run"])
    assert "withdrawal reasons: would clear 1" in dry.output
    result = app.test_cli_runner().invoke(args=["data", "prune"])
    assert result.exit_code == 0 and "withdrawal reasons: cleared 1" in result.output
    db.session.expire_all()
    old = db.session.get(Enrolment, old_id)
    assert (old.status, old.withdrawal_reason) == ("withdrawn", EXPIRED_REASON) and old.withdrawn_at is not None
    assert db.session.get(Enrolment, recent.id).withdrawal_reason == "Recent reason"
    pruned = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "data.pruned"))
    assert pruned.details["withdrawal_reasons_cleared"] == 1
