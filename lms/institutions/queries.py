"""Named reads of institutions. Those that list or find institutions for a person take `scope`, the
SQL condition on `Institution` of what that person may see (`lms.access.visible_institutions`)."""
from __future__ import annotations

from sqlalchemy import func, select

from lms.auth.models import User
from lms.extensions import db
from lms.institutions.models import Institution

MAX_CODE = 32


def institution_by_code(code: str) -> Institution | None:
    """The institution with this code (case-insensitive)."""
    return db.session.scalar(select(Institution).where(func.upper(Institution.code) == code.strip().upper()))


def institution_by_id(institution_id: int) -> Institution | None:
    """The institution with this id."""
    return db.session.get(Institution, institution_id)


def visible_institution(scope, code: str) -> Institution | None:
    """The institution with exactly this code, if it is within `scope`."""
    if not code or "\x00" in code or len(code) > MAX_CODE:
        return None
    return db.session.scalar(select(Institution).where(Institution.code == code, scope))


def institutions_in(scope, active_only: bool = False) -> list[Institution]:
    """The institutions within `scope`, by country and name."""
    query = select(Institution).where(scope).order_by(Institution.country, Institution.name)
    if active_only:
        query = query.where(Institution.active.is_(True))
    return list(db.session.scalars(query))


def institutions_by_code(scope) -> list[Institution]:
    """The institutions within `scope`, by code (the choices of filters and upload forms)."""
    return list(db.session.scalars(select(Institution).where(scope).order_by(Institution.code)))


def countries_in(scope) -> list[str]:
    """The countries of the institutions within `scope`, in order."""
    return list(db.session.scalars(select(Institution.country).where(scope).distinct().order_by(Institution.country)))


def institutions_with_counts(scope) -> list[tuple[Institution, int]]:
    """The institutions within `scope` with their number of active accounts, in one query."""
    counts = (
        select(User.institution_id, func.count(User.id).label("n"))
        .where(User.active.is_(True))
        .group_by(User.institution_id)
        .subquery()
    )
    query = (
        select(Institution, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.institution_id == Institution.id)
        .where(scope)
        .order_by(Institution.country, Institution.name)
    )
    return [(row[0], row[1]) for row in db.session.execute(query)]
