"""Named reads of accounts."""
from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import NamedTuple

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm.attributes import set_committed_value

from lms.auth.models import PasswordLink, SignInSession, User
from lms.core.db import keep_through_commits
from lms.core.reads import as_object, plain_first, table_columns
from lms.core.security import hash_token
from lms.extensions import db


def _as_id(value: str | int | None) -> int | None:
    """An account id from a session or a URL, or None if it is not a number."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def user_by_id(user_id: str | int) -> User | None:
    """The account with this id."""
    user_id = _as_id(user_id)
    return None if user_id is None else db.session.get(User, user_id)


class SignInSeen(NamedTuple):
    """What a request reads of its sign-in session: enough to say whether it may go on (`lms.auth.sessions`)."""

    id: int
    created_at: datetime
    last_used_at: datetime


class _SignedInRead(NamedTuple):
    """The signed-in account's statement and where each part of its row starts."""

    statement: object
    institution: type  # the account's institution's model
    institution_from: int  # where its columns start in a row
    session_from: int  # where the sign-in session's columns start


@cache
def _signed_in_read() -> _SignedInRead:
    # Built once: every signed-in request runs it, and building a statement costs more than running it. The
    # account, its institution and its sign-in session come in one statement (no second query per page): every
    # page that shows a date reads the institution's time zone when the person has chosen none. Plain columns,
    # made into the account's objects by `as_object`: the ORM's loading of this row cost half the account's read.
    # The institution by the account's relationship: its feature sits beside this one, not below it.
    institution = User.institution.property.mapper.class_
    users, places = table_columns(User), table_columns(institution)
    statement = (select(*users, *places, SignInSession.id, SignInSession.created_at, SignInSession.last_used_at)
                 .join(SignInSession, SignInSession.user_id == User.id)
                 .outerjoin(institution, institution.id == User.institution_id)
                 .where(User.id == bindparam("user_id"), User.active.is_(True),
                        SignInSession.token_hash == bindparam("token_hash"), SignInSession.ended_at.is_(None)))
    return _SignedInRead(statement, institution, len(users), len(users) + len(places))


def signed_in_user(user_id: str | int, token: str | None) -> tuple[User, SignInSeen] | None:
    """The account of a session and its sign-in session (Flask-Login's loader reads it, lms.auth.views):
    None once the session has ended or the account is deactivated or anonymised, so an open session ends
    with the account's right to sign in. Whether it timed out is `lms.auth.sessions.refusal`'s to say.

    The account read here is the request's `current_user`, with its institution: its attributes stay loaded
    through the request's commits (`lms.core.db.keep_through_commits`), so that the pages after a write (the
    menu, the language, the security headers) do not read the same row again."""
    user_id = _as_id(user_id)
    if user_id is None or not token:
        return None
    read = _signed_in_read()
    row = plain_first(read.statement, {"user_id": user_id, "token_hash": hash_token(token)})
    if row is None:
        return None
    user = as_object(User, row[:read.institution_from])
    institution = row[read.institution_from:read.session_from]
    set_committed_value(user, "institution",
                        None if institution[0] is None else as_object(read.institution, institution))
    keep_through_commits(db.session, user)
    return user, SignInSeen(*row[read.session_from:])


def open_sessions(user_id: int) -> list[SignInSession]:
    """The sign-in sessions of an account not ended yet, the latest used first (some may have timed out:
    `lms.auth.sessions.live_sessions` leaves those out)."""
    return list(db.session.scalars(select(SignInSession).where(SignInSession.user_id == user_id,
                                                               SignInSession.ended_at.is_(None))
                                   .order_by(SignInSession.last_used_at.desc(), SignInSession.id.desc())))


def user_by_email(email: str) -> User | None:
    """The account with this email, compared case-insensitively."""
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def normalise_email(email: str) -> str:
    """Emails are kept lower-case and without surrounding spaces."""
    return (email or "").strip().lower()


def password_link_by_token(token: str) -> PasswordLink | None:
    """The one-time link for this token, used or not."""
    return db.session.scalar(select(PasswordLink).where(PasswordLink.token_hash == hash_token(token)))


def names_by_id(user_ids) -> dict[int, str]:
    """The names of these accounts, by id (one statement; none for no ids)."""
    ids = {i for i in user_ids if i}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all()) if ids else {}


def people_matching(scope, text: str = "", user_id: int | None = None):
    """SELECT of the ids of the accounts within `scope` (the SQL condition on `User` of whom the reader may
    see, `lms.access.visible_users`) whose email is `text` or whose name contains it, in any case; or,
    with `user_id`, that one account."""
    if user_id is not None:
        return select(User.id).where(scope, User.id == user_id)
    text = (text or "").strip()
    return select(User.id).where(scope, or_(User.email == normalise_email(text),
                                            func.lower(User.name).contains(text.lower(), autoescape=True)))
