"""Sign-in sessions kept in the database: started at sign-in, ended at sign-out, by a new password, by an
admin, by the person on their profile, by deactivation or anonymisation, and by the idle and absolute
timeouts (LMS_SESSION_IDLE_MINUTES_* and LMS_SESSION_MAX_HOURS_*, trainees' and staff's apart).

The browser's session cookie carries a random token (`TOKEN_KEY`) beside Flask-Login's user id; the
database keeps only its hash. The signed-in request reads the account and its session in one statement
(`lms.auth.queries.signed_in_user`); the last use is written at most every `TOUCH_EVERY`, in its own short
transaction, so that a page that only reads still only reads in its own.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app, session
from flask_login import login_user
from sqlalchemy import insert, update

from lms.audit import services as audit
from lms.auth.models import SignInSession, User
from lms.auth.queries import SignInSeen, open_sessions
from lms.core import clock
from lms.core.security import hash_token, new_token
from lms.extensions import db

log = logging.getLogger("lms.auth")

# The key of the Flask session that holds the sign-in session's token.
TOKEN_KEY = "_sign_in"
# How stale the stored last use may grow before a request writes it again.
TOUCH_EVERY = timedelta(minutes=5)
USER_AGENT_MAX = 255
ADDRESS_MAX = 45


def limits(role: str) -> tuple[timedelta, timedelta]:
    """(idle, absolute) lifetime of a session of an account with this role: trainees' settings for trainees,
    staff's for instructors, coordinators and admins."""
    kind = "TRAINEE" if role == "trainee" else "STAFF"
    config = current_app.config
    return (timedelta(minutes=config[f"SESSION_IDLE_MINUTES_{kind}"]),
            timedelta(hours=config[f"SESSION_MAX_HOURS_{kind}"]))


def refusal(user: User, session: SignInSession | SignInSeen, now: datetime) -> str | None:
    """Why this open session may not be used at `now`: "idle" (no request for too long), "expired" (signed in
    too long ago), or None if it may. `session`: the row, or what a request read of it."""
    idle, absolute = limits(user.role)
    if now - session.created_at >= absolute:
        return "expired"
    if now - session.last_used_at >= idle:
        return "idle"
    return None


def due_for_touch(session: SignInSession | SignInSeen, now: datetime) -> bool:
    """Whether the stored last use is stale enough to be written again."""
    return now - session.last_used_at >= TOUCH_EVERY


def live_sessions(user: User, now: datetime | None = None) -> list[SignInSession]:
    """The sessions of `user` that may still be used, the latest used first."""
    now = now or clock.now()
    return [s for s in open_sessions(user.id) if refusal(user, s, now) is None]


def start_session(user: User, address: str | None, user_agent: str | None) -> str:
    """Record a new sign-in session of `user` and return the token for the cookie (shown nowhere else)."""
    token, token_hash = new_token()
    now = clock.now()
    db.session.execute(insert(SignInSession).values(
        token_hash=token_hash, user_id=user.id, created_at=now, last_used_at=now,
        user_agent=(user_agent or "")[:USER_AGENT_MAX] or None, address=(address or "")[:ADDRESS_MAX] or None))
    db.session.commit()
    return token


def sign_in(user: User, remember: bool, address: str | None, user_agent: str | None) -> None:
    """Finish a sign-in (after the password, and the second factor if the person has one): a fresh browser
    session (no fixation; only the chosen language is kept), Flask-Login's user, a new sign-in session.
    "Keep me signed in" makes the cookie outlive the browser; the sign-in session's limits still apply."""
    locale = session.get("locale")
    session.clear()
    if locale and not user.locale:
        session["locale"] = locale
    login_user(user)
    session[TOKEN_KEY] = start_session(user, address, user_agent)
    session.permanent = bool(remember)


def touch(session_id: int, now: datetime) -> None:
    """Write the last use of a session, in a transaction of its own (the request's may only read, and a page
    may fail without taking the sign-in's last use with it)."""
    with db.engine.begin() as connection:
        connection.execute(update(SignInSession).where(SignInSession.id == session_id).values(last_used_at=now))


def end_timed_out(session_id: int, now: datetime) -> None:
    """End a session found idle or expired at a request, in a transaction of its own as `touch`."""
    with db.engine.begin() as connection:
        connection.execute(update(SignInSession).where(SignInSession.id == session_id,
                                                       SignInSession.ended_at.is_(None)).values(ended_at=now))


def end_by_token(token: str | None) -> None:
    """End the session of this cookie token (sign-out)."""
    if not token:
        return
    db.session.execute(update(SignInSession).where(SignInSession.token_hash == hash_token(token),
                                                   SignInSession.ended_at.is_(None)).values(ended_at=clock.now()))
    db.session.commit()


def end_sessions(user: User, keep_token: str | None = None) -> int:
    """End every open session of `user` but the one of `keep_token` (None: all); returns how many. The caller
    commits (it is part of a password change, a deactivation, an anonymisation)."""
    condition = [SignInSession.user_id == user.id, SignInSession.ended_at.is_(None)]
    if keep_token:
        condition.append(SignInSession.token_hash != hash_token(keep_token))
    result = db.session.execute(update(SignInSession).where(*condition).values(ended_at=clock.now())
                                .execution_options(synchronize_session=False))
    return result.rowcount or 0


def end_own_session(user: User, session_id: int) -> bool:
    """The person ends one of their own sessions (from their profile); False if it is not theirs or already
    ended. Audited as "auth.session_ended"."""
    result = db.session.execute(update(SignInSession).where(
        SignInSession.id == session_id, SignInSession.user_id == user.id, SignInSession.ended_at.is_(None))
        .values(ended_at=clock.now()).execution_options(synchronize_session=False))
    if not result.rowcount:
        db.session.rollback()
        return False
    audit.record("auth.session_ended", actor=user, target=user, institution_id=user.institution_id,
                 session_id=session_id)
    db.session.commit()
    return True


def end_all_sessions(user: User, actor: User | None) -> int:
    """An admin ends every session of an account (a lost phone, a departing officer); returns how many.
    Audited as "auth.sessions_ended". Whether `actor` may is the caller's to decide
    (`lms.access.can_end_sessions`)."""
    count = end_sessions(user)
    audit.record("auth.sessions_ended", actor=actor, target=user, institution_id=user.institution_id,
                 sessions=count)
    db.session.commit()
    log.info("all %d sessions of account %d ended", count, user.id)
    return count
