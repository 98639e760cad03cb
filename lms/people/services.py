"""Writes about accounts made by admins, coordinators and the command line."""
from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from lms.auth.models import INSTITUTION_ROLES, ROLES, User
from lms.auth.passwords import password_problems
from lms.auth.queries import normalise_email
from lms.auth.services import issue_password_link
from lms.core import audit
from lms.core.permissions import can_assign, can_manage_user
from lms.core.security import hash_password
from lms.extensions import db
from lms.institutions.models import Institution


class PeopleError(ValueError):
    """Refused account data. `field` names the form field, the message says why."""

    def __init__(self, field: str, code: str):
        super().__init__(code)
        self.field, self.code = field, code


def _clean(email: str, name: str, role: str, institution_id: int | None, locale: str | None,
           existing_id: int | None = None) -> tuple[str, str]:
    try:
        email = validate_email(normalise_email(email), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise PeopleError("email", "email_invalid") from exc
    name = " ".join((name or "").split())
    if not name or len(name) > 200 or any(ord(ch) < 32 for ch in name):
        raise PeopleError("name", "name_invalid")
    if role not in ROLES:
        raise PeopleError("role", "role_invalid")
    if role in INSTITUTION_ROLES and institution_id is None:
        raise PeopleError("institution_id", "institution_required")
    if institution_id is not None and db.session.get(Institution, institution_id) is None:
        raise PeopleError("institution_id", "institution_unknown")
    if locale and locale not in ("en", "uk"):
        raise PeopleError("locale", "locale_invalid")
    clash = db.session.scalar(select(User.id).where(User.email == email))
    if clash is not None and clash != existing_id:
        raise PeopleError("email", "email_taken")
    return email, name


def create_user(email: str, name: str, role: str, institution_id: int | None = None, locale: str | None = None,
                password: str | None = None, actor: User | None = None) -> tuple[User, str | None]:
    """Create an account. Returns it with a one-time set-password token when no password was given.

    `actor` None means the command line, which may create any account.
    """
    user = add_user(email, name, role, institution_id, locale, password, actor)
    db.session.commit()
    token = None if password else issue_password_link(user, actor)
    return user, token


def add_user(email: str, name: str, role: str, institution_id: int | None = None, locale: str | None = None,
             password: str | None = None, actor: User | None = None) -> User:
    """The checks and work of `create_user` without the commit or the link (bulk enrolment: one
    transaction). The caller commits."""
    if actor is not None and not can_assign(actor, role, institution_id):
        raise PeopleError("role", "forbidden")
    email, name = _clean(email, name, role, institution_id, locale)
    if password is not None:
        problems = password_problems(password, email)
        if problems:
            raise PeopleError("password", " ".join(str(p) for p in problems))
    user = User(email=email, name=name, role=role, institution_id=institution_id, locale=locale or None,
                password_hash=hash_password(password) if password else None)
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", actor=actor, target=user, institution_id=institution_id, role=role)
    return user


def update_user(user: User, actor: User | None, *, email: str, name: str, role: str, institution_id: int | None,
                locale: str | None, active: bool) -> None:
    """Change an account; role, institution and active changes go to the audit log."""
    if actor is not None and (not can_manage_user(actor, user) or not can_assign(actor, role, institution_id)):
        raise PeopleError("role", "forbidden")
    if actor is not None and actor.id == user.id and (role != user.role or not active):
        raise PeopleError("role", "self")  # nobody locks themselves out by accident
    email, name = _clean(email, name, role, institution_id, locale, existing_id=user.id)
    changes = {}
    for key, value in {"role": role, "institution_id": institution_id, "active": active}.items():
        if getattr(user, key) != value:
            changes[key] = [getattr(user, key), value]
    user.email, user.name, user.locale = email, name, locale or None
    user.role, user.institution_id, user.active = role, institution_id, active
    if changes:
        audit.record("user.access_changed", actor=actor, target=user, institution_id=institution_id, changes=changes)
    db.session.commit()


def set_password(user: User, password: str, actor: User | None = None) -> None:
    """Set a password directly (command line and demo data)."""
    problems = password_problems(password, user.email)
    if problems:
        raise PeopleError("password", " ".join(str(p) for p in problems))
    user.password_hash = hash_password(password)
    audit.record("auth.password_set", actor=actor, target=user, institution_id=user.institution_id)
    db.session.commit()
