"""Personal access tokens in the profile: created and shown once, stored hashed, revoked at once."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lms.api.models import ApiToken
from lms.audit.models import AuditEvent
from lms.core.security import hash_token

pytestmark = pytest.mark.db


def create(auth, name="Ministry statistics", expires="90"):
    return auth.post("/profile/tokens", {"name": name, "expires": expires}).get_data(as_text=True)


def shown_token(html: str) -> str:
    return re.search(r'<input id="new-token" class="wide" type="text" readonly value="([^"]+)"', html).group(1)


def test_a_token_is_shown_once_and_stored_hashed(db, client, auth, world):
    auth.login(world["coordinator"].email)
    assert "/profile/tokens" in client.get("/profile").get_data(as_text=True)
    html = create(auth)
    token = shown_token(html)
    assert len(token) >= 40 and "Copy it now" in html
    row = db.session.scalar(select(ApiToken))
    assert row.token_hash == hash_token(token) and token not in (row.token_hash, row.prefix, row.name)
    assert row.prefix == token[:8] and row.user_id == world["coordinator"].id and row.expires_at is not None
    listing = client.get("/profile/tokens").get_data(as_text=True)
    assert token not in listing and "Ministry statistics" in listing and row.prefix in listing
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api.token_created"))
    assert token not in str(event.details)


def test_revoking_takes_effect_immediately(db, client, auth, world):
    auth.login(world["admin"].email)
    token = shown_token(create(auth, expires="0"))
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/courses", headers=headers).status_code == 200
    row = db.session.scalar(select(ApiToken))
    assert row.expires_at is None
    auth.post(f"/profile/tokens/{row.id}/revoke", {}, form_page="/profile/tokens")
    assert client.get("/api/v1/courses", headers=headers).status_code == 401
    assert "revoked" in client.get("/profile/tokens").get_data(as_text=True)


def test_nobody_revokes_another_users_token(db, client, auth, world):
    auth.login(world["coordinator"].email)
    create(auth)
    row = db.session.scalar(select(ApiToken))
    auth.logout()
    auth.login(world["other_coordinator"].email)
    response = auth.post(f"/profile/tokens/{row.id}/revoke", {}, form_page="/profile/tokens")
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).revoked_at is None


def test_a_token_needs_a_name(db, client, auth, world):
    auth.login(world["trainee"].email)
    html = create(auth, name="   ")
    assert 'id="new-token"' not in html and db.session.scalar(select(ApiToken)) is None


def test_tokens_page_needs_sign_in(client, db):
    assert client.get("/profile/tokens").status_code == 302
