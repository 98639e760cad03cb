"""Courses kept on the device, the server's side (lms.offline): the list of a course's addresses to keep, the
lesson fetched to be kept (not counted as read), the views read offline and sent later (bounded, idempotent,
completing the course as a view does), the service worker's script, the manifest, the offline page, who is
signed in, the sign-out that clears the device, and the pages' markup without JavaScript."""
from __future__ import annotations

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from lms.core import clock
from lms.core.headers import CSP
from lms.learning.models import Enrolment, LessonProgress
from tests.helpers import csrf_token, take_quiz

pytestmark = pytest.mark.db


@pytest.fixture()
def enrolled(client, auth, world, course):
    auth.login(world["trainee"].email)
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")  # not followed: no lesson opened
    return world["trainee"]


def token(client) -> str:
    return client.get("/offline/session").get_json()["csrf"]


def send_view(client, lesson: str, viewed_at, **kwargs):
    body = kwargs.pop("body", None)
    data = body if body is not None else json.dumps({"viewed_at": viewed_at if isinstance(viewed_at, str)
                                                    else viewed_at.isoformat()})
    headers = {"X-CSRFToken": kwargs.pop("csrf", None) or token(client), "Content-Type": "application/json"}
    return client.post(f"/courses/sample/lessons/{lesson}/views", data=data, headers=headers)


def progress(db, lesson_slug: str):
    from lms.catalog.models import Lesson

    db.session.expire_all()
    return db.session.scalar(select(LessonProgress).join(Lesson, Lesson.id == LessonProgress.lesson_id)
                             .where(Lesson.slug == lesson_slug))


def test_a_lesson_fetched_to_be_kept_is_not_counted_as_read(client, enrolled, db):
    kept = client.get("/courses/sample/lessons/intro", headers={"X-LMS-Keep": "1"})
    assert kept.status_code == 200 and "<h2>Why</h2>" in kept.get_data(as_text=True)
    assert kept.headers["Cache-Control"] == "no-store"  # the page itself is never kept by a cache
    assert progress(db, "intro") is None
    client.get("/courses/sample/lessons/intro")
    assert progress(db, "intro") is not None


def test_the_addresses_of_a_course_to_keep(client, enrolled):
    response = client.get("/courses/sample/offline")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert response.get_json() == {
        "course": "sample", "title": "Sample course",
        "pages": ["/courses/sample", "/courses/sample/lessons/intro", "/courses/sample/lessons/second"],
        "shared": ["/courses/", "/my", "/offline", "/offline?what=lesson"]}


def test_a_view_read_offline_counts_at_its_time_once(client, enrolled, db):
    read_at = clock.now().replace(microsecond=0) - timedelta(minutes=30)
    enrolment = db.session.scalar(select(Enrolment))
    enrolment.enrolled_at = read_at - timedelta(hours=1)
    db.session.commit()
    local = read_at.astimezone(ZoneInfo("Europe/Kyiv"))  # the device's own offset
    response = send_view(client, "second", local)
    assert (response.status_code, response.get_json()) == (200, {"recorded": True})
    row = progress(db, "second")
    assert row.first_viewed_at == read_at and row.last_viewed_at == read_at
    # The same view again, and an earlier one of the same lesson sent after it: one row, the earliest first.
    assert send_view(client, "second", local).status_code == 200
    earlier = read_at - timedelta(minutes=10)
    assert send_view(client, "second", earlier).status_code == 200
    row = progress(db, "second")
    assert (row.first_viewed_at, row.last_viewed_at) == (earlier, read_at)
    assert len(db.session.scalars(select(LessonProgress)).all()) == 1


def test_the_same_view_sent_twice_at_once_is_recorded_once(client, enrolled, db, monkeypatch):
    """Two tabs empty the device's queue together when the connection returns: both requests find no view, and
    the second INSERT meets the unique constraint at its flush. That one is a replay, not a failure (500)."""
    from sqlalchemy import false

    from lms.catalog.models import Lesson
    from lms.learning import offline_views

    read_at = clock.now().replace(microsecond=0) - timedelta(minutes=5)
    enrolment = db.session.scalar(select(Enrolment))
    enrolment.enrolled_at = read_at - timedelta(hours=1)
    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "second"))
    # The other request's view, committed after this one looked for it (which is made to find nothing, once).
    db.session.add(LessonProgress(enrolment_id=enrolment.id, lesson_id=lesson.id, first_viewed_at=read_at,
                                  last_viewed_at=read_at))
    db.session.commit()
    real, looked = offline_views.select, []

    def not_there_yet(*what):
        statement = real(*what)
        if what == (LessonProgress,) and not looked:
            looked.append(True)
            return statement.where(false())
        return statement

    monkeypatch.setattr(offline_views, "select", not_there_yet)
    later = read_at + timedelta(minutes=1)
    response = send_view(client, "second", later)
    assert (response.status_code, response.get_json(), looked) == (200, {"recorded": True}, [True])
    row = progress(db, "second")
    assert (row.first_viewed_at, row.last_viewed_at) == (read_at, later)
    assert len(db.session.scalars(select(LessonProgress)).all()) == 1


