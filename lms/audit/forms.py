"""The audit log's filter form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import Optional

from lms.core.forms import options


class AuditFilterForm(FlaskForm):
    """Filters (GET, no CSRF): an action (or a family of them) and a period of days."""

    class Meta:
        csrf = False

    action = SelectField(_l("Action"), validate_choice=False)
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("Until"), validators=[Optional()])

    def __init__(self, actions: list[str], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.action.choices = options([("", _l("All actions")), ("auth.*", _l("All sign-in events")),
                                       ("export.*", _l("All exports"))] + [(a, a) for a in actions])
