"""The building blocks of access: roles, the `Rule` a permission is made of, and how views ask for one.

A rule is a function of (user, *objects) that says yes or no. Rules compose (`a & b`, `a | b`,
`~a`), so a view can ask for `requires(can_view_reports | can_create_course)` and the answer is
still one rule, with one name for the log and the tests. Views ask with `require(rule, *objects)`
inside the view or `@requires(rule)` on it; templates with a Jinja test
(`{% if current_user is can_manage_users %}`); the API and the command line call rules directly.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user

from lms.extensions import login_manager

ADMIN, COORDINATOR, INSTRUCTOR, TRAINEE = "admin", "coordinator", "instructor", "trainee"


class Rule:
    """A named permission, a function of (user, *objects) -> bool, composable with &, | and ~."""

    def __init__(self, check: Callable[..., bool], name: str | None = None, doc: str | None = None):
        self.check = check
        self.__name__ = name or check.__name__
        self.__doc__ = doc if doc is not None else check.__doc__

    def __call__(self, user, *objects) -> bool:
        return bool(self.check(user, *objects))

    def __and__(self, other: Rule) -> Rule:
        return Rule(lambda user, *objects: self(user, *objects) and other(user, *objects),
                    f"({self.__name__} & {other.__name__})", "Both rules hold.")

    def __or__(self, other: Rule) -> Rule:
        return Rule(lambda user, *objects: self(user, *objects) or other(user, *objects),
                    f"({self.__name__} | {other.__name__})", "Either rule holds.")

    def __invert__(self) -> Rule:
        return Rule(lambda user, *objects: not self(user, *objects), f"~{self.__name__}", "The rule does not hold.")

    def __repr__(self) -> str:
        return f"<Rule {self.__name__}>"


def rule(check: Callable[..., bool]) -> Rule:
    """Decorator: the function becomes a `Rule` of the same name and docstring."""
    return Rule(check)


def signed_in(user) -> bool:
    """A signed-in, active account (anonymous visitors and deactivated accounts are not)."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def has_role(user, *roles: str) -> bool:
    """A signed-in account with one of these roles."""
    return signed_in(user) and user.role in roles


@rule
def is_admin(user) -> bool:
    """An active admin."""
    return has_role(user, ADMIN)


def require(check: Rule, *objects) -> None:
    """403 unless `check(current_user, *objects)` holds; for use inside views. Anonymous visitors
    are sent to the sign-in page instead."""
    if not check(current_user, *objects):
        if not current_user.is_authenticated:
            abort(login_manager.unauthorized())
        abort(403)


def requires(check: Rule):
    """View decorator: 403 unless `check(current_user)` holds (sign-in is asked for first)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            require(check)
            return view(*args, **kwargs)

        return wrapped

    return decorator
