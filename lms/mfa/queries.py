"""Named reads of second factors and recovery codes."""
from __future__ import annotations

from sqlalchemy import func, select

from lms.extensions import db
from lms.mfa.models import RecoveryCode, SecondFactor


def factors_of(user_id: int) -> list[SecondFactor]:
    """The person's second factors: the authenticator app first, then passkeys, oldest first."""
    return list(db.session.scalars(select(SecondFactor).where(SecondFactor.user_id == user_id)
                                   .order_by(SecondFactor.kind.desc(), SecondFactor.created_at, SecondFactor.id)))


def has_factor(user_id: int) -> bool:
    """Whether the person has any second factor (then the sign-in asks for one)."""
    return db.session.scalar(select(SecondFactor.id).where(SecondFactor.user_id == user_id).limit(1)) is not None


def factor_of(user_id: int, factor_id: int) -> SecondFactor | None:
    """One of the person's factors by id, None if it is not theirs."""
    return db.session.scalar(select(SecondFactor).where(SecondFactor.id == factor_id,
                                                        SecondFactor.user_id == user_id))


def totp_of(user_id: int) -> SecondFactor | None:
    """The person's authenticator app, if any."""
    return db.session.scalar(select(SecondFactor).where(SecondFactor.user_id == user_id,
                                                        SecondFactor.kind == "totp"))


def passkey_ids(user_id: int) -> list[bytes]:
    """The credential ids of the person's passkeys."""
    return list(db.session.scalars(select(SecondFactor.credential_id).where(
        SecondFactor.user_id == user_id, SecondFactor.kind == "passkey").order_by(SecondFactor.id)))


def passkey_of(user_id: int, credential_id: bytes) -> SecondFactor | None:
    """The person's passkey with this credential id (another person's is not theirs)."""
    return db.session.scalar(select(SecondFactor).where(
        SecondFactor.user_id == user_id, SecondFactor.kind == "passkey", SecondFactor.credential_id == credential_id))


def recovery_codes_left(user_id: int) -> int:
    """How many of the person's recovery codes are unused."""
    return db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))) or 0
