"""Writes about institutions, and the one check of a country code."""
from __future__ import annotations

import re

from babel import Locale
from sqlalchemy import func, select

from lms.audit import services as audit
from lms.core import signals, when
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


EXPIRY_NOTICE_DAYS = (1, 730)  # the bounds of `expiry_notice_days`
DEFAULT_EXPIRY_NOTICE_DAYS = 60


def _zone(country: str, timezone: str | None) -> str:
    """The institution's zone: the one given, else its country's (`when.country_default_zone`)."""
    timezone = (timezone or "").strip()
    if timezone:
        if not when.is_zone(timezone) or timezone not in when.all_zones():
            raise InstitutionError("timezone")
        return timezone
    default = when.country_default_zone(country)
    if default is None:  # several zones the platform cannot tell apart: the person must choose
        raise InstitutionError("timezone_required")
    return default


def _notice_days(days: int | None) -> int:
    if days is None:
        return DEFAULT_EXPIRY_NOTICE_DAYS
    if not isinstance(days, int) or not EXPIRY_NOTICE_DAYS[0] <= days <= EXPIRY_NOTICE_DAYS[1]:
        raise InstitutionError("expiry_notice_days")
    return days


def create_institution(code: str, name: str, country: str, actor=None, timezone: str | None = None,
                       expiry_notice_days: int | None = None) -> Institution:
    """Add an institution. Its zone is `timezone`, else its country's; a country with several zones the
    platform cannot tell apart needs one. Raises InstitutionError('code'|'name'|'country'|'duplicate'|
    'timezone'|'timezone_required'|'expiry_notice_days')."""
    code, name, country = _validate(code, name, country)
    zone, days = _zone(country, timezone), _notice_days(expiry_notice_days)
    institution = Institution(code=code, name=name, country=country, timezone=zone, expiry_notice_days=days)
    db.session.add(institution)
    db.session.flush()
    audit.record("institution.created", actor=actor, target=institution, institution_id=institution.id,
                 code=code, country=country, timezone=zone, expiry_notice_days=days)
    db.session.commit()
    return institution


def update_institution(institution: Institution, code: str, name: str, country: str, active: bool, actor=None,
                       timezone: str | None = None, expiry_notice_days: int | None = None) -> None:
    """Change an institution's code, name, country, active flag, zone or expiry notice. A new zone moves the
    end of its people's open due dates (those who follow the institution's zone), in the same transaction.
    `timezone` None keeps the zone (or takes the new country's, when the country changes and the old zone
    is not one of it); `expiry_notice_days` None keeps the notice."""
    code, name, country = _validate(code, name, country, existing_id=institution.id)
    if timezone is None and country != institution.country and institution.timezone not in when.country_zones(country):
        timezone = ""  # the old zone belongs to another country: take the new country's
    zone = institution.timezone if timezone is None else _zone(country, timezone)
    days = institution.expiry_notice_days if expiry_notice_days is None else _notice_days(expiry_notice_days)
    changes = {k: [getattr(institution, k), v] for k, v in
               {"code": code, "name": name, "country": country, "active": active, "timezone": zone,
                "expiry_notice_days": days}.items()
               if getattr(institution, k) != v}
    if not changes:
        return
    for key, (_old, new) in changes.items():
        setattr(institution, key, new)
    audit.record("institution.updated", actor=actor, target=institution, institution_id=institution.id,
                 changes=changes)
    if "timezone" in changes:
        signals.zone_changed.send("institutions", institution_id=institution.id)
    db.session.commit()
