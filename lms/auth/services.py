"""Writes about accounts: sign-in bookkeeping, passwords, one-time links, the profile.

A one-time set-password link is written one way, however many are issued at once: `new_password_link`
makes its token and columns, `insert_password_links` inserts any number in one statement,
`password_link_issued` is its audit event.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import insert, update

from lms.audit import services as audit
from lms.auth.models import PasswordLink, User
from lms.auth.passwords import password_problems
from lms.auth.queries import password_link_by_token, user_by_email
from lms.auth.sessions import end_sessions
from lms.core import clock, signals, when
from lms.core.security import HashingBusy, check_password, hash_password, needs_rehash, new_token
from lms.extensions import db

log = logging.getLogger("lms.auth")


class AuthError(ValueError):
    """A refused operation; the message is shown to the user."""


def authenticate(email: str, password: str, ip: str | None = None) -> User | None:
    """The account if the email and password match an active one, else None (audited as a failed sign-in).

    Unknown email, wrong password and inactive account all return None, so the sign-in page
    gives one message for all three and nobody can probe which emails exist. A right password is not yet
    a sign-in: `signed_in` records it once the person is in (after the second factor, if they have one).
    A right password whose stored hash is of an older scheme or cost is hashed again (`upgrade_hash`).
    Raises HashingBusy when this worker's hashing gate is full (lms.core.security): nothing is recorded then.
    """
    user = user_by_email(email)
    ok = check_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        audit.record("auth.login_failed", actor=user, target=user, ip=ip,
                     reason="inactive" if ok and user is not None else "credentials")
        db.session.commit()
        return None
    upgrade_hash(user, password)
    return user


def upgrade_hash(user: User, password: str) -> bool:
    """Store a new argon2id hash of a password just proven right if the stored one `needs_rehash` (werkzeug's
    scrypt or pbkdf2 of before, or argon2id at a lower cost than configured). Returns whether it did. When the
    gate is full the old hash stays, for the next sign-in: the person is not refused for an upgrade."""
    if not needs_rehash(user.password_hash):
        return False
    try:
        store_password(user, password)
    except HashingBusy:
        return False
    db.session.commit()
    log.info("password hash of account %s upgraded to argon2id", user.id)
    return True


def store_password(user: User, password: str) -> None:
    """The one writer of an account's password hash: a salted argon2id hash at the configured cost (set-password
    links, a change, the command line and demo data, an upgrade at sign-in). The caller checks, audits, commits."""
    user.password_hash = hash_password(password)


def signed_in(user: User, ip: str | None = None, factor: str | None = None) -> None:
    """Record a finished sign-in: its time on the account and "auth.login" in the audit log, with the second
    factor shown ("totp", "passkey", "recovery"), if any."""
    user.last_login_at = clock.now()
    details = {"factor": factor} if factor else {}
    audit.record("auth.login", actor=user, target=user, institution_id=user.institution_id, ip=ip, **details)
    db.session.commit()


def confirm_password(user: User, password: str, ip: str | None = None) -> bool:
    """Whether `password` is the signed-in person's own, asked again before a change that weakens their
    account (removing a second factor, new recovery codes); a wrong one is audited as a failed sign-in."""
    if check_password(user.password_hash, password):
        return True
    audit.record("auth.login_failed", actor=user, target=user, ip=ip, reason="confirmation")
    db.session.commit()
    return False


def issue_password_link(user: User, actor: User | None) -> str:
    """A fresh one-time set-password token for `user`; earlier unused links stop working."""
    token = add_password_link(user, actor)
    db.session.commit()
    return token


def add_password_link(user: User, actor: User | None, purpose: str | None = None) -> str:
    """The work of `issue_password_link` without the commit: earlier unused links of the account are
    spent, a new one is added (`purpose` "reset" for one the person asked for by mail). The caller commits."""
    now = clock.now()
    db.session.execute(update(PasswordLink).where(PasswordLink.user_id == user.id, PasswordLink.used_at.is_(None))
                       .values(used_at=now))
    token, link = new_password_link(user.id, actor, now)
    link["purpose"] = purpose
    insert_password_links([link])
    audit.record_many([password_link_issued(user, actor)], "password link")
    return token


def new_password_link(user_id: int, actor: User | None, now: datetime) -> tuple[str, dict]:
    """A fresh token for the account and the columns of its link (only the token's hash is stored; the
    token is shown once to whoever asked for it)."""
    token, token_hash = new_token()
    hours = current_app.config["PASSWORD_LINK_HOURS"]
    return token, {"user_id": user_id, "token_hash": token_hash, "created_by_id": getattr(actor, "id", None),
                   "created_at": now, "expires_at": now + timedelta(hours=hours)}


def insert_password_links(links: list[dict]) -> None:
    """Insert links (`new_password_link` columns) in one statement."""
    db.session.execute(insert(PasswordLink.__table__), links)


def password_link_issued(user: User, actor: User | None) -> dict:
    """The audit event of an issued link."""
    return audit.event_row("auth.password_link_issued", actor, "users", user.id, user.institution_id)


def usable_link(token: str) -> PasswordLink | None:
    """The link for `token` if it is unused, unexpired and its account active."""
    link = password_link_by_token(token)
    if link is None or link.used_at is not None or link.expires_at <= clock.now() or not link.user.active:
        return None
    return link


def set_password_from_link(token: str, password: str) -> User:
    """Set the password through a one-time link, which is then spent, and every session of the account
    ended (whoever may have had one signs in again with the new password)."""
    link = usable_link(token)
    if link is None:
        raise AuthError("link")
    user = link.user
    problems = password_problems(password, user.email)
    if problems:
        raise AuthError(" ".join(str(p) for p in problems))
    store_password(user, password)
    link.used_at = clock.now()
    end_sessions(user)
    action = "auth.password_reset_used" if link.purpose == "reset" else "auth.password_set"
    audit.record(action, actor=user, target=user, institution_id=user.institution_id)
    db.session.commit()
    return user


def change_password(user: User, current: str, new: str, keep_token: str | None = None) -> None:
    """Change one's own password, proving the current one first; every other session of the account ends
    (the one of `keep_token`, where the person is changing it, goes on)."""
    if not check_password(user.password_hash, current):
        raise AuthError("current")
    problems = password_problems(new, user.email)
    if problems:
        raise AuthError(" ".join(str(p) for p in problems))
    store_password(user, new)
    end_sessions(user, keep_token=keep_token)
    audit.record("auth.password_changed", actor=user, target=user, institution_id=user.institution_id)
    db.session.commit()


def update_profile(user: User, name: str, locale: str | None, timezone: str | None = None,
                   low_data_mode: bool | None = None) -> None:
    """Change one's own name, interface language, time zone (None or "": follow the institution's) and
    low-data mode (None: unchanged). A new zone moves the end of one's open due dates, in the same transaction."""
    user.name = name.strip()
    user.locale = locale or None
    if low_data_mode is not None:
        user.low_data_mode = bool(low_data_mode)
    set_timezone(user, timezone, actor=user)
    db.session.commit()


def set_timezone(user: User, timezone: str | None, actor) -> bool:
    """Give a person their own zone (None or "": their institution's), audited; the enrolments follow
    (`signals.zone_changed`). Returns whether it changed. Raises ValueError for an unknown zone. The caller
    commits."""
    timezone = (timezone or "").strip() or None
    if timezone is not None and timezone not in when.all_zones():
        raise ValueError(timezone)
    if timezone == user.timezone:
        return False
    audit.record("user.timezone_changed", actor=actor, target=user, institution_id=user.institution_id,
                 old=user.timezone, new=timezone)
    user.timezone = timezone
    db.session.flush()
    signals.zone_changed.send("auth", user_ids=[user.id])
    return True


def set_low_data_mode(user: User, on: bool) -> None:
    """Turn low-data mode on or off for a person (the switch in every page's footer)."""
    user.low_data_mode = bool(on)
    db.session.commit()


def set_locale(user: User, locale: str) -> None:
    """Remember the language picked with the switcher in the profile."""
    user.locale = locale
    db.session.commit()
