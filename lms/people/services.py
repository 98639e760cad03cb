"""Writes about accounts made by admins, coordinators, bulk enrolment and the command line.

A new account is written one way, however many are made at once: `new_account` gives its columns,
`insert_accounts` inserts any number in one statement, `account_created` is its audit event.
"""
from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import insert, select

from lms.audit import services as audit
from lms.auth.models import INSTITUTION_ROLES, ROLES, User
from lms.auth.passwords import password_problems
from lms.auth.queries import normalise_email
from lms.auth.services import issue_password_link, set_timezone, store_password
from lms.auth.sessions import end_sessions
from lms.core import signals
from lms.core.security import hash_password
from lms.extensions import db
from lms.institutions.models import Institution
from lms.mail.security import mail_new_accounts


class PeopleError(ValueError):
    """Refused account data. `field` names the form field, `code` says why; for a weak password
    (code "password_weak") `problems` holds the rules it breaks, as lazy texts the caller renders
    in its own language (a page in the user's, the command line in English). For an address already in
    use (code "email_taken") `account` is the account that has it: the caller decides how much of that
    its reader may learn."""

    def __init__(self, field: str, code: str, problems: list | None = None, account: User | None = None):
        super().__init__(code)
        self.field, self.code, self.problems = field, code, list(problems or [])
        self.account = account  # for "email_taken": the account that has the address


def clean_name(name: str | None) -> str:
    """The name with its spaces collapsed; PeopleError("name", "name_invalid") when it is empty, longer than
    200 characters or holds a control character."""
    name = " ".join((name or "").split())
    if not name or len(name) > 200 or any(ord(ch) < 32 for ch in name):
        raise PeopleError("name", "name_invalid")
    return name


def _clean(email: str, name: str, role: str, institution_id: int | None, locale: str | None,
           existing_id: int | None = None) -> tuple[str, str]:
    try:
        email = validate_email(normalise_email(email), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise PeopleError("email", "email_invalid") from exc
    name = clean_name(name)
    if role not in ROLES:
        raise PeopleError("role", "role_invalid")
    if role in INSTITUTION_ROLES and institution_id is None:
        raise PeopleError("institution_id", "institution_required")
    if institution_id is not None and db.session.get(Institution, institution_id) is None:
        raise PeopleError("institution_id", "institution_unknown")
    if locale and locale not in current_app.config["LANGUAGES"]:  # the interface's languages, as the form offers
        raise PeopleError("locale", "locale_invalid")
    clash = db.session.scalar(select(User).where(User.email == email))
    if clash is not None and clash.id != existing_id:
        raise PeopleError("email", "email_taken", account=clash)
    return email, name


def create_user(email: str, name: str, role: str, institution_id: int | None = None, locale: str | None = None,
                password: str | None = None, actor: User | None = None) -> tuple[User, str | None]:
    """Create an account. Returns it with a one-time set-password token when no password was given; the
    link is mailed to the account too (lms.mail.security).

    `actor` None means the command line, which may create any account.
    """
    user = add_user(email, name, role, institution_id, locale, password, actor)
    db.session.commit()
    token = None if password else issue_password_link(user, actor)
    if token:  # mailed besides being shown to whoever made the account
        mail_new_accounts([(user, token)])
        db.session.commit()
    return user, token


def add_user(email: str, name: str, role: str, institution_id: int | None = None, locale: str | None = None,
             password: str | None = None, actor: User | None = None) -> User:
    """The checks and work of `create_user` without the commit or the link. The caller commits.

    Whether `actor` may give this role and institution is decided by the caller (`lms.access.can_assign`).
    """
    email, name = _clean(email, name, role, institution_id, locale)
    if password is not None:
        problems = password_problems(password, email)
        if problems:
            raise PeopleError("password", "password_weak", problems)
    [user] = insert_accounts([new_account(email, name, role, institution_id, locale,
                                          hash_password(password) if password else None)])
    audit.record_many([account_created(user, actor)], "account")
    return user


def new_account(email: str, name: str, role: str, institution_id: int | None, locale: str | None = None,
                password_hash: str | None = None) -> dict:
    """The columns of a new account, from checked values (`_clean`, or bulk enrolment's plan)."""
    return {"email": email, "name": name, "role": role, "institution_id": institution_id, "locale": locale or None,
            "password_hash": password_hash}


def insert_accounts(accounts: list[dict]) -> list[User]:
    """Insert new accounts (`new_account` rows) in one statement; returns them loaded, in no particular
    order (asking the driver for the order of the rows sent costs a statement per row on SQLite)."""
    # The ORM's bulk insert leaves out None values and sends each set of keys as its own statement:
    # render_nulls keeps it one.
    return db.session.scalars(insert(User).returning(User), accounts, execution_options={"render_nulls": True}).all()


def account_created(user: User, actor) -> dict:
    """The audit event of a new account."""
    return audit.event_row("user.created", actor, "users", user.id, user.institution_id, role=user.role)


KEEP = object()  # update_user: leave the person's zone as it is


def update_user(user: User, actor: User | None, *, email: str, name: str, role: str, institution_id: int | None,
                locale: str | None, active: bool, timezone=KEEP) -> None:
    """Change an account; role, institution, active and zone changes go to the audit log. A new zone (their
    own, or a new institution's they follow) moves the end of their open due dates, in the same transaction.

    Whether `actor` may change this account and give it this role and institution is decided by the
    caller (`lms.access.can_manage_user`, `can_assign`); nobody may change their own role or
    deactivate themselves.
    """
    if actor is not None and actor.id == user.id and (role != user.role or not active):
        raise PeopleError("role", "self")  # nobody locks themselves out by accident
    email, name = _clean(email, name, role, institution_id, locale, existing_id=user.id)
    changes = {}
    for key, value in {"role": role, "institution_id": institution_id, "active": active}.items():
        if getattr(user, key) != value:
            changes[key] = [getattr(user, key), value]
    user.email, user.name, user.locale = email, name, locale or None
    user.role, user.institution_id, user.active = role, institution_id, active
    if not active and user.id is not None:
        end_sessions(user)  # a deactivated account is signed out everywhere, now
    if changes:
        audit.record("user.access_changed", actor=actor, target=user, institution_id=institution_id, changes=changes)
    db.session.flush()
    if "institution_id" in changes:
        db.session.expire(user, ["institution"])  # the zone it follows is the new institution's
        signals.zone_changed.send("people", user_ids=[user.id])
    if timezone is not KEEP:
        try:
            set_timezone(user, timezone, actor)
        except ValueError:
            db.session.rollback()
            raise PeopleError("timezone", "timezone_invalid") from None
    db.session.commit()


def set_password(user: User, password: str, actor: User | None = None) -> None:
    """Set a password directly (command line and demo data)."""
    problems = password_problems(password, user.email)
    if problems:
        raise PeopleError("password", "password_weak", problems)
    store_password(user, password)
    end_sessions(user)
    audit.record("auth.password_set", actor=actor, target=user, institution_id=user.institution_id)
    db.session.commit()
