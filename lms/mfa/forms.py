"""The forms of second factors: a code at sign-in, enrolling an app or a passkey, confirming with the password."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from lms.core.forms import Form
from lms.mfa.services import NAME_MAX


class CodeForm(Form):
    """The six digits of the authenticator app."""

    code = StringField(_l("Code from your authenticator app"), validators=[DataRequired(), Length(max=32)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric",
                                  "size": 10})


class RecoveryForm(Form):
    """One of the ten recovery codes."""

    recovery_code = StringField(_l("Recovery code"), validators=[DataRequired(), Length(max=64)],
                                render_kw={"autocomplete": "off", "spellcheck": "false", "size": 14},
                                description=_l("Each recovery code works once, like xxxxx-xxxxx."))


class PasskeyAnswerForm(Form):
    """The browser's answer to a passkey ceremony, filled in by the page's script."""

    credential = HiddenField(validators=[DataRequired(), Length(max=64 * 1024)])


class AppForm(Form):
    """Enrol an authenticator app: a name for it and its first code."""

    name = StringField(_l("Name (optional)"), validators=[Length(max=NAME_MAX)],
                       description=_l("So you can tell your factors apart, for example \"Work phone\"."))
    code = StringField(_l("The six-digit code the app shows now"), validators=[DataRequired(), Length(max=32)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 10})


class PasskeyForm(PasskeyAnswerForm):
    """Enrol a passkey: a name for it, and the browser's answer."""

    name = StringField(_l("Name of the passkey (optional)"), validators=[Length(max=NAME_MAX)],
                       description=_l("For example \"Office security key\" or \"Laptop\"."))


class ConfirmForm(Form):
    """The password again, before a change that weakens or replaces a second factor."""

    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
