"""Named reads of courses."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.catalog.models import Course
from lms.extensions import db


def published_courses() -> list[Course]:
    """Published courses by title, with their topics loaded."""
    query = (select(Course).where(Course.status == "published").options(selectinload(Course.topics))
             .order_by(Course.title))
    return list(db.session.scalars(query))


def course_by_slug(slug: str) -> Course | None:
    """The course with this slug."""
    return db.session.scalar(select(Course).where(Course.slug == slug))
