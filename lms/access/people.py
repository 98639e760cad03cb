"""Who may manage accounts and institutions, read the audit log, and handle personal data.

Institution scoping is decided here: `visible_users` and `visible_institutions` give the SQL
condition for the rows a person may see; the named reads take it as their `scope`, so no query
has to remember it.
"""
from __future__ import annotations

from sqlalchemy import false, true

from lms.access.rules import ADMIN, COORDINATOR, INSTRUCTOR, TRAINEE, has_role, is_admin, rule, signed_in
from lms.auth.models import User
from lms.institutions.models import Institution


@rule
def can_manage_users(user) -> bool:
    """May open the people pages at all (admins; coordinators for their own trainees)."""
    return has_role(user, ADMIN, COORDINATOR)


@rule
def can_manage_user(user, target) -> bool:
    """May edit, deactivate or issue a set-password link for `target`."""
    if is_admin(user):
        return True
    return (has_role(user, COORDINATOR) and target.role == TRAINEE and target.institution_id is not None
            and target.institution_id == user.institution_id)


@rule
def can_identify_accounts(user) -> bool:
    """May learn, from an email address refused in a form or a bulk file, whose account it is: that it
    belongs to another institution (and which) or is not a trainee's. Admins only; anyone else is told
    that the address cannot be used there, whatever the reason, so that nobody learns from it which
    addresses have accounts in other institutions."""
    return is_admin(user)


def assignable_roles(user) -> tuple[str, ...]:
    """The roles `user` may give to an account."""
    if is_admin(user):
        return (TRAINEE, INSTRUCTOR, COORDINATOR, ADMIN)
    if can_manage_users(user):
        return (TRAINEE,)
    return ()


@rule
def can_assign(user, role: str, institution_id: int | None) -> bool:
    """May create or move an account to this role and institution."""
    if is_admin(user):
        return True
    return role in assignable_roles(user) and institution_id == user.institution_id


@rule
def can_change_account(user, target) -> bool:
    """May change an account's details or issue it a set-password link (never an anonymised one)."""
    return can_manage_user(user, target) and target.anonymised_at is None


@rule
def can_manage_institutions(user) -> bool:
    """May create and edit institutions."""
    return is_admin(user)


@rule
def can_view_institution(user, institution) -> bool:
    """May see an institution's people and figures."""
    if is_admin(user):
        return True
    return has_role(user, COORDINATOR) and user.institution_id == institution.id


def visible_users(user):
    """SQL condition on `User` for the accounts `user` may list and open."""
    if is_admin(user):
        return true()
    if can_manage_users(user):
        return (User.institution_id == user.institution_id) & (User.role == TRAINEE)
    return false()


def visible_institutions(user):
    """SQL condition on `Institution` for the institutions `user` may see."""
    if is_admin(user):
        return true()
    if has_role(user, COORDINATOR):
        return Institution.id == user.institution_id
    return false()


@rule
def can_view_audit_log(user) -> bool:
    """May read the audit log (admins); nobody may change it through the app."""
    return is_admin(user)


@rule
def can_use_api_tokens(user) -> bool:
    """May create personal access tokens for the API (every signed-in user; the token acts as them)."""
    return signed_in(user)


@rule
def can_anonymise_user(user, target) -> bool:
    """May anonymise a departed officer: admins anyone but themselves; coordinators their institution's
    trainees; never an account already anonymised."""
    return (target is not None and target.anonymised_at is None and getattr(user, "id", None) != target.id
            and can_manage_user(user, target))


@rule
def can_end_sessions(user, target) -> bool:
    """May end every sign-in session of an account, signing it out on every device (admins)."""
    return is_admin(user) and target is not None


@rule
def can_reset_mfa(user, target) -> bool:
    """May take away an account's second factors, when its phone or key is lost (admins). A coordinator may
    not: the second factor is what keeps a borrowed coordinator account from opening another's."""
    return is_admin(user) and target is not None


@rule
def can_download_own_data(user) -> bool:
    """May download everything the platform holds about oneself (every signed-in user)."""
    return signed_in(user)


@rule
def can_view_export_log(user) -> bool:
    """May read the report of who exported personal data and when (admins)."""
    return is_admin(user)
