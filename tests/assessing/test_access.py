"""Who opens the marking pages, beyond the access matrix's roles: an assessor of run A (run B's work refused), an
assessor of the whole course, another course's instructor, a coordinator (never the files) and a trainee (never
the queues)."""
from __future__ import annotations

import pytest

from lms.assignments.models import Mark
from lms.extensions import db as _db
from tests.assessing.factory import make_assessor, world_of_marking
from tests.helpers import Auth

pytestmark = pytest.mark.db


def test_every_marking_route_for_every_kind_of_reader(app, db, world):
    made = world_of_marking(world)
    make_assessor(made["course"], "whole@example.org", "Whole Course")
    mark_b = Mark(submission_id=made["work_b"].id, outcome="returned", feedback_key="assignment-feedback/x.pdf",
                  feedback_name="x.pdf", feedback_mime="application/pdf", feedback_size=3)
    _db.session.add(mark_b)
    _db.session.commit()
    a, b, assignment = made["work_a"], made["work_b"], made["assignment"].id
    pages = {
        "queue": "/courses/logframe/assess",
        "queue_b": f"/courses/logframe/assess?run={made['run_b'].id}",
        "assignment": f"/courses/logframe/assess/{assignment}",
        "work_a": f"/courses/logframe/assess/submissions/{a.id}",
        "work_b": f"/courses/logframe/assess/submissions/{b.id}",
        "file_a": f"/courses/logframe/assess/submissions/{a.id}/files/{a.files[0].id}",
        "feedback_b": f"/courses/logframe/assess/marks/{mark_b.id}/feedback",
        "runs": f"/author/logframe/assessors/{made['assessor'].id}",
    }
    expected = {
        "assessor@example.org": {"queue": 200, "queue_b": 403, "assignment": 200, "work_a": 200, "work_b": 403,
                                 "file_a": 200, "feedback_b": 403, "runs": 403},
        "whole@example.org": {"queue": 200, "queue_b": 200, "assignment": 200, "work_a": 200, "work_b": 200,
                              "file_a": 200, "feedback_b": 404, "runs": 403},
        "outsider@example.org": dict.fromkeys(pages, 403),
        "coord@example.org": dict.fromkeys(pages, 403),
        "trainee@example.org": {**dict.fromkeys(pages, 403), "file_a": 200},
        "trainee@example.ge": dict.fromkeys(pages, 403),
    }
    failures = []
    for email, statuses in expected.items():
        client = app.test_client()
        Auth(client).login(email)
        for name, url in pages.items():
            got = client.get(url).status_code
            if got != statuses[name]:
                failures.append(f"{email} {name} {url}: {got}, expected {statuses[name]}")
    assert not failures, "\n".join(failures)


def test_a_draft_is_not_found_even_by_the_courses_editors(client, auth, db, world):
    from tests.assessing.factory import submit

    made = world_of_marking(world)
    draft = submit(made["assignment"], made["enrolment_a"], number=2, status="draft")
    auth.login("instructor@example.org")
    assert client.get(f"/courses/logframe/assess/submissions/{draft.id}").status_code == 404
    assert client.get(f"/courses/nowhere/assess").status_code == 404
