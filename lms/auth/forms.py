"""Sign-in, set-password and profile forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from lms.core import when
from lms.core.forms import Form, language_choices, options


def zone_choices(person) -> list[tuple[str, str]]:
    """A person's choice of zone: first "follow my institution's" (stored as NULL), then every zone."""
    theirs = when.person_zone(None, getattr(person, "institution", None))
    label = (_l("My institution's zone (%(zone)s)", zone=when.zone_label(theirs, separator=", "))
             if getattr(person, "institution", None) is not None
             else _l("The platform's zone (%(zone)s)", zone=when.zone_label(theirs, separator=", ")))
    return [("", label)] + [(name, name) for name in when.all_zones()]


class LoginForm(Form):
    """Email and password."""

    email = StringField(_l("Email"), validators=[DataRequired(), Length(max=254)],
                        render_kw={"autocomplete": "username", "inputmode": "email"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me signed in on this device"))


class ForgotPasswordForm(Form):
    """The address of the account whose password is forgotten."""

    email = StringField(_l("Email"), validators=[DataRequired(), Length(max=254)],
                        render_kw={"autocomplete": "username", "inputmode": "email"})


class SetPasswordForm(Form):
    """A new password, typed twice."""

    password = PasswordField(_l("New password"), validators=[DataRequired()],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
                            render_kw={"autocomplete": "new-password"})


class ChangePasswordForm(SetPasswordForm):
    """The current password, then a new one twice."""

    current = PasswordField(_l("Current password"), validators=[DataRequired()],
                            render_kw={"autocomplete": "current-password"})


class ProfileForm(Form):
    """Name and interface language."""

    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)],
                       render_kw={"autocomplete": "name"})
    locale = SelectField(_l("Interface language"), validate_choice=True)
    timezone = SelectField(_l("Time zone"), validate_choice=True,
                           description=_l("Dates and times are shown in this zone, and your due dates end at "
                                          "midnight there."))
    low_data_mode = BooleanField(_l("Low-data mode"),
                                 description=_l("Images are not loaded: each is shown as its description, with a link "
                                                "that opens it. For slow or costly connections."))

    def __init__(self, *args, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.locale.choices = options(language_choices())
        self.timezone.choices = zone_choices(person)
