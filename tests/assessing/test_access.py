"""Who opens the marking pages, beyond the access matrix's roles: an assessor of run A (run B's work refused), an
assessor of the whole course, another course's instructor, a coordinator of the trainee's institution and one of
another (both read the gradebook, never the files: the handed-in work, the practical's evidence and checklists)
and a trainee (never the queues). Assessors read the files of the work they mark, never the gradebook."""
from __future__ import annotations

import pytest

from lms.assignments.models import Mark
from lms.extensions import db as _db
from tests.assessing.factory import make_assessor, world_of_marking
from tests.helpers import Auth
from tests.images import diagram
from tests.practicals.records import signed_record

pytestmark = pytest.mark.db


def test_every_marking_route_for_every_kind_of_reader(app, db, world):
    made = world_of_marking(world)
    make_assessor(made["course"], "whole@example.org", "Whole Course")
    mark_b = Mark(submission_id=made["work_b"].id, outcome="returned", feedback_key="assignment-feedback/x.pdf",
                  feedback_name="x.pdf", feedback_mime="application/pdf", feedback_size=3)
    _db.session.add(mark_b)
    _db.session.commit()
    record = signed_record(made["course"], made["enrolment_a"], made["editor"], "Seen at gate 3", diagram(10, 10))
    a, b, assignment = made["work_a"], made["work_b"], made["assignment"].id
    practical = "/courses/logframe/practicals/field-check"
    pages = {
        "queue": "/courses/logframe/assess",
        "queue_b": f"/courses/logframe/assess?run={made['run_b'].id}",
        "assignment": f"/courses/logframe/assess/{assignment}",
        "work_a": f"/courses/logframe/assess/submissions/{a.id}",
        "work_b": f"/courses/logframe/assess/submissions/{b.id}",
        "file_a": f"/courses/logframe/assess/submissions/{a.id}/files/{a.files[0].id}",
        "feedback_b": f"/courses/logframe/assess/marks/{mark_b.id}/feedback",
        "runs": f"/author/logframe/assessors/{made['assessor'].id}",
        "own_file_a": f"/courses/logframe/assignments/action-plan/files/{a.files[0].id}",
        "evidence_a": f"/practicals/evidence/{record.evidence[0].id}",
        "checklist_a": f"{practical}/assess/{made['enrolment_a'].id}/checklist.pdf",
        "checklists": f"{practical}/checklists.pdf",
        "gradebook": "/courses/logframe/gradebook",
    }
    # A refusal is "forbidden", but of an evidence file "not found", so that its existence is not told.
    refused = {**dict.fromkeys(pages, 403), "evidence_a": 404}
    # An assessor reads the work and the practical's evidence and checklists; not the gradebook (nothing else of
    # the course: quiz results and attendance are in it).
    files_and_lists = {"own_file_a": 200, "evidence_a": 200, "checklist_a": 200, "checklists": 200, "gradebook": 403}
    expected = {
        "assessor@example.org": {"queue": 200, "queue_b": 403, "assignment": 200, "work_a": 200, "work_b": 403,
                                 "file_a": 200, "feedback_b": 403, "runs": 403, **files_and_lists},
        "whole@example.org": {"queue": 200, "queue_b": 200, "assignment": 200, "work_a": 200, "work_b": 200,
                              "file_a": 200, "feedback_b": 404, "runs": 403, **files_and_lists},
        "outsider@example.org": refused,
        "coord@example.org": {**refused, "gradebook": 200},
        "coord@example.ge": {**refused, "gradebook": 200},
        "trainee@example.org": {**refused, "file_a": 200, "own_file_a": 200, "evidence_a": 200},
        "trainee@example.ge": refused,
    }
    failures = []
    for email, statuses in expected.items():
        client = app.test_client()
        Auth(client).login(email)
        for name, url in pages.items():
            got = client.get(url).status_code
            if got != statuses[name]:
                failures.append(f"{email} {name} {url}: {got}, expected {statuses[name]}")
        if email.startswith("coord@"):  # the gradebook shows a coordinator their institution's officers only
            shown = client.get(pages["gradebook"]).get_data(as_text=True)
            ukrainian = email.endswith(".org")
            if ("Taras Trainee" in shown, "Giorgi Trainee" in shown) != (ukrainian, not ukrainian):
                failures.append(f"{email} gradebook shows the wrong officers")
    assert not failures, "\n".join(failures)


def test_a_draft_is_not_found_even_by_the_courses_editors(client, auth, db, world):
    from tests.assessing.factory import submit

    made = world_of_marking(world)
    draft = submit(made["assignment"], made["enrolment_a"], number=2, status="draft")
    auth.login("instructor@example.org")
    assert client.get(f"/courses/logframe/assess/submissions/{draft.id}").status_code == 404
    assert client.get(f"/courses/nowhere/assess").status_code == 404
