"""Results set by hand are personal data: in the trainee's download; anonymisation removes their reason (the
result stays, as a figure) and the name of who set them; retention keeps them as long as the enrolment."""
from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.auth.models import User
from lms.core import clock
from lms.gradebook import services
from lms.gradebook.models import Override
from lms.privacy import services as privacy
from tests.gradebook.helpers import a_course, a_run, trainees
from tests.helpers import make_user

pytestmark = pytest.mark.db


@pytest.fixture()
def overridden(world, db):
    course, (quiz, _assignment, _practical) = a_course(modules=1)
    (enrolment,) = trainees(course, a_run(course, world["admin"]), world, 1)
    setter = make_user("setter@example.org", "Stepan Setter", "instructor")
    services.override(course, enrolment, "quiz", quiz.id, 70, "Oral exam with Stepan Setter for Trainee t000",
                      setter)
    return course, quiz, enrolment, db.session.get(User, enrolment.user_id), setter


def test_the_trainees_download_holds_the_results_set_by_hand(db, overridden):
    _course, quiz, enrolment, trainee, setter = overridden
    records = json.loads(privacy.export_personal_data(trainee, "json").content)["records"]
    assert [(o["course_slug"], o["kind"], o["item_id"], o["reason"], o["set_by"]) for o in records["grade_overrides"]
            ] == [("graded", "quiz", quiz.id, "Oral exam with Stepan Setter for Trainee t000", "staff")]
    # The setter's own download does not hold the trainee's result.
    theirs = json.loads(privacy.export_personal_data(setter, "json").content)["records"]
    assert theirs["grade_overrides"] == []


def test_anonymising_the_trainee_removes_the_reason_and_keeps_the_result(db, world, overridden):
    _course, _quiz, enrolment, trainee, _setter = overridden
    privacy.anonymise_user(trainee, world["admin"])
    override = db.session.scalar(select(Override))
    assert (override.percent, override.reason) == (Decimal("70.00"), "[anonymised]")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "gradebook.override_set"))
    assert event.details["reason"] == "[anonymised]" and event.details["percent"] == "70.00"


def test_anonymising_the_setter_removes_their_name(db, world, overridden):
    _course, _quiz, _enrolment, _trainee, setter = overridden
    privacy.anonymise_user(setter, world["admin"])
    override = db.session.scalar(select(Override))
    assert override.set_by_id is None
    assert "Stepan Setter" not in override.reason and override.reason.startswith("Oral exam with")


def test_retention_keeps_them_with_the_enrolment(app, db, overridden, monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_RETENTION_DAYS", 30)
    privacy.prune(now=clock.now() + timedelta(days=400))
    assert db.session.scalar(select(Override.percent)) == Decimal("70.00")
