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


@pytest.mark.parametrize("country", ["XX", "zz", "EU", "UK", "XK"])
def test_a_code_that_is_not_an_iso_3166_country_is_refused_with_its_reason(client, auth, world, db, country):
    """Two letters are not enough: the code must be one of ISO 3166-1 (UK is GB; EU, ZZ and XK are not
    countries of the standard). On the form, on edit and in the service the command line uses."""
    from lms.institutions.services import InstitutionError, create_institution

    auth.login(world["admin"].email)
    page = auth.post("/institutions/new", {"code": "NEW-1", "name": "New academy", "country": country}).get_data(
        as_text=True)
    assert f"{country.upper()} is not a country code of ISO 3166-1. Use a code such as UA, GE or MD." in page
    edit = auth.post(f"/institutions/{world['ua'].id}/edit", {"code": "UA-ACAD", "name": "Border Academy of Ukraine",
                                                             "country": country, "active": "y"})
    assert "is not a country code of ISO 3166-1" in edit.get_data(as_text=True)
    with pytest.raises(InstitutionError, match="country"):
        create_institution("NEW-2", "New academy", country)
    db.session.expire_all()
    assert db.session.query(Institution).count() == 2 and world["ua"].country == "UA"


def test_every_iso_3166_country_is_accepted(db):
    from lms.institutions.services import COUNTRY_CODES, is_country_code

    assert len(COUNTRY_CODES) == 249  # the codes ISO 3166-1 assigns
    for code in ("UA", "ge", " md ", "AM", "PL", "GB", "PS", "TW", "AX", "SS", "BQ", "CW", "SX"):
        assert is_country_code(code), code
    for code in ("XX", "UK", "EU", "ZZ", "XK", "AC", "", "U", "UKR", "001"):
        assert not is_country_code(code), code


def test_the_form_in_ukrainian_explains_a_bad_country(client, auth, world, db):
    from tests.helpers import make_user

    auth.login(make_user("adminka@example.org", "Oksana Admin", "admin", locale="uk").email)
    page = auth.post("/institutions/new", {"code": "NEW-1", "name": "New academy", "country": "XX"}).get_data(
        as_text=True)
    assert "XX не є кодом країни за ISO 3166-1" in page


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
