"""The calendar address in the privacy tools: anonymisation kills it, retention removes one no app has read for
a year, and the personal-data download says when it was made and read, never what it is."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.calendar.models import CalendarFeed
from lms.core import clock
from lms.privacy.services import anonymise_user
from tests.calendar.conftest import NOW, fetch, make_feed

pytestmark = pytest.mark.db


def test_anonymisation_kills_the_address(app, db, calendar_world):
    url = make_feed(app, calendar_world["trainee"].email)
    assert fetch(app, url).status_code == 200
    anonymise_user(calendar_world["trainee"], calendar_world["admin"])
    assert fetch(app, url).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(CalendarFeed)) == 0


def _feed_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(CalendarFeed))


def test_retention_removes_addresses_no_app_read_for_a_year(app, db, calendar_world, monkeypatch, stopped_clock):
    """The trainee's address was made 400 days ago and read 380 days ago; the other trainee's made 400 days ago
    and read yesterday; the admin's made 2 days ago and never read. `lms data prune` removes only the first."""
    urls = {}
    for key, made, read in (("trainee", 400, 380), ("other", 400, 1), ("admin", 2, None)):
        clock.freeze(NOW - timedelta(days=made))
        urls[key] = make_feed(app, calendar_world[key].email)
        if read is not None:
            clock.freeze(NOW - timedelta(days=read))
            assert fetch(app, urls[key]).status_code == 200
    clock.freeze(NOW)
    dry = app.test_cli_runner().invoke(args=["data", "prune", "--dry-run"])
    assert "calendar feeds: would delete 1 not read for 365 days" in dry.output and _feed_count(db) == 3
    result = app.test_cli_runner().invoke(args=["data", "prune"])
    assert result.exit_code == 0 and "calendar feeds: deleted 1 not read for 365 days" in result.output
    assert [fetch(app, urls[k]).status_code for k in ("trainee", "other", "admin")] == [404, 200, 200]
    pruned = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "data.pruned"))
    assert pruned.details["calendar_feeds_deleted"] == 1
    monkeypatch.setitem(app.config, "CALENDAR_FEED_RETENTION_DAYS", 1)
    clock.freeze(NOW + timedelta(days=3))
    # A shorter setting: the admin's (never read, made 5 days before) and the other trainee's (read 4 days before).
    assert "calendar feeds: deleted 2 not read for 1 days" in app.test_cli_runner().invoke(args=["data", "prune"]).output
    assert _feed_count(db) == 0


def test_the_retention_setting_is_read_from_the_environment(monkeypatch, tmp_path):
    from config import ConfigError, load_config

    monkeypatch.setenv("LMS_CALENDAR_FEED_RETENTION_DAYS", "30")
    assert load_config(INSTANCE_PATH=str(tmp_path))["CALENDAR_FEED_RETENTION_DAYS"] == 30
    monkeypatch.delenv("LMS_CALENDAR_FEED_RETENTION_DAYS")
    assert load_config(INSTANCE_PATH=str(tmp_path))["CALENDAR_FEED_RETENTION_DAYS"] == 365
    monkeypatch.setenv("LMS_CALENDAR_FEED_RETENTION_DAYS", "0")
    with pytest.raises(ConfigError, match="LMS_CALENDAR_FEED_RETENTION_DAYS"):
        load_config(INSTANCE_PATH=str(tmp_path))
