"""Writes about institutions."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from lms.audit import services as audit
from lms.extensions import db
from lms.institutions.models import Institution

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,31}$")


class InstitutionError(ValueError):
    """Invalid institution data; the message names the problem."""


def _validate(code: str, name: str, country: str, existing_id: int | None = None) -> tuple[str, str, str]:
    code, name, country = code.strip().upper(), " ".join(name.split()), country.strip().upper()
    if not CODE_RE.match(code):
        raise InstitutionError("code")
    if not name or len(name) > 200 or any(ord(ch) < 32 for ch in name):
        raise InstitutionError("name")
    if not re.fullmatch(r"[A-Z]{2}", country):
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
