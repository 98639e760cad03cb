"""Named reads of accounts."""
from __future__ import annotations

from sqlalchemy import select

from lms.auth.models import PasswordLink, User
from lms.core.security import hash_token
from lms.extensions import db


def user_by_id(user_id: str | int) -> User | None:
    """The account with this id (Flask-Login's loader)."""
    try:
        return db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None


def signed_in_user(user_id: str | int) -> User | None:
    """The account of a session (Flask-Login's loader): None once it is deactivated or anonymised, so an
    open session ends with the account's right to sign in."""
    user = user_by_id(user_id)
    return user if user is not None and user.active else None


def user_by_email(email: str) -> User | None:
    """The account with this email, compared case-insensitively."""
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def normalise_email(email: str) -> str:
    """Emails are kept lower-case and without surrounding spaces."""
    return (email or "").strip().lower()


def password_link_by_token(token: str) -> PasswordLink | None:
    """The one-time link for this token, used or not."""
    return db.session.scalar(select(PasswordLink).where(PasswordLink.token_hash == hash_token(token)))
