"""Submissions and extensions in the privacy feature: the personal-data download (the files themselves in
the zip), anonymisation (text and files gone, the stored files too), and retention as long as quiz answers."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from lms.assignments import services
from lms.assignments.models import Extension, Mark, Submission, SubmissionFile
from lms.audit.models import AuditEvent
from lms.core import clock
from lms.core.storage import current_storage
from lms.privacy import services as privacy
from tests.assignments.conftest import PDF

pytestmark = pytest.mark.db


@pytest.fixture()
def handed_in(assigned, db):
    submission = services.submit_work(assigned["assignment"], assigned["enrolment"], "My plan names Taras Trainee",
                                      [(io.BytesIO(PDF), "plan.pdf")])
    services.give_extension(assigned["assignment"], assigned["enrolment"], date(2027, 1, 5), "Medical leave",
                            assigned["instructor"])
    return submission


def test_the_download_holds_submissions_files_and_extensions(assigned, handed_in, db):
    data = json.loads(privacy.export_personal_data(assigned["trainee"], "json").content)["records"]
    [row] = data["assignment_submissions"]
    assert (row["assignment_slug"], row["status"], row["text"], row["number"]) == (
        "action-plan", "submitted", "My plan names Taras Trainee", 1)
    [file] = data["assignment_files"]
    assert file["name"] == "plan.pdf" and file["file"].startswith("assignments/")
    assert data["assignment_extensions"][0]["reason"] == "Medical leave"
    archive = zipfile.ZipFile(io.BytesIO(privacy.export_personal_data(assigned["trainee"], "csv").content))
    assert archive.read(file["file"]) == PDF
    assert "My plan names" in archive.read("assignment_submissions.csv").decode("utf-8-sig")


def test_anonymisation_removes_text_and_files_and_extension_reasons(assigned, handed_in, db):
    key = db.session.scalar(select(SubmissionFile.storage_key))
    privacy.anonymise_user(assigned["trainee"], assigned["admin"])
    db.session.expire_all()
    submission = db.session.get(Submission, handed_in.id)
    assert submission.text == "" and submission.files == [] and submission.status == "submitted"
    assert not current_storage().exists(key)
    extension = db.session.get(Extension, (assigned["assignment"].id, assigned["enrolment"].id))
    assert extension.reason == privacy.PLACEHOLDER and extension.due_on == date(2027, 1, 5)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assignment.extension_given"))
    assert event.details["reason"] == privacy.PLACEHOLDER


def test_retention_follows_the_answers_setting_and_keeps_marks(app, assigned, handed_in, db, monkeypatch):
    mark = Mark(submission_id=handed_in.id, outcome="marked", score=Decimal(8), percent=Decimal(80), passed=True,
                released_at=clock.now())
    db.session.add(mark)
    db.session.commit()
    key = db.session.scalar(select(SubmissionFile.storage_key))
    draft_try = Submission(assignment_id=assigned["assignment"].id, enrolment_id=assigned["enrolment"].id,
                           user_id=assigned["trainee"].id, number=2, status="draft", text="work in progress")
    db.session.add(draft_try)
    db.session.commit()
    monkeypatch.setitem(app.config, "ANSWER_RETENTION_DAYS", 30)
    assert privacy.prune(clock.now() + timedelta(days=10)).submissions_cleared == 0
    assert privacy.prune(clock.now() + timedelta(days=31), dry_run=True).submissions_cleared == 1
    assert current_storage().exists(key)
    report = privacy.prune(clock.now() + timedelta(days=31))
    assert report.submissions_cleared == 1
    db.session.expire_all()
    submission = db.session.get(Submission, handed_in.id)
    assert submission.text == "" and submission.files == [] and submission.submitted_at is not None
    assert not current_storage().exists(key)
    assert db.session.get(Mark, mark.id).passed is True  # figures stay
    assert db.session.get(Submission, draft_try.id).text == "work in progress"  # drafts are left alone


def test_without_the_setting_submissions_are_kept(app, assigned, handed_in, db, monkeypatch):
    monkeypatch.setitem(app.config, "ANSWER_RETENTION_DAYS", None)
    assert privacy.prune(clock.now() + timedelta(days=3000)).submissions_cleared == 0
    assert db.session.get(Submission, handed_in.id).text
