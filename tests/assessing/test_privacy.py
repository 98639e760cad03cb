"""Marks in privacy: the trainee's download holds their released marks with feedback and its file; anonymising
the trainee keeps the judgement and removes the feedback and its file; anonymising an assessor keeps their marks,
shown as given by the anonymised account; retention clears feedback as it clears attempts' raw answers."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest

from lms.assessing import marking
from lms.assessing.marking import MarkFields
from lms.assignments.models import Mark
from lms.core import clock, uploads
from lms.core.storage import current_storage
from lms.extensions import db as _db
from lms.privacy import services as privacy
from tests.assessing.factory import PDF, world_of_marking
from tests.helpers import csrf_token

pytestmark = pytest.mark.db


@pytest.fixture()
def marked(db, world):
    made = world_of_marking(world)
    upload = uploads.read_upload(io.BytesIO(PDF), "notes.pdf", marking.FEEDBACK_FILE_KINDS, 1024 * 1024)
    made["mark"] = marking.mark_submission(made["work_a"], MarkFields(
        "marked", 0, levels=("2", "1"), feedback="Taras, the risks are well named."), upload, made["assessor"])
    return made


def test_the_trainees_download_holds_their_marks_feedback_and_file(client, auth, marked):
    auth.login("trainee@example.org")
    page = client.get("/profile").get_data(as_text=True)
    response = client.post("/profile/data", data={"format": "json", "csrf_token": csrf_token(page)})
    records = json.loads(response.get_data(as_text=True))["records"]
    [row] = records["assignment_marks"]
    assert (row["assignment_title"], row["outcome"], row["passed"], row["feedback"], row["assessor"]) == (
        "Draft action plan", "marked", True, "Taras, the risks are well named.", "Olena Assessor")
    assert row["rubric_levels"] == "Analysis of risks: Every main risk (4); Action plan: Complete (6)"
    assert row["feedback_file"] == f"feedback/{marked['mark'].id}-notes.pdf"
    page = client.get("/profile").get_data(as_text=True)
    archive = zipfile.ZipFile(io.BytesIO(client.post("/profile/data", data={"format": "csv", "csrf_token":
                                                                            csrf_token(page)}).data))
    assert archive.read(f"feedback/{marked['mark'].id}-notes.pdf") == PDF
    # The other trainee's download holds none of it.
    auth.logout()
    auth.login("trainee@example.ge")
    page = client.get("/profile").get_data(as_text=True)
    other = json.loads(client.post("/profile/data", data={"format": "json", "csrf_token": csrf_token(page)})
                       .get_data(as_text=True))["records"]
    assert other["assignment_marks"] == [] and "well named" not in json.dumps(other)


def test_a_held_mark_joins_the_download_once_released(marked, world):
    from lms.privacy.marks import rows_of

    marked["assignment"].hold_marks = True
    _db.session.commit()
    marking.mark_submission(marked["work_b"], MarkFields("marked", 0, levels=("0", "0")), None, marked["editor"])
    assert rows_of(world["other_trainee"].id)["assignment_marks"] == []
    marking.release_marks(marked["assignment"], None, world["admin"])
    assert [r["percent"] for r in rows_of(world["other_trainee"].id)["assignment_marks"]] == [Decimal("0.00")]
    # The assessor's own download lists the marks they gave, without whose work or the feedback.
    given = rows_of(marked["assessor"].id)["assignment_marks_given"]
    assert given and set(given[0]) == {"course_slug", "assignment_slug", "outcome", "marked_at"}


def test_anonymising_the_trainee_keeps_the_judgement_and_removes_feedback(marked, world):
    key = marked["mark"].feedback_key
    privacy.anonymise_user(world["trainee"], world["admin"])
    mark = _db.session.get(Mark, marked["mark"].id)
    assert (mark.score, mark.percent, mark.passed, mark.levels) == (Decimal(10), Decimal(100), True, [2, 1])
    assert mark.feedback == "[removed]" and mark.feedback_key is None and mark.feedback_name is None
    assert not current_storage().exists(key)


def test_anonymising_an_assessor_keeps_their_marks(client, auth, marked, world):
    privacy.anonymise_user(marked["assessor"], world["admin"])
    mark = _db.session.get(Mark, marked["mark"].id)
    assert mark.assessor_id == marked["assessor"].id and mark.feedback.startswith("Taras")
    auth.login("instructor@example.org")
    page = client.get(f"/courses/logframe/assess/submissions/{marked['work_a'].id}").get_data(as_text=True)
    assert f"By Anonymised user {marked['assessor'].id}" in page and "Olena" not in page


def test_retention_clears_old_feedback_as_old_answers(app, marked):
    key = marked["mark"].feedback_key
    saved = app.config.get("ANSWER_RETENTION_DAYS")
    app.config["ANSWER_RETENTION_DAYS"] = 30
    try:
        assert privacy.prune(now=clock.now() + timedelta(days=10)).feedback_cleared == 0
        report = privacy.prune(now=clock.now() + timedelta(days=31))
    finally:
        app.config["ANSWER_RETENTION_DAYS"] = saved
    assert report.feedback_cleared == 1
    _db.session.expire_all()
    mark = _db.session.get(Mark, marked["mark"].id)
    assert mark.feedback == "[removed]" and mark.feedback_key is None and mark.score == Decimal(10)
    assert not current_storage().exists(key)
