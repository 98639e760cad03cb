"""The account form and the people search form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length

from lms.access import assignable_roles, visible_institutions
from lms.auth.labels import ROLE_LABELS
from lms.core import when
from lms.core.forms import Form, language_choices, options
from lms.institutions.queries import institutions_in
from lms.learning.services import WITHDRAWAL_REASON_MAX


def _int_or_none(value):
    return int(value) if value not in (None, "", "None") else None


class UserForm(Form):
    """Email, name, role, institution, language and active flag; choices limited to the editor's rights."""

    email = StringField(_l("Email"), validators=[DataRequired(), Email(message=_l("Enter a valid email address.")),
                                                 Length(max=254)])
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Role"))
    institution_id = SelectField(_l("Institution"), coerce=_int_or_none)
    locale = SelectField(_l("Interface language"))
    # Checked by the service (a form posted without it keeps the person's zone).
    timezone = SelectField(_l("Time zone"), default="", validate_choice=False,
                           description=_l("Dates and times are shown in this zone, and the person's due dates end "
                                          "at midnight there."))
    active = BooleanField(_l("Active (may sign in)"), default=True)

    def __init__(self, editor, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = options((r, ROLE_LABELS[r]) for r in assignable_roles(editor))
        institutions = institutions_in(visible_institutions(editor))
        choices = [(i.id, f"{i.name} ({i.code})") for i in institutions]
        if editor.role == "admin":
            choices = [("", _l("None (instructors and admins only)"))] + choices
        self.institution_id.choices = options(choices)
        self.locale.choices = options(language_choices())
        self.timezone.choices = [("", _l("The institution's zone"))] + [(name, name) for name in when.all_zones()]


class SearchForm(Form):
    """Filters of the people list, sent by POST so that a typed name never lands in a URL (the global
    CSRF protection checks the POST; the form itself adds no token of its own)."""

    class Meta:
        csrf = False

    q = StringField(_l("Name or email"))
    role = SelectField(_l("Role"), choices=options([("", _l("Any role"))] + list(ROLE_LABELS.items())))
    status = SelectField(_l("Status"), choices=options([("", _l("Any status")),
                                                         ("active", lazy_pgettext("person status", "Active")),
                                                         ("inactive", lazy_pgettext("person status", "Inactive"))]))


class WithdrawForm(Form):
    """Withdraw an enrolment, saying why (the trainee and the audit log read the reason)."""

    reason = TextAreaField(_l("Reason for withdrawal"), validators=[
        DataRequired(message=_l("Give the reason for the withdrawal.")),
        Length(max=WITHDRAWAL_REASON_MAX, message=_l("Write the reason in at most %(max)d characters.",
                                                     max=WITHDRAWAL_REASON_MAX))])
