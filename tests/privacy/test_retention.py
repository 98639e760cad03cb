"""Retention: `lms data prune` removes old audit events and the raw answers of long-ended attempts, as
the settings say, and never a completion, a certificate, a score or a pass."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Text, cast, func, select

from config import ConfigError, load_config
from lms.audit.models import AuditEvent
from lms.core import clock
from lms.learning.models import Certificate, Enrolment
from lms.quizzes.models import AttemptAnswer, QuizAttempt
from tests.helpers import answers_for, make_user, start_attempt
from tests.privacy.conftest import complete_sample

pytestmark = pytest.mark.db


@pytest.fixture()
def history(client, auth, world, course, db):
    """The trainee trained 100 days ago, when a third trainee left an attempt open; the other trainee
    trained 5 days ago."""
    now = clock.now()
    third = make_user("third@example.org", "Olena Third", "trainee", world["ua"])
    try:
        clock.freeze(now - timedelta(days=100))
        complete_sample(client, auth, db, world["trainee"].email)
        auth.login(third.email)
        auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
        open_id = start_attempt(auth, "sample", "check")
        db.session.expire_all()
        draw = db.session.get(QuizAttempt, open_id).draw
        auth.post(f"/attempts/{open_id}", {**answers_for(draw), "action": "save"}, form_page=f"/attempts/{open_id}")
        auth.logout()
        clock.freeze(now - timedelta(days=5))
        complete_sample(client, auth, db, world["other_trainee"].email)
    finally:
        clock.freeze(None)
    db.session.expire_all()
    return {"now": now, "open_attempt": open_id, "third": third.id}


def kept_forever(db) -> dict:
    """What retention must never change."""
    return {
        "enrolments": sorted(db.session.execute(select(Enrolment.id, Enrolment.status, Enrolment.completed_at)).all()),
        "certificates": sorted(db.session.execute(select(Certificate.code, Certificate.holder_name,
                                                         Certificate.issued_at, Certificate.expires_at)).all()),
        "attempts": sorted(db.session.execute(select(QuizAttempt.id, QuizAttempt.status, QuizAttempt.score,
                                                     QuizAttempt.percent, QuizAttempt.passed)).all()),
        "points": sorted(db.session.execute(select(AttemptAnswer.id, AttemptAnswer.points,
                                                   AttemptAnswer.correct)).all()),
    }


def responses(db, user_id: int, ended: bool = True) -> list:
    statuses = ("submitted", "expired") if ended else ("in_progress",)
    return list(db.session.scalars(
        select(AttemptAnswer.response).join(QuizAttempt, QuizAttempt.id == AttemptAnswer.attempt_id)
        .where(QuizAttempt.user_id == user_id, QuizAttempt.status.in_(statuses))))


def prune(app, monkeypatch, *args, audit=None, answers=None):
    monkeypatch.setitem(app.config, "AUDIT_RETENTION_DAYS", audit)
    monkeypatch.setitem(app.config, "ANSWER_RETENTION_DAYS", answers)
    result = app.test_cli_runner().invoke(args=["data", "prune", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_prune_removes_only_what_the_settings_say(app, world, history, db, monkeypatch):
    old_events = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.created_at < history["now"] - timedelta(days=30)))
    recent_events = db.session.scalar(select(func.count()).select_from(AuditEvent)) - old_events
    assert old_events > 0 and recent_events > 0
    old_answers = [r for r in responses(db, world["trainee"].id) if r is not None]
    assert old_answers
    others = responses(db, world["other_trainee"].id)
    open_before = responses(db, history["third"], ended=False)
    assert any(r is not None for r in open_before)
    kept = kept_forever(db)

    output = prune(app, monkeypatch, audit=30, answers=60)
    assert f"audit events: deleted {old_events} older than 30 days" in output
    assert f"quiz answers: cleared the raw responses of {len(old_answers)} answer(s)" in output

    db.session.expire_all()
    assert kept_forever(db) == kept
    assert responses(db, world["trainee"].id) == [None] * len(responses(db, world["trainee"].id))
    assert responses(db, world["other_trainee"].id) == others  # ended 5 days ago: kept
    assert responses(db, history["third"], ended=False) == open_before  # never an attempt in progress
    remaining = db.session.scalars(select(AuditEvent)).all()
    assert all(e.created_at >= history["now"] - timedelta(days=30) for e in remaining)
    assert len(remaining) == recent_events + 1  # and the record of this run
    pruned = next(e for e in remaining if e.action == "data.pruned")
    assert pruned.details["audit_events_deleted"] == old_events
    assert pruned.details["answers_cleared"] == len(old_answers)

    # A second run finds nothing more to do.
    again = prune(app, monkeypatch, audit=30, answers=60)
    assert "deleted 0" in again and "of 0 answer(s)" in again


def test_review_of_a_pruned_attempt_still_shows_the_result(app, client, auth, world, history, db, monkeypatch):
    prune(app, monkeypatch, answers=60)
    attempt_id = db.session.scalar(select(QuizAttempt.id).where(
        QuizAttempt.user_id == world["trainee"].id, QuizAttempt.passed.is_(True)))
    auth.login(world["trainee"].email)
    review = client.get(f"/attempts/{attempt_id}/review")
    assert review.status_code == 200 and "Passed" in review.get_data(as_text=True)


def test_unset_settings_keep_everything_forever(app, world, history, db, monkeypatch):
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    answers = db.session.scalar(select(func.count()).select_from(AttemptAnswer).where(
        cast(AttemptAnswer.response, Text) != "null"))
    output = prune(app, monkeypatch)
    assert "audit events: kept forever" in output and "quiz answers: kept forever" in output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events
    assert db.session.scalar(select(func.count()).select_from(AttemptAnswer).where(
        cast(AttemptAnswer.response, Text) != "null")) == answers


def test_dry_run_only_counts(app, world, history, db, monkeypatch):
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    output = prune(app, monkeypatch, "--dry-run", audit=30, answers=60)
    assert "audit events: would delete" in output and "quiz answers: would clear" in output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events
    assert any(r is not None for r in responses(db, world["trainee"].id))


@pytest.mark.parametrize(("name", "value", "key", "expected"), [
    ("LMS_AUDIT_RETENTION_DAYS", "365", "AUDIT_RETENTION_DAYS", 365),
    ("LMS_AUDIT_RETENTION_DAYS", "", "AUDIT_RETENTION_DAYS", None),
    ("LMS_ANSWER_RETENTION_DAYS", "90", "ANSWER_RETENTION_DAYS", 90),
    ("LMS_VERIFY_SHOWS", "NAME", "VERIFY_SHOWS", "name"),
    ("LMS_VERIFY_SHOWS", "", "VERIFY_SHOWS", "initials"),
])
def test_settings_are_read_from_the_environment(monkeypatch, tmp_path, name, value, key, expected):
    monkeypatch.setenv(name, value)
    assert load_config(INSTANCE_PATH=str(tmp_path), SECRET_KEY="x")[key] == expected


@pytest.mark.parametrize(("name", "value"), [
    ("LMS_AUDIT_RETENTION_DAYS", "0"), ("LMS_ANSWER_RETENTION_DAYS", "-3"), ("LMS_ANSWER_RETENTION_DAYS", "a year"),
    ("LMS_VERIFY_SHOWS", "everything"),
])
def test_wrong_settings_are_refused_with_a_clear_message(monkeypatch, tmp_path, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_config(INSTANCE_PATH=str(tmp_path), SECRET_KEY="x")
