"""Announcements in the privacy tools: they are in their author's personal-data download (and in no trainee's);
anonymising the author keeps them for their trainees without the author's name (and scrubs the name from
anyone's announcement); retention keeps them as course content, as long as the course."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.announcements import services
from lms.announcements.models import Announcement
from lms.core import clock
from lms.privacy import services as privacy
from tests.announcements.helpers import two_runs

pytestmark = pytest.mark.db


def test_the_author_downloads_their_announcements_and_a_trainee_does_not(world, course, db):
    run_a, [trainee, _], _, _ = two_runs(course, world)
    posted = services.post(course, run_a, "Range closed", "On *Friday*.", False, world["instructor"])
    services.withdraw(posted, world["instructor"])
    records = json.loads(privacy.export_personal_data(world["instructor"], "json").content)["records"]
    [mine] = records["announcements"]
    assert (mine["course_slug"], mine["run_code"], mine["title"], mine["text"]) == (
        "sample", "2027-A", "Range closed", "On *Friday*.")
    assert mine["withdrawn_at"] is not None and mine["sent_by_email"] is False
    theirs = json.loads(privacy.export_personal_data(trainee, "json").content)["records"]
    assert theirs["announcements"] == []


def test_anonymising_the_author_keeps_the_announcement_without_their_name(client, auth, world, course, db):
    run_a, [trainee, _], _, _ = two_runs(course, world)
    services.post(course, run_a, "Range closed", "Ask Ivan Instructor (instructor@example.org).", False,
                  world["instructor"])
    privacy.anonymise_user(world["instructor"], world["admin"])
    db.session.expire_all()
    stored = db.session.scalar(select(Announcement))
    assert stored.author_id is None and stored.title == "Range closed"
    assert stored.body == "Ask [anonymised] ([anonymised])."
    auth.login(trainee.email)
    page = client.get("/courses/sample").get_data(as_text=True)
    assert "Range closed" in page and "Ivan Instructor" not in page and "Anonymised user" not in page


def test_retention_keeps_announcements_as_course_content(app, world, course, db, monkeypatch):
    run_a, _, _, _ = two_runs(course, world)
    services.post(course, run_a, "Range closed", "On Friday.", False, world["instructor"])
    monkeypatch.setitem(app.config, "AUDIT_RETENTION_DAYS", 30)
    privacy.prune(now=clock.now() + timedelta(days=400))
    assert db.session.scalar(select(Announcement.title)) == "Range closed"
