"""Practical records in the personal-data download, anonymisation and retention (as quiz attempts')."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.images import diagram
from tests.practicals.records import signed_record

pytestmark = pytest.mark.db


def test_the_download_holds_released_records_only(db, world, drill):
    from lms.privacy.queries import personal_data

    held = signed_record(drill["course"], drill["enrolment"], drill["assessor"], "Held note", hold=True)
    assert personal_data(world["trainee"])["practical_records"] == []
    held.released_at = held.signed_at
    db.session.commit()
    data = personal_data(world["trainee"])
    [record] = data["practical_records"]
    assert record["comment"] == "Held note" and record["assessor"] == "Olena Assessor" and record["place"] == "Gate 3"
    assert data["practical_results"][0]["comment"] == "Held note (criterion)"
    assert personal_data(world["other_trainee"])["practical_records"] == []


def test_anonymisation_removes_comments_and_evidence_and_keeps_the_outcome(db, world, drill):
    from lms.core.storage import current_storage
    from lms.practicals.models import Evidence, Record, Result
    from lms.privacy.services import anonymise_user

    record = signed_record(drill["course"], drill["enrolment"], drill["assessor"], "Nervous at first",
                           diagram(20, 10))
    key = record.evidence[0].storage_key
    other = signed_record(drill["course"], drill["other_enrolment"], drill["assessor"], "Other's note")
    assert current_storage().exists(key)
    anonymise_user(world["trainee"], world["admin"])
    db.session.expire_all()
    kept = db.session.get(Record, record.id)
    assert kept.passed and kept.percent is not None and kept.place == "Gate 3"
    assert "Nervous" not in kept.comment
    assert all("Nervous" not in r.comment for r in db.session.scalars(select(Result).where(Result.record_id == kept.id)))
    assert db.session.scalar(select(Evidence).where(Evidence.record_id == kept.id)) is None
    assert not current_storage().exists(key)
    assert db.session.get(Record, other.id).comment == "Other's note"


def test_retention_clears_old_comments_and_files_as_attempts(app, db, world, drill, monkeypatch):
    from lms.core import clock
    from lms.core.storage import current_storage
    from lms.practicals.models import Evidence, Record
    from lms.privacy.services import prune

    record = signed_record(drill["course"], drill["enrolment"], drill["assessor"], "Old note", diagram(20, 10))
    key = record.evidence[0].storage_key
    monkeypatch.setitem(app.config, "ANSWER_RETENTION_DAYS", 30)
    assert prune(clock.now() + timedelta(days=10)).practical_records_cleared == 0
    assert prune(clock.now() + timedelta(days=31), dry_run=True).practical_records_cleared == 1
    report = prune(clock.now() + timedelta(days=31))
    assert report.practical_records_cleared == 1
    db.session.expire_all()
    kept = db.session.get(Record, record.id)
    assert kept.passed and "Old note" not in kept.comment
    assert db.session.scalar(select(Evidence)) is None and not current_storage().exists(key)
    assert prune(clock.now() + timedelta(days=32)).practical_records_cleared == 0
