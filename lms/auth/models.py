"""User accounts and one-time set-password links."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.types import UTCDateTime, utcnow
from lms.extensions import db

ROLES = ("trainee", "instructor", "coordinator", "admin")
# Roles whose account belongs to an institution.
INSTITUTION_ROLES = ("trainee", "coordinator")


class User(UserMixin, db.Model):
    """A person who signs in: trainee, instructor, coordinator or admin."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('trainee', 'instructor', 'coordinator', 'admin')", name="role_known"),
        CheckConstraint(
            "institution_id IS NOT NULL OR role IN ('instructor', 'admin')", name="institution_required"
        ),
        # Emails are stored lower-cased, which makes the unique constraint case-insensitive.
        CheckConstraint("email = lower(email)", name="email_lowercase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # argon2id (an older account's werkzeug scrypt or pbkdf2 until its next sign-in; lms.core.security); NULL until
    # the user sets a password through a one-time link.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), index=True)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), index=True)
    # Interface language chosen in the profile; NULL means "follow the browser".
    locale: Mapped[str | None] = mapped_column(String(8))
    # IANA time zone chosen in the profile; NULL means "my institution's" (lms.core.when.person_zone).
    timezone: Mapped[str | None] = mapped_column(String(64))
    # Low-data mode chosen in the profile or with the footer's switch: images are sent as their alternative
    # text and a link (lms.core.lowdata).
    low_data_mode: Mapped[bool] = mapped_column(default=False, server_default=false())
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the user said "I have read it" on the privacy notice; NULL: shown again after sign-in.
    privacy_acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the account was anonymised (a departed officer's erasure); it can never sign in again.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How many of the person's in-app notifications are unread (lms.mail), kept by the writers of
    # notifications so that the menu of every page shows it from the loaded account, without a query.
    unread_notifications: Mapped[int] = mapped_column(default=0, server_default="0")

    institution = relationship("Institution", lazy="joined")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class PasswordLink(db.Model):
    """A one-time link to set a password, for new accounts and forgotten passwords.

    Only a hash of the token is stored; the link itself is shown once to whoever asked for it.
    """

    __tablename__ = "password_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "reset": asked for by the person with "Forgot your password?" (mailed); NULL: issued by staff or the CLI.
    purpose: Mapped[str | None] = mapped_column(String(16))

    user = relationship("User", foreign_keys=[user_id])


class SignInSession(db.Model):
    """One sign-in: the browser's session cookie carries a random token whose hash is stored here, so that
    the session can end on the server (sign-out, a new password, an admin, a timeout) and a copied cookie
    stops working with it. The person sees their open sessions on their profile (lms.auth.sessions)."""

    __tablename__ = "sign_in_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of the token in the cookie: a copy of the table opens no session.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Written at most every few minutes (lms.auth.sessions.TOUCH_EVERY), not at every request.
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The browser's User-Agent at sign-in, cut to the column's length: shown as the device.
    user_agent: Mapped[str | None] = mapped_column(String(255))
    # The client's address at sign-in (IPv4 or IPv6, as the trusted proxies give it).
    address: Mapped[str | None] = mapped_column(String(45))
    # When the session ended (signed out, ended by the person or an admin, a password change, timed out).
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
