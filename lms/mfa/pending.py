"""A sign-in halfway: the password was right and the second factor is still to come.

Nothing of the account is signed in yet: the (signed) session only holds whose password it was, when, and
where to go afterwards, for `PENDING_MINUTES`. The sign-in page of the second factor reads it; a finished
sign-in clears it with the rest of the session (lms.auth.sessions.sign_in).

A person whose role must have a second factor and who has none is signed in with `ENROL` set in the session:
every page then leads to enrolling one (lms.mfa.views), and nothing else opens until it is done.
"""
from __future__ import annotations

from flask import session

from lms.auth.models import User
from lms.auth.queries import user_by_id
from lms.core import clock

PENDING = "_mfa_pending"
ENROL = "_mfa_enrol"
PENDING_MINUTES = 10


def start(user: User, remember: bool, target: str | None) -> None:
    """Remember a right password of `user` while the second factor is asked for."""
    session.pop(PENDING, None)
    session[PENDING] = {"uid": user.id, "at": clock.now().timestamp(), "remember": bool(remember),
                        "next": target}


def pending() -> tuple[User, dict] | None:
    """The account whose password was given (still active) and the saved choices, or None when there is no
    sign-in halfway or it is older than PENDING_MINUTES."""
    data = session.get(PENDING)
    if not isinstance(data, dict):
        return None
    if clock.now().timestamp() - float(data.get("at", 0)) > PENDING_MINUTES * 60:
        session.pop(PENDING, None)
        return None
    user = user_by_id(data.get("uid") or 0)
    if user is None or not user.active:
        session.pop(PENDING, None)
        return None
    return user, data


def clear() -> None:
    """Forget a sign-in halfway (cancelled)."""
    session.pop(PENDING, None)


def require_enrolment() -> None:
    """Mark this signed-in session as one that must enrol a second factor before anything else."""
    session[ENROL] = True


def enrolment_required() -> bool:
    """Whether this session must still enrol a second factor."""
    return bool(session.get(ENROL))


def enrolled() -> None:
    """The session's person now has a second factor: every page opens again."""
    session.pop(ENROL, None)
