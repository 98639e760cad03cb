"""The upload form of bulk enrolment and the confirmation form that carries the file back."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, SelectField
from wtforms.validators import DataRequired, Optional

from lms.access import visible_institutions
from lms.core.forms import Form, options
from lms.institutions.queries import institutions_by_code


class UploadForm(Form):
    """The CSV file, the institution (admins choose; coordinators have theirs) and a default due date."""

    file = FileField(_l("CSV file"), validators=[FileRequired(message=_l("Choose a CSV file."))],
                     description=_l("Columns: email, name, courses (course codes separated by spaces), and "
                                    "optionally due (YYYY-MM-DD) and run (the code of a run, for courses with "
                                    "runs). The first row names the columns."))
    institution = SelectField(_l("Institution"), validators=[DataRequired()])
    due = DateField(_l("Default due date (optional)"), validators=[Optional()],
                    description=_l("Used for the lines without a due date of their own."))

    def __init__(self, viewer, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.institution.choices = options((i.code, f"{i.name} ({i.code})") for i in institutions_by_code(visible_institutions(viewer)))
        if viewer.role == "coordinator" and viewer.institution is not None and not self.is_submitted():
            self.institution.data = viewer.institution.code


class ConfirmForm(Form):
    """The previewed file (base64), its institution, default due date and the plan's fingerprint."""

    content = HiddenField(validators=[DataRequired()])
    institution = HiddenField(validators=[DataRequired()])
    due = HiddenField()
    digest = HiddenField(validators=[DataRequired()])
