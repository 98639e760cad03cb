"""The course page once the certificate of a completed cycle has expired: it says so, and offers the enrol
form the service honours (the whole journey, from My learning, is in tests/browser/test_trainee_fixes.py)."""
from __future__ import annotations


import pytest
from sqlalchemy import select

from lms.core import clock, when
from lms.learning import services
from lms.learning.models import Certificate, Enrolment

pytestmark = pytest.mark.db


@pytest.fixture(autouse=True)
def _clock():
    yield
    clock.freeze(None)


def completed(db, trainee, course, months_ago: int) -> Certificate:
    """A cycle completed `months_ago` (the sample course's certificate is valid for 24 months)."""
    enrolment, _created = services.enrol(trainee, course, source="admin")
    services.complete_enrolment(enrolment, course, when=services.add_months(clock.now(), -months_ago))
    db.session.commit()
    return db.session.scalar(select(Certificate))


def test_the_page_says_when_the_certificate_expired_and_offers_a_new_cycle(client, auth, world, course, db):
    certificate = completed(db, world["trainee"], course, months_ago=25)
    auth.login(world["trainee"].email)
    page = client.get("/courses/sample").get_data(as_text=True)
    # The day in the trainee's zone, as the page shows it (in Kyiv it is already the next day after 21:00 UTC).
    expired = certificate.expires_at.astimezone(when.person_zone(world["trainee"]))
    assert f"Your certificate expired on {expired:%B} {expired.day}," in page
    assert 'action="/courses/sample/enrol"' in page and "Enrol again</button>" in page
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    db.session.expire_all()
    assert [(e.cycle, e.is_current) for e in db.session.scalars(select(Enrolment).order_by(Enrolment.cycle))] == [
        (1, False), (2, True)]


def test_a_certificate_still_valid_offers_no_form(client, auth, world, course, db):
    completed(db, world["trainee"], course, months_ago=23)
    auth.login(world["trainee"].email)
    page = client.get("/courses/sample").get_data(as_text=True)
    assert "You have completed this course" in page
    assert "expired on" not in page and 'action="/courses/sample/enrol"' not in page


def test_where_trainees_do_not_enrol_themselves_the_page_says_who_does(client, auth, world, course, db):
    course.self_enrolment = False
    db.session.commit()
    completed(db, world["trainee"], course, months_ago=30)
    auth.login(world["trainee"].email)
    page = client.get("/courses/sample").get_data(as_text=True)
    assert "Your certificate expired on" in page and "Your coordinator enrols trainees in this course." in page
    assert 'action="/courses/sample/enrol"' not in page
