"""Institutions: admins create and edit them; nobody else may."""
from __future__ import annotations

import pytest

from lms.audit.models import AuditEvent
from lms.institutions.models import Institution

pytestmark = pytest.mark.db


def test_admin_adds_and_edits_an_institution(client, auth, world, db):
    auth.login(world["admin"].email)
    response = auth.post("/institutions/new", {"code": "md-bpc", "name": "Border Police College", "country": "md",
                                               "active": "y"})
    assert response.status_code == 302
    page = client.get("/institutions/").get_data(as_text=True)
    assert "MD-BPC" in page and "Border Police College" in page
    institution = db.session.query(Institution).filter_by(code="MD-BPC").one()
    assert institution.country == "MD"
    edited = auth.post(f"/institutions/{institution.id}/edit", {"code": "MD-BPC", "name": "Border Police College of Moldova",
                                                                "country": "MD"})
    assert edited.status_code == 302
    db.session.expire_all()
    assert db.session.get(Institution, institution.id).active is False
    assert db.session.query(AuditEvent).filter_by(action="institution.updated").count() == 1


def test_duplicate_code_and_bad_country_are_explained(client, auth, world, db):
    auth.login(world["admin"].email)
    duplicate = auth.post("/institutions/new", {"code": "ua-acad", "name": "Copy", "country": "UA"})
    assert "Another institution already has this code." in duplicate.get_data(as_text=True)
    bad = auth.post("/institutions/new", {"code": "XX-1", "name": "X", "country": "Ukraine"})
    assert "Use the two-letter ISO code" in bad.get_data(as_text=True)
    assert db.session.query(Institution).count() == 2


def test_coordinator_cannot_manage_institutions(client, auth, world):
    auth.login(world["coordinator"].email)
    assert client.get("/institutions/").status_code == 403
    assert client.get(f"/institutions/{world['ua'].id}/edit").status_code == 403
    assert "Institutions" not in client.get("/").get_data(as_text=True).split("<main")[0]


def test_database_refuses_bad_rows(db, world):
    """Constraints live in the database, not only in Python."""
    from sqlalchemy.exc import DataError, IntegrityError

    from lms.auth.models import User

    cases = [
        Institution(code="ua-acad".upper(), name="dup", country="UA"),
        Institution(code="X1", name="bad country", country="ukr"),
        User(email="Upper@Example.org", name="x", role="admin"),
        User(email="t2@example.org", name="x", role="trainee"),  # a trainee needs an institution
        User(email="r@example.org", name="x", role="superuser"),
        User(email=world["admin"].email, name="dup", role="admin"),
    ]
    for row in cases:
        db.session.add(row)
        with pytest.raises((IntegrityError, DataError)):  # PostgreSQL refuses an over-long value as DataError
            db.session.commit()
        db.session.rollback()
