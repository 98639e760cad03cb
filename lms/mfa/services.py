"""The writers of second factors and recovery codes: enrolling, checking at sign-in, removing, resetting.

Every change is audited ("mfa.*"); a failed check is audited as "auth.mfa_failed". Codes are checked with
an UPDATE that only matches while the code is still unused (a recovery code) or its time step is later than
the last accepted one (an app's code), so a code is accepted once even when two requests bring it at once.
"""
from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import delete, insert, or_, update

from lms.audit import services as audit
from lms.auth.models import User
from lms.auth.sessions import end_sessions
from lms.core import clock
from lms.extensions import db
from lms.mfa import passkeys, recovery, sealing, totp
from lms.mfa.models import RecoveryCode, SecondFactor
from lms.mfa.queries import (
    factors_of,
    passkey_ids,
    passkey_of,
    recovery_codes_left,
    totp_of,
)

log = logging.getLogger("lms.mfa")

NAME_MAX = 100


class MfaError(ValueError):
    """A refused change; the code names why (the views word it)."""


def required(user: User) -> bool:
    """Whether the person's role must have a second factor (LMS_MFA_REQUIRED_ROLES)."""
    return user.role in current_app.config.get("MFA_REQUIRED_ROLES", ())


def _name(name: str | None, default: str) -> str:
    name = " ".join((name or "").split())
    if len(name) > NAME_MAX:
        raise MfaError("name_too_long")
    return name or default


def _first_codes(user: User) -> list[str] | None:
    """Ten recovery codes with a person's first factor (None if they have codes already)."""
    if recovery_codes_left(user.id):
        return None
    return _replace_codes(user)


def _replace_codes(user: User) -> list[str]:
    codes = recovery.new_codes()
    now = clock.now()
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(insert(RecoveryCode), [{"user_id": user.id, "code_hash": recovery.code_hash(c),
                                               "created_at": now} for c in codes])
    return codes


def add_totp(user: User, secret: str, code: str, name: str | None = None) -> list[str] | None:
    """Enrol an authenticator app: `code` must be its current code for `secret` (proof that the app holds
    it). Returns the new recovery codes if these are the person's first, to be shown once. Raises MfaError
    ("code" wrong, "totp_exists": one app per person, "name_too_long")."""
    if totp_of(user.id) is not None:
        raise MfaError("totp_exists")
    label = _name(name, "Authenticator app")
    step = totp.matching_step(secret, code, clock.now(), None)
    if step is None:
        raise MfaError("code")
    db.session.add(SecondFactor(user_id=user.id, kind="totp", name=label, secret=sealing.seal(secret),
                                last_step=step, created_at=clock.now(), last_used_at=clock.now()))
    codes = _first_codes(user)
    audit.record("mfa.added", actor=user, target=user, institution_id=user.institution_id, kind="totp")
    db.session.commit()
    return codes


def add_passkey(user: User, answer: str | bytes, name: str | None = None) -> list[str] | None:
    """Enrol a passkey from the browser's answer to the registration options. Returns the new recovery codes
    if these are the person's first. Raises passkeys.PasskeyRefused or MfaError ("passkey_exists")."""
    label = _name(name, "Passkey")
    new = passkeys.verify_registration(answer)
    if new.credential_id in passkey_ids(user.id):
        raise MfaError("passkey_exists")
    db.session.add(SecondFactor(user_id=user.id, kind="passkey", name=label, credential_id=new.credential_id,
                                public_key=new.public_key, sign_count=new.sign_count, created_at=clock.now()))
    codes = _first_codes(user)
    audit.record("mfa.added", actor=user, target=user, institution_id=user.institution_id, kind="passkey")
    db.session.commit()
    return codes


def _failed(user: User, kind: str, ip: str | None) -> bool:
    audit.record("auth.mfa_failed", actor=user, target=user, institution_id=user.institution_id, kind=kind, ip=ip)
    db.session.commit()
    return False


