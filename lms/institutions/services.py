"""Writes about institutions, and the one check of a country code."""
from __future__ import annotations

import re

from babel import Locale
from sqlalchemy import func, select

from lms.audit import services as audit
from lms.extensions import db
from lms.institutions.models import Institution

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,31}$")

# The codes of ISO 3166-1 alpha-2, from the CLDR territories that Babel carries (already a dependency,
# through Flask-Babel, and updated with each Babel release): its two-letter codes, less those CLDR adds
# that ISO has not assigned to a country: exceptionally reserved codes (AC, CP, CQ, DG, EA, IC, TA),
# groupings (EU, EZ, UN), CLDR's own (QO, XA, XB, ZZ) and XK (Kosovo, a user-assigned code). 249 codes.
NOT_ISO_3166 = {"AC", "CP", "CQ", "DG", "EA", "IC", "TA", "EU", "EZ", "UN", "QO", "XA", "XB", "XK", "ZZ"}
COUNTRY_CODES = frozenset(code for code in Locale("en").territories
                          if len(code) == 2 and code.isalpha() and code not in NOT_ISO_3166)


def is_country_code(code: str | None) -> bool:
    """Whether `code` (any case, spaces around allowed) is an ISO 3166-1 alpha-2 country code."""
    return (code or "").strip().upper() in COUNTRY_CODES


class InstitutionError(ValueError):
    """Invalid institution data; the message names the problem."""


def _validate(code: str, name: str, country: str, existing_id: int | None = None) -> tuple[str, str, str]:
    code, name, country = code.strip().upper(), " ".join(name.split()), country.strip().upper()
    if not CODE_RE.match(code):
        raise InstitutionError("code")
    if not name or len(name) > 200 or any(ord(ch) < 32 for ch in name):
        raise InstitutionError("name")
    if country not in COUNTRY_CODES:
        raise InstitutionError("country")
    clash = db.session.scalar(select(Institution.id).where(func.upper(Institution.code) == code))
    if clash is not None and clash != existing_id:
        raise InstitutionError("duplicate")
    return code, name, country


def create_institution(code: str, name: str, country: str, actor=None) -> Institution:
    """Add an institution. Raises InstitutionError('code'|'name'|'country'|'duplicate')."""
    code, name, country = _validate(code, name, country)
    institution = Institution(code=code, name=name, country=country)
    db.session.add(institution)
    db.session.flush()
    audit.record("institution.created", actor=actor, target=institution, institution_id=institution.id,
                 code=code, country=country)
    db.session.commit()
    return institution


def update_institution(institution: Institution, code: str, name: str, country: str, active: bool, actor=None) -> None:
    """Change an institution's code, name, country or active flag."""
    code, name, country = _validate(code, name, country, existing_id=institution.id)
    changes = {k: [getattr(institution, k), v] for k, v in
               {"code": code, "name": name, "country": country, "active": active}.items()
               if getattr(institution, k) != v}
    if not changes:
        return
    for key, (_old, new) in changes.items():
        setattr(institution, key, new)
    audit.record("institution.updated", actor=actor, target=institution, institution_id=institution.id,
                 changes=changes)
    db.session.commit()
