"""A user downloads everything the platform holds about them, as JSON and as a zip of CSV files, and
nothing of anyone else; each download is in the audit log."""
from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.privacy.assignments import KINDS as ASSIGNMENT_KINDS
from lms.privacy.queries import KINDS
from tests.helpers import csrf_token
from tests.mfa.helpers import sign_in_with_code

pytestmark = pytest.mark.db


def record_elsewhere(world) -> int:
    """A completion of another course recorded for the trainee by their coordinator, with an evidence file;
    returns its enrolment's id."""
    from datetime import date

    from lms.recorded.evidence import read_evidence
    from lms.recorded.services import record_completion
    from tests.helpers import make_course

    return record_completion(world["trainee"], make_course("elsewhere", "Elsewhere"), date(2025, 11, 14), "8",
                             "Paper register", read_evidence(io.BytesIO(b"%PDF-1.4 register"), "register.pdf"),
                             False, world["coordinator"]).id


def download(client, auth, fmt: str):
    page = client.get("/profile").get_data(as_text=True)
    assert "Your data" in page and 'action="/profile/data"' in page
    return client.post("/profile/data", data={"format": fmt, "csrf_token": csrf_token(page)})


def test_json_download_holds_every_kind_of_record_and_nothing_of_anyone_else(client, auth, world, trained, db):
    trainee, other = world["trainee"], world["other_trainee"]
    record_elsewhere(world)
    sign_in_with_code(client, trainee.email, trained["trainee_secret"])  # the trainee has a second factor
    response = download(client, auth, "json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "trainee" not in disposition and "@" not in disposition
    document = json.loads(response.get_data(as_text=True))
    records = document["records"]
    assert list(records) == list(KINDS)
    for kind in KINDS:
        # Trainees teach no course (see the instructor's test below); sessions: tests/sessions/test_session_privacy.py
        # mail: tests/mail/test_mail_privacy.py; trainees export no report (tests/reports/test_export_job_privacy.py);
        # announcements: tests/announcements/test_privacy.py; assignments: tests/assignments/test_privacy.py; marks: tests/assessing/test_privacy.py
        # answers received late after an outage: tests/quizzes/test_late_answers.py
        if kind not in ("course_staff", "session_sign_ups", "attendance_marks", "notifications", "mail_preferences",
                        "outbox_messages", "export_jobs", "announcements", *ASSIGNMENT_KINDS, "assignment_marks", "assignment_marks_given", "grade_overrides",
                        "late_answers"):
            assert records[kind], f"no {kind} in the download"

    profile = records["profile"][0]
    assert (profile["email"], profile["name"], profile["institution_code"]) == (trainee.email, trainee.name, "UA-ACAD")
    assert {e["course_slug"] for e in records["enrolments"]} == {"sample", "elsewhere"}
    assert [(r["course_slug"], r["reason"], r["recorded_by"]) for r in records["recorded_completions"]] == [
        ("elsewhere", "Paper register", "staff")]
    assert {p["lesson_slug"] for p in records["lesson_progress"]} == {"intro", "second"}
    assert len(records["quiz_attempts"]) == 3 and {a["passed"] for a in records["quiz_attempts"]} == {True, False}
    assert trainee.name in [a["response"] for a in records["attempt_answers"]]  # the answer as typed
    assert records["certificates"][0]["code"] == trained["trainee_code"]
    assert records["certificates"][0]["status"] == "valid"
    assert records["feedback"][0]["comment"] == "Ask me: trainee@example.org"
    assert records["api_tokens"][0]["name"] == "Taras Trainee laptop"
    assert records["password_links"][0]["issued_by"] == "staff"
    assert [(f["kind"], f["name"]) for f in records["second_factors"]] == [("totp", "Taras phone")]
    assert len(records["recovery_codes"]) == 10
    assert list(records["calendar_feeds"][0]) == ["created_at", "last_used_at"]  # when, never the address
    actions = {e["action"] for e in records["audit_events"]}
    assert {"user.created", "auth.login", "enrolment.created", "enrolment.completed"} <= actions

    text = json.dumps(document, ensure_ascii=False)
    # Hashes never leave the server, nor the right answers of the quizzes.
    for secret in ("token_hash", "password_hash", "scrypt:", '"correct": true, "text"', '"accepted"'):
        assert secret not in text
    # Nothing of the other trainee, nor of the staff who acted on the trainee's records.
    assert trained["trainee_feed"] not in text and trained["other_feed"] not in text
    for foreign in (other.email, other.name, "Giorgi desk", "Giorgi phone", '"secret"', "code_hash", "Thanks to", trained["other_code"],
                    world["coordinator"].name, world["coordinator"].email, world["admin"].email):
        assert foreign not in text, foreign


def test_csv_download_is_a_zip_with_one_file_per_kind(client, auth, world, trained, db):
    trainee, other = world["trainee"], world["other_trainee"]
    enrolment_id = record_elsewhere(world)
    sign_in_with_code(client, trainee.email, trained["trainee_secret"])
    response = download(client, auth, "csv")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert set(archive.namelist()) == {f"{kind}.csv" for kind in KINDS} | {
        "README.txt", "training-record.pdf", f"evidence/{enrolment_id}-register.pdf",
        "practical-evidence/1-1-photo.png"}  # the trainee's practical evidence; not the other trainee's
    assert archive.read("practical-evidence/1-1-photo.png").startswith(b"\x89PNG")
    assert archive.read(f"evidence/{enrolment_id}-register.pdf") == b"%PDF-1.4 register"
    everything = ""
    for kind in KINDS:
        text = archive.read(f"{kind}.csv").decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        # The notifications and mail: the confirmations of the trainee's enrolments (lms.messages).
        # Marks of assessed work: tests/assessing/test_privacy.py.
        assert bool(rows) == (kind not in ("course_staff", "session_sign_ups", "attendance_marks",
                                           "mail_preferences", "export_jobs", "announcements",
                                           *ASSIGNMENT_KINDS, "assignment_marks", "assignment_marks_given", "grade_overrides",
                                           "late_answers")), kind
        everything += text
    profile = list(csv.DictReader(io.StringIO(archive.read("profile.csv").decode("utf-8-sig"))))[0]
    assert profile["email"] == trainee.email and profile["active"] == "true"
    attempts = list(csv.DictReader(io.StringIO(archive.read("quiz_attempts.csv").decode("utf-8-sig"))))
    assert {a["quiz_slug"] for a in attempts} == {"check", "final"}
    assert other.email not in everything and other.name not in everything and "token_hash" not in everything


def test_csv_cells_never_run_as_spreadsheet_formulas(client, auth, world, course, db):
    from tests.privacy.conftest import add_token

    add_token(db, world["trainee"], "=HYPERLINK(\"http://evil.example\")")
    auth.login(world["trainee"].email)
    archive = zipfile.ZipFile(io.BytesIO(download(client, auth, "csv").data))
    row = next(csv.DictReader(io.StringIO(archive.read("api_tokens.csv").decode("utf-8-sig"))))
    assert row["name"].startswith("'=")


def test_each_download_is_audited_without_personal_data(client, auth, world, trained, db):
    sign_in_with_code(client, world["trainee"].email, trained["trainee_secret"])
    download(client, auth, "json")
    download(client, auth, "csv")
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export.personal_data")
                                .order_by(AuditEvent.id)).all()
    assert [e.details["format"] for e in events] == ["json", "csv"]
    for event in events:
        assert (event.actor_id, event.target_type, event.target_id) == (world["trainee"].id, "users",
                                                                         world["trainee"].id)
        assert event.institution_id == world["ua"].id
        assert world["trainee"].email not in json.dumps(event.details) and "Taras" not in json.dumps(event.details)


