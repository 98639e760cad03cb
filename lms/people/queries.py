"""Named reads of accounts for the people pages. Each takes `scope`, the SQL condition on `User` of the
accounts the reader may see (`lms.access.visible_users`)."""
from __future__ import annotations

from sqlalchemy import func, or_, select

from lms.auth.models import User
from lms.extensions import db

PER_PAGE = 50
MAX_SEARCH = 200  # characters of the name-or-email search that are used


def search_users(scope, text: str = "", role: str = "", institution_id: int | None = None,
                 status: str = "", page: int = 1):
    """A page of the accounts within `scope`, filtered by name/email text, role, institution, status."""
    query = select(User).where(scope)
    text = (text or "").strip().lower()[:MAX_SEARCH]
    if text:
        # Escaped: a % or _ typed is a character sought, not a LIKE wildcard.
        query = query.where(or_(func.lower(User.name).contains(text, autoescape=True),
                                User.email.contains(text, autoescape=True)))
    if role:
        query = query.where(User.role == role)
    if institution_id:
        query = query.where(User.institution_id == institution_id)
    if status == "active":
        query = query.where(User.active.is_(True))
    elif status == "inactive":
        query = query.where(User.active.is_(False))
    query = query.order_by(func.lower(User.name), User.id)
    return db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)


def visible_user(scope, user_id: int) -> User | None:
    """The account with this id if it is within `scope`, else None."""
    return db.session.scalar(select(User).where(User.id == user_id, scope))
