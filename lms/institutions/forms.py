"""The institution form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length, Regexp, ValidationError

from lms.institutions.services import is_country_code


def iso_country(_form, field) -> None:
    """The country field holds a code of ISO 3166-1 (two letters that name no country are refused)."""
    if field.data and len(field.data.strip()) == 2 and field.data.strip().isalpha() and not is_country_code(field.data):
        raise ValidationError(_l("%(code)s is not a country code of ISO 3166-1. Use a code such as UA, GE or MD.",
                                 code=field.data.strip().upper()))


class InstitutionForm(FlaskForm):
    """Code, name, country and whether it is active."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(min=2, max=32),
                       Regexp(r"^[A-Za-z0-9][A-Za-z0-9_-]+$", message=_l("Use letters, digits, - and _ only."))],
                       description=_l("A short identifier such as UA-NBGSA, used in files and exports."))
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    country = StringField(_l("Country code"), validators=[DataRequired(), Length(min=2, max=2),
                          Regexp(r"^[A-Za-z]{2}$", message=_l("Use the two-letter ISO code, e.g. UA.")),
                          iso_country],
                          description=_l("Two-letter ISO 3166 code, e.g. UA, GE, MD, AM, PL."))
    active = BooleanField(_l("Active"), default=True)
