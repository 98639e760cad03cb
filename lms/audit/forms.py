"""The audit log's filter form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, SelectField, StringField
from wtforms.validators import Length, Optional, Regexp

from lms.core.forms import Form, options


class AuditFilterForm(Form):
    """Filters (GET, no CSRF): an action (or a family of them), a period of days, and a person (an email or
    part of a name) with how they were involved: who acted, whom it concerned, or either."""

    class Meta:
        csrf = False

    action = SelectField(_l("Action"), validate_choice=False)
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("Until"), validators=[Optional()])
    person = StringField(_l("Person (email or name)"), validators=[Optional(), Length(max=200)])
    # An account's id, from the link on the account's page (a link carries no name or email).
    person_id = HiddenField(validators=[Optional(), Regexp(r"^[0-9]{1,9}$")])
    role = SelectField(_l("Involved as"), choices=options([("any", _l("Who acted or whom it concerned")),
                                                           ("actor", _l("Who acted")),
                                                           ("subject", _l("Whom it concerned"))]))

    def __init__(self, actions: list[str], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.action.choices = options([("", _l("All actions")), ("auth.*", _l("All sign-in events")),
                                       ("export.*", _l("All exports"))] + [(a, a) for a in actions])