def test_download_needs_sign_in_a_form_token_and_a_known_format(client, auth, world, db):
    assert client.post("/profile/data", data={"format": "json"}).status_code in (302, 400)
    auth.login(world["trainee"].email)
    assert client.post("/profile/data", data={"format": "json"}).status_code == 400  # no CSRF token
    wrong = auth.post("/profile/data", {"format": "xml"}, form_page="/profile")
    assert wrong.status_code == 302 and wrong.headers["Location"].endswith("/profile")
    assert not db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export.personal_data")).all()


def test_command_line_writes_a_download_for_a_request_made_outside_the_platform(app, world, trained, db, tmp_path):
    out = tmp_path / "data.json"
    result = app.test_cli_runner().invoke(args=["data", "export", "--id", str(world["trainee"].id),
                                                "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["records"]["profile"][0]["email"] == world["trainee"].email
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export.personal_data"))
    assert event.actor_id is None and event.target_id == world["trainee"].id
    missing = app.test_cli_runner().invoke(args=["data", "export", "--email", "nobody@example.org",
                                                 "--output", str(out)])
    assert missing.exit_code != 0


def test_instructor_download_lists_the_courses_they_teach(client, auth, world, course, db):
    from lms.catalog.models import CourseStaff

    db.session.add(CourseStaff(course_id=course.id, user_id=world["instructor"].id, role="owner"))
    db.session.commit()
    auth.login(world["instructor"].email)
    records = json.loads(download(client, auth, "json").get_data(as_text=True))["records"]
    assert records["course_staff"] == [{"course_slug": "sample", "course_title": course.title, "role": "owner",
                                        "added_at": records["course_staff"][0]["added_at"]}]
    assert records["enrolments"] == [] and records["profile"][0]["role"] == "instructor"
