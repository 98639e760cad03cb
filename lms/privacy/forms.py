"""Forms of the privacy pages: acknowledging the notice, downloading one's data, confirming an
anonymisation, and the date filter of the export report."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, HiddenField, SelectField
from wtforms.validators import DataRequired, Optional

from lms.core.forms import Form, options


class AcknowledgeForm(Form):
    """The "I have read it" button, with the page to go to afterwards."""

    next = HiddenField()


class DownloadForm(Form):
    """The format of a personal-data download."""

    format = SelectField(_l("Format"), validate_choice=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.format.choices = options([("json", _l("JSON (one file)")), ("csv", _l("CSV (a zip of files)"))])


class AnonymiseForm(Form):
    """The confirmation asked before an account is anonymised."""

    confirm = BooleanField(_l("I understand that this cannot be undone."),
                           validators=[DataRequired(message=_l("Tick the box to confirm."))])


class ExportLogFilter(Form):
    """Date range of the export report (sent by GET: dates are not personal data)."""

    class Meta:
        csrf = False

    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
