"""The institution form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Regexp, ValidationError

from lms.core import when
from lms.core.forms import Form
from lms.institutions.services import DEFAULT_EXPIRY_NOTICE_DAYS, EXPIRY_NOTICE_DAYS, is_country_code


def iso_country(_form, field) -> None:
    """The country field holds a code of ISO 3166-1 (two letters that name no country are refused)."""
    if field.data and len(field.data.strip()) == 2 and field.data.strip().isalpha() and not is_country_code(field.data):
        raise ValidationError(_l("%(code)s is not a country code of ISO 3166-1. Use a code such as UA, GE or MD.",
                                 code=field.data.strip().upper()))


class InstitutionForm(Form):
    """Code, name, country and whether it is active."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(min=2, max=32),
                       Regexp(r"^[A-Za-z0-9][A-Za-z0-9_-]+$", message=_l("Use letters, digits, - and _ only."))],
                       description=_l("A short identifier such as UA-NBGSA, used in files and exports."))
    name = StringField(lazy_pgettext("name of a thing", "Name"), validators=[DataRequired(), Length(max=200)])
    country = StringField(_l("Country code"), validators=[DataRequired(), Length(min=2, max=2),
                          Regexp(r"^[A-Za-z]{2}$", message=_l("Use the two-letter ISO code, e.g. UA.")),
                          iso_country],
                          description=_l("Two-letter ISO 3166 code, e.g. UA, GE, MD, AM, PL."))
    timezone = SelectField(_l("Time zone"), default="", validate_choice=True,
                           description=_l("Its people read dates and times in this zone unless they choose their "
                                          "own, and their due dates end at midnight there."))
    expiry_notice_days = IntegerField(
        _l("Expiring notice (days)"), default=DEFAULT_EXPIRY_NOTICE_DAYS,
        validators=[NumberRange(min=EXPIRY_NOTICE_DAYS[0], max=EXPIRY_NOTICE_DAYS[1],
                                message=_l("Enter a number of days from %(min)d to %(max)d."))],
        description=_l("A certificate that expires within this many days counts as expiring in the reports."))
    active = BooleanField(lazy_pgettext("institution status", "Active"), default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        country = (self.country.data or "").strip().upper()
        first = when.country_zones(country)
        default = when.country_default_zone(country)
        self.timezone.choices = (
            [("", _l("The country's zone (%(zone)s)", zone=default) if default else _l("The country's zone"))]
            + [(name, name) for name in first] + [(name, name) for name in when.all_zones() if name not in first])

    def validate_timezone(self, field) -> None:
        """A country whose zones the platform cannot tell apart needs a choice."""
        country = (self.country.data or "").strip().upper()
        if not field.data and when.country_zones(country) and when.country_default_zone(country) is None:
            raise ValidationError(_l("%(country)s has several time zones: choose the institution's.",
                                     country=country))
