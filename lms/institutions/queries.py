"""Named reads of institutions, scoped by what the reader may see."""
from __future__ import annotations

from sqlalchemy import func, select

from lms.auth.models import User
from lms.core.permissions import visible_institutions
from lms.extensions import db
from lms.institutions.models import Institution


def institution_by_code(code: str) -> Institution | None:
    """The institution with this code (case-insensitive)."""
    return db.session.scalar(select(Institution).where(func.upper(Institution.code) == code.strip().upper()))


def institutions_for(user, active_only: bool = False) -> list[Institution]:
    """The institutions `user` may see, by country and name."""
    query = select(Institution).where(visible_institutions(user)).order_by(Institution.country, Institution.name)
    if active_only:
        query = query.where(Institution.active.is_(True))
    return list(db.session.scalars(query))


def institutions_with_counts(user) -> list[tuple[Institution, int]]:
    """Visible institutions with their number of active accounts, in one query."""
    counts = (
        select(User.institution_id, func.count(User.id).label("n"))
        .where(User.active.is_(True))
        .group_by(User.institution_id)
        .subquery()
    )
    query = (
        select(Institution, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.institution_id == Institution.id)
        .where(visible_institutions(user))
        .order_by(Institution.country, Institution.name)
    )
    return [(row[0], row[1]) for row in db.session.execute(query)]


def institution_by_id(institution_id: int) -> Institution | None:
    """The institution with this id."""
    return db.session.get(Institution, institution_id)
