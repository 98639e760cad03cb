"""Catalogue filters, enrolment and enrolment-key forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import Length, Optional


class CatalogueForm(FlaskForm):
    """Search and filters (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    language = SelectField(_l("Language"), validate_choice=False)
    topic = SelectField(_l("Topic"), validate_choice=False)


class EnrolForm(FlaskForm):
    """Self-enrolment, with the key when the course has one."""

    key = PasswordField(_l("Enrolment key"), validators=[Optional(), Length(max=200)],
                        description=_l("Your coordinator or instructor gives you this key."))


class EnrolmentKeyForm(FlaskForm):
    """An admin sets or clears the course's enrolment key."""

    key = StringField(_l("New enrolment key"), validators=[Optional(), Length(min=4, max=200)],
                      description=_l("Leave empty to let trainees enrol without a key."))
