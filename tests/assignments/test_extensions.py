"""Extensions of an assignment's due date for one trainee: given by the course's editors with a reason,
audited, listed with the trainees' work, shown to the trainee; refused to others."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from lms.assignments.models import Extension
from lms.audit.models import AuditEvent

pytestmark = pytest.mark.db

PAGE = "/author/planning/assignments/action-plan/extensions"


def test_an_instructor_gives_and_takes_back_an_extension(auth, assigned, db):
    auth.login("instructor@example.org")
    html = auth.client.get(PAGE).get_data(as_text=True)
    assert "Taras Trainee" in html and "not handed in" in html
    enrolment = assigned["enrolment"]
    response = auth.post(PAGE, {"enrolment": str(enrolment.id), "due_on": "2027-05-04", "reason": "Sick leave"})
    assert response.status_code == 302
    extension = db.session.get(Extension, (assigned["assignment"].id, enrolment.id))
    assert (extension.due_on, extension.reason, extension.granted_by_id) == (
        date(2027, 5, 4), "Sick leave", assigned["instructor"].id)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assignment.extension_given"))
    assert event.actor_id == assigned["instructor"].id and event.details["due_on"] == "2027-05-04"
    assert (event.target_type, event.target_id, event.details["reason"]) == ("enrolments", enrolment.id, "Sick leave")
    html = auth.client.get(PAGE).get_data(as_text=True)
    assert "Sick leave" in html and "May 4, 2027" in html
    auth.post(f"{PAGE}/{enrolment.id}/remove", {}, form_page=PAGE)
    db.session.expire_all()
    assert db.session.get(Extension, (assigned["assignment"].id, enrolment.id)) is None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assignment.extension_removed"))


def test_the_trainee_sees_the_extended_due_date(auth, assigned, db):
    from lms.assignments import services

    services.give_extension(assigned["assignment"], assigned["enrolment"], date(2027, 5, 4), "Sick leave",
                            assigned["instructor"])
    auth.login("trainee@example.org")
    html = auth.client.get("/courses/planning/assignments/action-plan").get_data(as_text=True)
    assert "extension given: Sick leave" in html and "May 4, 2027, until the end of the day" in html


@pytest.mark.parametrize("who", ["trainee@example.org", "coord@example.org"])
def test_others_are_refused(auth, assigned, who):
    auth.login(who)
    assert auth.client.get(PAGE).status_code == 403
