"""Sign-ups and attendance marks in the personal-data download, under anonymisation and retention."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.attendance.models import AttendanceMark, SessionSignUp
from lms.core import clock
from lms.privacy import services as privacy
from lms.sessions import signups
from tests.sessions.helpers import a_run, a_session, trainees_in

pytestmark = pytest.mark.db


def _history(world, course):
    run = a_run(course, world["admin"])
    trainee, other = trainees_in(run, world, 2)
    coming = a_session(course, run, world["admin"], title="Coming drill")
    held = a_session(course, run, world["admin"], start=clock.now() - timedelta(days=1), title="Held drill")
    signups.sign_up(trainee, coming)
    signups.sign_up(other, coming)
    signups.mark(held, {trainee.id: "late", other.id: "present"}, world["admin"])
    return trainee, other, coming


def test_the_download_holds_the_persons_sign_ups_and_marks_and_nobody_elses(world, course, db):
    trainee, _other, _coming = _history(world, course)
    download = privacy.export_personal_data(trainee, "json", trainee)
    records = json.loads(download.content)["records"]
    assert [(s["session_title"], s["cancelled_at"]) for s in records["session_sign_ups"]] == [("Coming drill", None)]
    assert [(m["session_title"], m["status"], m["marked_by"]) for m in records["attendance_marks"]] == [
        ("Held drill", "late", "staff")]
    assert {"session.signed_up", "attendance.marked"} <= {e["action"] for e in records["audit_events"]}
    assert "Trainee t1" not in download.content.decode()


def test_anonymisation_keeps_the_marks_as_figures_and_retention_deletes_old_cancelled_sign_ups(
        app, world, course, db, monkeypatch):
    trainee, other, coming = _history(world, course)
    privacy.anonymise_user(trainee, world["admin"])
    assert db.session.scalar(select(func.count()).select_from(AttendanceMark)
                             .where(AttendanceMark.user_id == trainee.id)) == 1
    signups.cancel_sign_up(db.session.scalar(select(SessionSignUp).where(SessionSignUp.user_id == other.id)), other)
    monkeypatch.setitem(app.config, "AUDIT_RETENTION_DAYS", 30)
    assert privacy.prune(now=clock.now() + timedelta(days=10)).sign_ups_deleted == 0
    report = privacy.prune(now=clock.now() + timedelta(days=31))
    assert report.sign_ups_deleted == 1
    assert db.session.scalar(select(func.count()).select_from(SessionSignUp)) == 1  # the live one stays
    assert db.session.scalar(select(func.count()).select_from(AttendanceMark)) == 2
