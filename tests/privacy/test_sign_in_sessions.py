"""Sign-in sessions are personal data (device and address): in the download, gone with anonymisation,
and deleted by `lms data prune` once ended longer ago than the audit retention period."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from lms.core import clock
from tests.helpers import Auth

pytestmark = pytest.mark.db


def _sign_in(app, email, agent="Field tablet 3.1", address="198.51.100.9"):
    browser = app.test_client()
    browser.environ_base.update({"HTTP_USER_AGENT": agent, "REMOTE_ADDR": address})
    Auth(browser).login(email)
    return browser


def test_the_download_holds_the_sessions_with_device_and_address(app, world, db):
    from lms.privacy.services import export_personal_data

    _sign_in(app, world["trainee"].email)
    data = json.loads(export_personal_data(world["trainee"], "json").content)
    (row,) = data["records"]["sign_in_sessions"]
    assert row["device"] == "Field tablet 3.1" and row["address"] == "198.51.100.9" and row["ended_at"] is None


def test_anonymisation_removes_the_sessions_and_signs_out(app, world, db):
    from lms.auth.models import SignInSession
    from lms.privacy.services import anonymise_user

    browser = _sign_in(app, world["trainee"].email)
    anonymise_user(world["trainee"], world["admin"])
    assert db.session.query(SignInSession).count() == 0
    assert browser.get("/profile").status_code == 302


def test_prune_deletes_sessions_ended_before_the_retention_period(app, world, db, monkeypatch):
    from lms.auth.models import SignInSession
    from lms.privacy.services import prune

    monkeypatch.setitem(app.config, "AUDIT_RETENTION_DAYS", 30)
    now = clock.now()
    try:
        clock.freeze(now - timedelta(days=40))
        old = _sign_in(app, world["trainee"].email, agent="Old phone")
        old.post("/logout", data={"csrf_token": ""})  # CSRF refuses it: the session stays open, then times out
        clock.freeze(now - timedelta(days=2))
        recent = _sign_in(app, world["trainee"].email, agent="Recent laptop")
        Auth(recent).logout()
        clock.freeze(now)
        _sign_in(app, world["trainee"].email, agent="Today")
    finally:
        clock.freeze(None)
    report = prune(now=now)
    assert report.sessions_deleted == 1
    assert sorted(a for (a,) in db.session.query(SignInSession.user_agent)) == ["Recent laptop", "Today"]
