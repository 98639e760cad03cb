"""A person's second factors (an authenticator app, passkeys) and their one-time recovery codes."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.types import UTCDateTime, utcnow
from lms.extensions import db

KINDS = ("totp", "passkey")


class SecondFactor(db.Model):
    """One way a person proves it is them after the password: an authenticator app (one per person) or a
    passkey (any number). lms.mfa.services writes them; the sign-in asks for one when a person has any."""

    __tablename__ = "second_factors"
    __table_args__ = (
        CheckConstraint("kind IN ('totp', 'passkey')", name="kind_known"),
        CheckConstraint("(kind = 'totp' AND secret IS NOT NULL) OR "
                        "(kind = 'passkey' AND credential_id IS NOT NULL AND public_key IS NOT NULL)",
                        name="kind_has_its_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    # The person's name for it ("Phone", "Office security key"), shown in their list.
    name: Mapped[str] = mapped_column(String(100))
    # TOTP: the shared secret, encrypted with a key derived from the site's secret key (lms.mfa.sealing).
    secret: Mapped[str | None] = mapped_column(String(255))
    # TOTP: the 30-second step of the last code accepted; a code of that step or an earlier one is refused,
    # so a code seen over a shoulder cannot be used again.
    last_step: Mapped[int | None] = mapped_column(Integer)
    # Passkey: the credential's id, its COSE public key and the authenticator's signature counter.
    credential_id: Mapped[bytes | None] = mapped_column(LargeBinary(1024), unique=True)
    public_key: Mapped[bytes | None] = mapped_column(LargeBinary(2048))
    sign_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RecoveryCode(db.Model):
    """A one-time code that stands in for the second factor when the phone or key is lost. Ten are made at
    once and shown once; only their SHA-256 is kept (they are random, like tokens)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