def test_device_times_are_bounded(client, enrolled, db):
    now = clock.now()
    enrolment = db.session.scalar(select(Enrolment))
    assert send_view(client, "intro", now + timedelta(minutes=30)).get_json() == {"recorded": False, "error": "future"}
    assert send_view(client, "intro", enrolment.enrolled_at - timedelta(minutes=1)).get_json()["error"] == \
        "before_enrolment"
    assert send_view(client, "intro", now + timedelta(minutes=2)).status_code == 200  # a clock a little ahead
    assert progress(db, "intro").first_viewed_at <= clock.now()  # taken as now, never in the future
    for wrong in ("yesterday", "2026-01-01T10:00:00", "9" * 41, 12):
        assert send_view(client, "intro", None, body=json.dumps({"viewed_at": wrong})).status_code == 400, wrong
    assert send_view(client, "intro", None, body="[" * 400).status_code == 400
    assert send_view(client, "intro", None, body=json.dumps({"viewed_at": now.isoformat(), "pad": "x" * 600})
                     ).status_code == 400
    refused = client.post("/courses/sample/lessons/intro/views", data=json.dumps({"viewed_at": now.isoformat()}),
                          headers={"Content-Type": "application/json"})
    assert refused.status_code == 400  # no CSRF token


def test_a_view_sent_later_completes_the_course(client, auth, enrolled, db):
    client.get("/courses/sample/lessons/intro")
    take_quiz(auth, db, "sample", "check")
    take_quiz(auth, db, "sample", "final")
    enrolment = db.session.scalar(select(Enrolment))
    db.session.refresh(enrolment)
    assert enrolment.status == "active"  # the second lesson is not read yet
    assert send_view(client, "second", clock.now()).status_code == 200
    db.session.refresh(enrolment)
    assert enrolment.status == "completed"


def test_another_persons_course_and_a_locked_lesson(client, auth, world, course, db, tmp_path):
    from lms.packages.importer import import_course
    from lms.packages.reader import read_package
    from tests.packages.sample import write_sample_with_rules

    spec, problems = read_package(write_sample_with_rules(tmp_path / "ruled", "ruled"))
    assert not problems
    import_course(spec, publish=True)
    auth.login(world["trainee"].email)
    # Not enrolled: nothing to keep, no view taken.
    assert client.get("/courses/sample/offline").status_code == 403
    assert send_view(client, "intro", clock.now()).status_code == 403
    auth.post("/courses/ruled/enrol", {}, form_page="/courses/ruled")
    listed = client.get("/courses/ruled/offline").get_json()["pages"]
    assert listed == ["/courses/ruled", "/courses/ruled/lessons/intro"]  # the second lesson is locked
    locked = client.post("/courses/ruled/lessons/second/views", data=json.dumps({"viewed_at": clock.now().isoformat()}),
                         headers={"X-CSRFToken": token(client), "Content-Type": "application/json"})
    assert (locked.status_code, locked.get_json()) == (409, {"recorded": False, "error": "locked"})
    assert progress(db, "second") is None


def test_the_worker_the_manifest_and_who_is_signed_in(client, enrolled):
    worker = client.get("/sw.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    assert worker.headers["Service-Worker-Allowed"] == "/" and worker.headers["Cache-Control"] == "no-cache"
    assert b"addEventListener(\"fetch\"" in worker.data
    manifest = client.get("/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    body = manifest.get_json(force=True)
    assert body["name"] == "IBM Training" and body["start_url"] == "/my" and body["display"] == "standalone"
    for icon in body["icons"]:
        assert client.get(icon["src"]).status_code == 200, icon
    assert {"192x192", "512x512"} <= {icon["sizes"] for icon in body["icons"]}
    session = client.get("/offline/session").get_json()
    assert session["user"] == enrolled.id and session["csrf"]
    assert "manifest-src 'self'" in CSP and "worker-src 'self'" in CSP
    assert client.get("/sw.js").headers["Content-Security-Policy"] == CSP


def test_nobody_signed_in(client, course):
    assert client.get("/offline/session").get_json() == {"user": None, "csrf": None}
    page = client.get("/offline?what=lesson")
    assert page.status_code == 200 and "This lesson is not kept on this device" in page.get_data(as_text=True)
    assert "This page is not kept on this device" in client.get("/offline").get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    assert '<link rel="manifest" href="/manifest.webmanifest">' in home
    assert "offline.js" not in home and 'id="offline-status"' not in home  # nothing to keep for a visitor


def test_pages_without_javascript(client, enrolled):
    """The panel and the list are in the page, hidden, their buttons disabled: without the script they do
    nothing and show nothing; the status line is empty."""
    html = client.get("/courses/sample").get_data(as_text=True)
    panel = html.split('id="keep-offline"')[1].split("</section>")[0]
    assert " hidden" in panel.split(">")[0] and "<button type=\"button\" data-keep disabled>" in panel
    assert 'data-list="/courses/sample/offline"' in panel
    assert '<div id="offline-status" class="offline-status" role="status" aria-live="polite"' in html
    assert '<meta name="lms-user" content="%d">' % enrolled.id in html
    my = client.get("/my").get_data(as_text=True)
    assert 'id="kept-courses" aria-labelledby="kept-heading" hidden' in my


def test_sign_out_clears_the_device(client, enrolled):
    page = client.get("/profile").get_data(as_text=True)
    response = client.post("/logout", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302 and response.headers["Clear-Site-Data"] == '"cache", "storage"'
