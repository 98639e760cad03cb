"""Signing off a trainee's checklist: the outcome, supersession, the assessor's scope, hold and release, and
completion with its certificate."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.practicals.conftest import sign_off_data

pytestmark = pytest.mark.db


def _url(drill, enrolment=None):
    base = f"/courses/drill/practicals/{drill['practical'].slug}/assess"
    return f"{base}/{(enrolment or drill['enrolment']).id}" if enrolment is not False else base


def test_assessor_signs_off_and_the_course_completes(client, auth, db, world, drill):
    from lms.learning.models import Certificate, Enrolment
    from lms.practicals.models import Record, Result

    auth.login("assessor@example.org")
    listing = client.get(_url(drill, False)).get_data(as_text=True)
    assert "Taras Trainee" in listing and "Giorgi Trainee" not in listing  # only the run given to them
    assert "Not assessed" in listing
    response = auth.post(_url(drill), sign_off_data(drill["practical"], ["met", "met", "not_observed"]))
    assert response.status_code == 302
    db.session.expire_all()
    record = db.session.scalar(select(Record))
    assert record.passed and str(record.percent) == "66.67" and record.released_at is not None
    assert record.place == "Checkpoint 7" and record.assessor_id == drill["assessor"].id and not record.from_paper
    results = {r.criterion.text: (r.result, r.comment) for r in db.session.scalars(select(Result))}
    assert results["Reports to the shift lead"] == ("not_observed", "note 3")
    enrolment = db.session.get(Enrolment, drill["enrolment"].id)
    assert enrolment.status == "completed"
    assert db.session.scalar(select(Certificate).where(Certificate.enrolment_id == enrolment.id)) is not None
    listing = client.get(_url(drill, False)).get_data(as_text=True)
    assert "Passed" in listing


def test_critical_not_met_fails_and_a_new_assessment_supersedes(client, auth, db, world, drill):
    from lms.practicals.models import Record

    auth.login("assessor@example.org")
    auth.post(_url(drill), sign_off_data(drill["practical"], ["not_met", "met", "met"]))
    first = db.session.scalar(select(Record))
    assert not first.passed and str(first.percent) == "66.67"
    auth.post(_url(drill), sign_off_data(drill["practical"], ["met", "met", "met"]))
    db.session.expire_all()
    records = db.session.scalars(select(Record).order_by(Record.id)).all()
    assert len(records) == 2 and records[0].superseded_at is not None and records[1].superseded_at is None
    assert records[1].passed


def test_refusals(client, auth, db, world, drill):
    from lms.practicals.models import Record

    auth.login("assessor@example.org")
    missing = auth.post(_url(drill), sign_off_data(drill["practical"], ["met", "met"]))
    assert missing.status_code == 400 and "for every criterion" in missing.get_data(as_text=True)
    future = (date.today() + timedelta(days=3)).isoformat()
    later = auth.post(_url(drill), sign_off_data(drill["practical"], ["met"] * 3, assessed_on=future))
    assert later.status_code == 400 and "cannot be in the future" in later.get_data(as_text=True)
    assert db.session.scalar(select(Record)) is None
    # A trainee of a run not given to the assessor: forbidden.
    other = client.get(_url(drill, drill["other_enrolment"]))
    assert other.status_code == 403


def test_held_records_complete_nothing_until_released(client, auth, db, world, drill):
    from lms.audit.models import AuditEvent
    from lms.learning.models import Enrolment
    from lms.practicals.models import Record

    drill["practical"].hold_marks = True
    db.session.commit()
    auth.login("assessor@example.org")
    auth.post(_url(drill), sign_off_data(drill["practical"], ["met"] * 3))
    record = db.session.scalar(select(Record))
    assert record.passed and record.released_at is None
    assert db.session.get(Enrolment, drill["enrolment"].id).status != "completed"
    auth.logout()
    auth.login("trainee@example.org")
    page = client.get(f"/courses/drill/practicals/{drill['practical'].slug}").get_data(as_text=True)
    assert "once the course's staff release" in page and "Checkpoint 7" not in page
    auth.logout()
    # The assessor may not release; the course's owner may.
    auth.login("assessor@example.org")
    assert auth.post(f"/courses/drill/practicals/{drill['practical'].slug}/release", {"run": "all"},
                     form_page=_url(drill, False)).status_code == 403
    auth.logout()
    auth.login("instructor@example.org")
    listing = _url(drill, False)
    assert "Release 1 held-back record" in client.get(listing).get_data(as_text=True)
    response = auth.post(f"/courses/drill/practicals/{drill['practical'].slug}/release", {"run": "all"},
                         form_page=listing)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Record)).released_at is not None
    assert db.session.get(Enrolment, drill["enrolment"].id).status == "completed"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "practical.released")) is not None
    auth.logout()
    auth.login("trainee@example.org")
    page = client.get(f"/courses/drill/practicals/{drill['practical'].slug}").get_data(as_text=True)
    assert "Passed" in page and "Checkpoint 7" in page and "Olena Assessor" in page and "note 1" in page
    # The course's outline ticks it passed, as it does a passed quiz.
    outline = client.get("/courses/drill").get_data(as_text=True)
    assert re.search(re.escape(drill["practical"].title) + r'</a>\s*<span class="meta">Practical assessment</span>\s*'
                     r'<span class="badge">Passed</span>', outline)


def test_from_paper_is_recorded(client, auth, db, world, drill):
    from lms.practicals.models import Record

    auth.login("assessor@example.org")
    page = client.get(_url(drill) + "?paper=1").get_data(as_text=True)
    assert "Entered from paper" in page
    day = (date.today() - timedelta(days=5)).isoformat()
    auth.post(_url(drill), sign_off_data(drill["practical"], ["met", "not_met", "not_met"], assessed_on=day,
                                         from_paper="1"), form_page=_url(drill) + "?paper=1")
    record = db.session.scalar(select(Record))
    assert record.from_paper and record.assessed_on.isoformat() == day and not record.passed