def check_totp(user: User, code: str, ip: str | None = None) -> bool:
    """Whether `code` is the current code of the person's app, not used before (it is then spent)."""
    factor = totp_of(user.id)
    if factor is None:
        return _failed(user, "totp", ip)
    try:
        secret = sealing.unseal(factor.secret)
    except sealing.Unsealable:
        log.error("the authenticator app of account %d was enrolled under another LMS_SECRET_KEY", user.id)
        return _failed(user, "totp", ip)
    step = totp.matching_step(secret, code, clock.now(), factor.last_step)
    if step is None:
        return _failed(user, "totp", ip)
    spent = db.session.execute(update(SecondFactor).where(
        SecondFactor.id == factor.id, or_(SecondFactor.last_step.is_(None), SecondFactor.last_step < step))
        .values(last_step=step, last_used_at=clock.now()).execution_options(synchronize_session=False))
    if spent.rowcount != 1:  # another request took this code an instant ago
        db.session.rollback()
        return _failed(user, "totp", ip)
    db.session.commit()
    return True


def use_recovery_code(user: User, code: str, ip: str | None = None) -> bool:
    """Whether `code` is one of the person's unused recovery codes (it is then spent, and audited with how
    many are left)."""
    if not recovery.looks_like_code(code):
        return _failed(user, "recovery", ip)
    spent = db.session.execute(update(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == recovery.code_hash(code),
        RecoveryCode.used_at.is_(None)).values(used_at=clock.now()).execution_options(synchronize_session=False))
    if spent.rowcount != 1:
        db.session.rollback()
        return _failed(user, "recovery", ip)
    audit.record("mfa.recovery_code_used", actor=user, target=user, institution_id=user.institution_id,
                 left=recovery_codes_left(user.id))
    db.session.commit()
    return True


def check_passkey(user: User, answer: str | bytes, ip: str | None = None) -> bool:
    """Whether the browser's answer proves one of the person's passkeys (its counter is then stored)."""
    try:
        factor = passkey_of(user.id, passkeys.credential_id_of(answer))
        if factor is None:
            raise passkeys.PasskeyRefused("not this person's passkey")
        count = passkeys.verify_authentication(answer, factor.public_key, factor.sign_count)
    except passkeys.PasskeyRefused as exc:
        log.info("passkey refused for account %d: %s", user.id, exc)
        return _failed(user, "passkey", ip)
    factor.sign_count = count
    factor.last_used_at = clock.now()
    db.session.commit()
    return True


def new_recovery_codes(user: User) -> list[str]:
    """Ten new recovery codes for a person with a second factor; the old ones stop working."""
    if not factors_of(user.id):
        raise MfaError("no_factor")
    codes = _replace_codes(user)
    audit.record("mfa.recovery_codes_renewed", actor=user, target=user, institution_id=user.institution_id)
    db.session.commit()
    return codes


def remove_factor(user: User, factor_id: int) -> None:
    """The person removes one of their factors. With the last one go the recovery codes. Raises MfaError:
    "missing" (not theirs), "required" (their role must keep one: add another first)."""
    factors = factors_of(user.id)
    factor = next((f for f in factors if f.id == factor_id), None)
    if factor is None:
        raise MfaError("missing")
    if len(factors) == 1 and required(user):
        raise MfaError("required")
    db.session.delete(factor)
    if len(factors) == 1:
        db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.record("mfa.removed", actor=user, target=user, institution_id=user.institution_id, kind=factor.kind)
    db.session.commit()


def reset(user: User, actor: User | None) -> int:
    """An admin (or `lms users reset-mfa`) takes away every second factor and recovery code of an account whose
    phone or key is lost; its sessions end too. The person signs in with the password and, if their role
    must, enrols a new factor. Returns how many factors were removed. Whether `actor` may is the caller's
    to decide (lms.access.can_reset_mfa)."""
    removed = db.session.execute(delete(SecondFactor).where(SecondFactor.user_id == user.id)
                                 .execution_options(synchronize_session=False)).rowcount or 0
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    end_sessions(user)
    audit.record("mfa.reset", actor=actor, target=user, institution_id=user.institution_id, factors=removed)
    db.session.commit()
    log.info("second factor of account %d reset (%d removed)", user.id, removed)
    return removed
