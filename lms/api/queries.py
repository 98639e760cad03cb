"""Named reads of API tokens."""
from __future__ import annotations

from sqlalchemy import select

from lms.api.models import ApiToken
from lms.extensions import db


def tokens_of(user) -> list[ApiToken]:
    """The user's tokens, newest first (revoked ones too, for the record)."""
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def token_of(user, token_id: int) -> ApiToken | None:
    """One of the user's own tokens."""
    return db.session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id))
