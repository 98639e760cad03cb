"""The availability editor: an instructor of the course sets when a quiz opens, the page refuses a cycle
with a clear message and loses nothing typed, and every change is audited."""
from __future__ import annotations

import pytest

from lms.audit.models import AuditEvent
from lms.availability.models import Condition
from tests.helpers import make_staff

pytestmark = pytest.mark.db


def test_an_instructor_sets_rules_and_a_cycle_is_refused(client, auth, world, course, items, db):
    make_staff(course, world["instructor"])
    auth.login(world["instructor"].email)
    assert "When it opens to trainees" in client.get("/author/sample/quizzes/final").get_data(as_text=True)
    url = "/author/sample/quizzes/final/availability"
    page = client.get(url).get_data(as_text=True)
    assert "Introduction" in page and f'value="quiz-{items["check"].id}"' in page
    saved = auth.post(url, {"after": [f"quiz-{items['check'].id}", f"lesson-{items['intro'].id}"],
                            f"score-{items['check'].id}": "80", "when": "days", "days_after_start": "7",
                            "courses": ""})
    assert saved.status_code == 302
    rows = db.session.query(Condition).filter_by(quiz_id=items["final"].id).all()
    assert sorted((c.kind, c.min_percent, c.days_after_start) for c in rows) == [
        ("lesson", None, None), ("quiz", 80, None), ("run_days", None, 7)]
    event = db.session.query(AuditEvent).filter_by(action="availability.changed").one()
    assert event.actor_id == world["instructor"].id and event.details["slug"] == "final"

    # Check after the final: a cycle (check → final → check), refused with the items named.
    check_url = "/author/sample/quizzes/check/availability"
    refused = auth.post(check_url, {"after": [f"quiz-{items['final'].id}"], "when": "none",
                                    "courses": "", "days_after_start": ""}, form_page=check_url)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "would make items wait for each other" in text and "“Check” → “Final assessment” → “Check”" in text
    assert f'value="quiz-{items["final"].id}" checked' in text  # what was chosen stays
    assert db.session.query(Condition).filter_by(quiz_id=items["check"].id).count() == 0

    unknown = auth.post(check_url, {"courses": "no-such-course", "when": "none"}, form_page=check_url)
    assert unknown.status_code == 400 and "There is no course with the short name “no-such-course”." in \
        unknown.get_data(as_text=True)
    other = auth.post(check_url, {"after": ["lesson-999999"], "when": "none"}, form_page=check_url)
    assert "only wait for lessons and quizzes of its own course" in other.get_data(as_text=True)


def test_a_trainee_cannot_open_the_editor(client, auth, world, course, items):
    auth.login(world["trainee"].email)
    assert client.get("/author/sample/quizzes/final/availability").status_code in (403, 404)
