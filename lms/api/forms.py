"""Forms of the API token page."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from lms.core.forms import Form, options


class TokenForm(Form):
    """A new token: a name saying what it is for, and how long it lasts."""

    name = StringField(lazy_pgettext("name of a thing", "Name"), validators=[DataRequired(), Length(max=100)],
                       description=_l("What the token is for, e.g. \"ministry statistics script\"."))
    expires = SelectField(_l("Expires"), coerce=int, default=90,
                          choices=options([(30, _l("in 30 days")), (90, _l("in 90 days")), (365, _l("in a year")),
                                           (0, _l("never"))]))


class RevokeTokenForm(Form):
    """Revoke a token (a button; CSRF protected)."""
