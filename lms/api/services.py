"""Writes of the API: personal access tokens (create, revoke) and noting their use.

A token is shown to its owner once, when created; only its SHA-256 hash is stored, with its first
characters so the owner can tell tokens apart. Tokens are never logged: the audit log names the
token's id and name, never the token.
"""
from __future__ import annotations

from datetime import UTC, timedelta

from sqlalchemy import or_, select, update

from lms.api.models import ApiToken
from lms.audit import services as audit
from lms.auth.models import User
from lms.core import clock, when
from lms.core.security import hash_token, new_token
from lms.extensions import db

PREFIX_LENGTH = 8
MAX_ACTIVE_TOKENS = 20
# Noting every use would write on every API call; once a minute is enough to tell tokens in use.
TOUCH_INTERVAL = timedelta(minutes=1)


class TokenError(ValueError):
    """A refused token operation; `code` says why."""


def create_token(user: User, name: str, expires_in_days: int | None = None) -> tuple[ApiToken, str]:
    """A new named token for `user`; returns the row and the token, which is never shown again."""
    name = " ".join((name or "").split())
    if not name or len(name) > 100:
        raise TokenError("name_invalid")
    now = clock.now()
    active = db.session.scalar(select(db.func.count(ApiToken.id)).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None),
        or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now)))
    if active >= MAX_ACTIVE_TOKENS:
        raise TokenError("too_many")
    token, token_hash = new_token()
    row = ApiToken(user_id=user.id, name=name, token_hash=token_hash, prefix=token[:PREFIX_LENGTH], created_at=now,
                   expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None)
    db.session.add(row)
    db.session.flush()
    audit.record("api.token_created", actor=user, target=row, institution_id=user.institution_id, name=name,
                 expires_at=when.iso(row.expires_at, UTC))
    db.session.commit()
    return row, token


def revoke_token(row: ApiToken, actor: User) -> None:
    """Revoke a token: from now on every request with it is refused."""
    if row.revoked_at is not None:
        return
    row.revoked_at = clock.now()
    audit.record("api.token_revoked", actor=actor, target=row, institution_id=actor.institution_id, name=row.name)
    db.session.commit()


def authenticate(token: str) -> User | None:
    """The active user a presented token acts as, or None (unknown, revoked, expired, inactive owner).

    The token is looked up by its hash, so its value never reaches a query log either.
    """
    if not token or len(token) > 200:
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    now = clock.now()
    if row is None or row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
        return None
    user = db.session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    if row.last_used_at is None or row.last_used_at < now - TOUCH_INTERVAL:
        db.session.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
        db.session.commit()
    return user
