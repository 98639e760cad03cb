"""Lookups for the report pages and the API, scoped by the viewer."""
from __future__ import annotations

from sqlalchemy import select

from lms.catalog.models import Course
from lms.access import visible_institutions
from lms.extensions import db
from lms.institutions.models import Institution


def visible_institution(viewer, code: str) -> Institution | None:
    """The institution with this code if the viewer may see its reports."""
    if not code or "\x00" in code or len(code) > 32:
        return None
    return db.session.scalar(select(Institution).where(Institution.code == code, visible_institutions(viewer)))


def institution_choices(viewer) -> list[Institution]:
    """Institutions the viewer may pick in the filters."""
    return list(db.session.scalars(select(Institution).where(visible_institutions(viewer)).order_by(Institution.code)))


def country_choices(viewer) -> list[str]:
    """Countries of the institutions the viewer may see."""
    return list(db.session.scalars(select(Institution.country).where(visible_institutions(viewer)).distinct()
                                   .order_by(Institution.country)))


def course_choices() -> list[Course]:
    """Courses to filter by: every course that is not a draft."""
    return list(db.session.scalars(select(Course).where(Course.status != "draft").order_by(Course.title)))
