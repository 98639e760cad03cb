"""A form sent with more than LMS_MAX_UPLOAD_MB: every upload form of the platform comes back to itself with a
message naming the limit (the assignment's saying its draft is kept as last saved), writes nothing, and says the
limit beforehand; the API and a request for JSON keep their 413."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from lms.extensions import db as _db
from tests.assignments.conftest import assigned  # noqa: F401 (a fixture)
from tests.helpers import make_course, make_staff
from tests.practicals.conftest import drill  # noqa: F401 (a fixture)

pytestmark = pytest.mark.db

MB = 1024 * 1024
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture()
def small_limit(app, monkeypatch):
    """The site accepts 1 MB at once."""
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", MB)


def _count(model, *where) -> int:
    return _db.session.scalar(select(func.count()).select_from(model).where(*where))


def _flash(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def send_too_much(client, url: str, file_field: str, fields: dict | None = None):
    """POST the form at `url` with a 2 MB file in `file_field` (and the typed `fields`): the browser's request."""
    data = dict(fields or {})
    data[file_field] = (io.BytesIO(PDF + b"0" * (2 * MB)), "scan.pdf")
    return client.post(url, data=data, content_type="multipart/form-data")


def assert_back_on_the_form(client, url: str, response, kept: str | None = None) -> str:
    """The request came back to its form (303, GET), which names the limit and says so; returns the page."""
    assert response.status_code == 303, response.status_code
    assert response.headers["Location"] == url
    page = client.get(url)
    assert page.status_code == 200
    text = _flash(page.get_data(as_text=True))
    assert "What you sent comes to more than 1 MB, the most this site accepts at once" in text
    assert "nothing of it was kept, neither the files nor what you typed with them" in text
    if kept:
        assert kept in text
    # Said before sending too: the hint, and the data the script weighs the files with.
    assert "At most 1 MB can be sent at once, all files together." in text
    assert f'data-upload-limit="{MB}"' in page.get_data(as_text=True)
    assert "js/upload-limit.js" in page.get_data(as_text=True)
    return page.get_data(as_text=True)


def test_the_assignment_page_keeps_the_draft_as_last_saved(client, auth, assigned, small_limit):
    from tests.assignments.conftest import PAGE

    auth.login("trainee@example.org")
    auth.post(PAGE, {"text": "Saved before", "action": "save"})
    response = send_too_much(client, PAGE, "files", {"text": "Typed since, never read", "action": "submit"})
    page = assert_back_on_the_form(client, PAGE, response, kept="Your draft below is as it was last saved")
    assert "Saved before" in page and "Typed since, never read" not in page
    assert 'data-max-file-bytes="1048576"' in page  # the assignment's own limit per file (1 MB)
    from lms.assignments.models import Submission

    assert [s.status for s in _db.session.scalars(select(Submission))] == ["draft"]
    # The background save asks for JSON: it keeps the plain 413.
    big = client.post(PAGE, data={"text": "x", "files": (io.BytesIO(b"0" * (2 * MB)), "a.pdf")},
                      content_type="multipart/form-data", headers={"Accept": "application/json"})
    assert big.status_code == 413


def test_the_practical_sign_off(client, auth, db, world, drill, small_limit):
    from lms.practicals.models import Record
    from tests.practicals.conftest import sign_off_data

    url = f"/courses/drill/practicals/{drill['practical'].slug}/assess/{drill['enrolment'].id}"
    auth.login("assessor@example.org")
    response = send_too_much(client, url, "evidence", sign_off_data(drill["practical"], ["met"] * 3))
    page = assert_back_on_the_form(client, url, response)
    assert 'data-max-file-bytes="10485760"' in page
    assert _count(Record) == 0


def test_the_marking_form(client, auth, world, small_limit):
    from lms.assignments.models import Mark
    from tests.assessing.factory import world_of_marking

    made = world_of_marking(world)
    url = f"/courses/logframe/assess/submissions/{made['work_a'].id}"
    auth.login("instructor@example.org")
    response = send_too_much(client, url, "feedback_file", {"outcome": "marked", "feedback": "Good", "version": "0"})
    assert_back_on_the_form(client, url, response)
    assert _count(Mark) == 0


def _course_with_lesson_and_quiz(world):
    from lms.catalog.models import Lesson, Module
    from lms.quizzes.models import Quiz

    course = make_course("drafts", "Drafts")
    module = Module(course_id=course.id, slug="one", title="One", position=1)
    _db.session.add(module)
    _db.session.flush()
    _db.session.add_all([Lesson(course_id=course.id, module_id=module.id, slug="intro", position=1, title="Intro",
                                minutes=5, body="The saved text."),
                         Quiz(course_id=course.id, module_id=module.id, slug="check", position=2, title="Check")])
    _db.session.commit()
    make_staff(course, world["instructor"], "owner")
    return course


def test_the_lesson_editor_image_upload(client, auth, world, small_limit):
    from lms.catalog.models import Lesson

    _course_with_lesson_and_quiz(world)
    url = "/author/drafts/lessons/intro"
    auth.login("instructor@example.org")
    response = send_too_much(client, url, "image", {"title": "Intro", "minutes": "5", "body": "Edited text",
                                                    "action": "upload"})
    page = assert_back_on_the_form(client, url, response)
    assert "The saved text." in page
    assert _db.session.scalar(select(Lesson.body)) == "The saved text."


def test_the_gift_import(client, auth, world, small_limit):
    _course_with_lesson_and_quiz(world)
    url = "/author/drafts/quizzes/check/gift"
    auth.login("instructor@example.org")
    assert_back_on_the_form(client, url, send_too_much(client, url, "file"))


def test_the_course_package_upload(client, auth, world, small_limit):
    from lms.catalog.models import Course

    url = "/author/upload"
    auth.login("instructor@example.org")
    assert_back_on_the_form(client, url, send_too_much(client, url, "file"))
    assert _count(Course) == 0


def test_the_bulk_enrolment_upload(client, auth, world, small_limit):
    url = "/enrolments/bulk"
    auth.login("coord@example.org")
    assert_back_on_the_form(client, url, send_too_much(client, url, "file"))


def test_the_completions_import(client, auth, world, small_limit):
    url = "/completions/import"
    auth.login("coord@example.org")
    assert_back_on_the_form(client, url, send_too_much(client, url, "file"))


def test_a_completion_recorded_with_evidence(client, auth, world, small_limit):
    from lms.learning.models import Enrolment

    course = make_course("elsewhere", "Done elsewhere")
    url = f"/people/{world['trainee'].id}/completions/new"
    auth.login("coord@example.org")
    response = send_too_much(client, url, "evidence", {"course": str(course.id), "completed_on": "2026-01-10",
                                                       "hours": "4", "reason": "Paper register"})
    page = assert_back_on_the_form(client, url, response)
    assert 'data-max-file-bytes="10485760"' in page
    assert _count(Enrolment) == 0


def test_other_requests_keep_the_413(client, app, small_limit):
    """Not a form with files (a body of another kind), or the API: the plain 413, nothing to go back to."""
    body = client.post("/login", data=b"x" * (2 * MB), content_type="application/octet-stream")
    assert body.status_code == 413 and "File too large" in body.get_data(as_text=True)
    api = client.post("/api/v1/courses", data={"file": (io.BytesIO(b"0" * (2 * MB)), "a.pdf")},
                      content_type="multipart/form-data")
    assert api.status_code == 413 and api.mimetype == "application/json" and api.get_json()["error"] == "too_large"
