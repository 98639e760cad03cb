"""Second factors are personal data: the download lists them (never a secret, key or code), anonymisation
removes them, and `lms data prune` deletes recovery codes used before the audit retention period."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.core import clock
from lms.mfa.models import RecoveryCode, SecondFactor
from lms.privacy.services import anonymise_user, export_personal_data, prune
from tests.helpers import PASSWORD, Auth
from tests.mfa.helpers import enrol_app, second_step

pytestmark = pytest.mark.db


def test_the_download_lists_the_factors_without_their_secrets(client, auth, world, db):
    auth.login(world["coordinator"].email)
    secret, codes = enrol_app(client, name="Phone of the shift")
    content = export_personal_data(world["coordinator"], "json").content
    data = json.loads(content)["records"]
    (factor,) = data["second_factors"]
    assert factor["kind"] == "totp" and factor["name"] == "Phone of the shift" and factor["created_at"]
    assert len(data["recovery_codes"]) == 10 and all(c["used_at"] is None for c in data["recovery_codes"])
    text = content.decode() if isinstance(content, bytes) else content
    stored = db.session.scalar(select(SecondFactor.secret))
    assert secret not in text and stored not in text and codes[0] not in text


def test_anonymisation_removes_factors_and_codes(client, auth, world, db):
    auth.login(world["trainee"].email)
    enrol_app(client)
    anonymise_user(world["trainee"], world["admin"])
    assert db.session.scalar(select(func.count()).select_from(SecondFactor)) == 0
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0


def test_prune_deletes_recovery_codes_used_before_the_retention_period(app, client, auth, world, db, monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_RETENTION_DAYS", 30)
    auth.login(world["admin"].email)
    _, codes = enrol_app(client)
    auth.logout()
    now = clock.now()
    try:
        clock.freeze(now - timedelta(days=40))
        Auth(client).login(world["admin"].email, PASSWORD)
        assert "Welcome" in second_step(client, "recovery_code", codes[0]).get_data(as_text=True)
        Auth(client).logout()
        clock.freeze(now - timedelta(days=2))
        Auth(client).login(world["admin"].email, PASSWORD)
        assert "Welcome" in second_step(client, "recovery_code", codes[1]).get_data(as_text=True)
    finally:
        clock.freeze(None)
    report = prune(now=now)
    assert report.recovery_codes_deleted == 1
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 9
