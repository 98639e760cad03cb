"""The form of a completion recorded by hand, and the upload and confirmation forms of a file of them."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from lms.catalog.queries import courses_beyond_draft
from lms.core.forms import Form, options
from lms.recorded.evidence import MAX_BYTES
from lms.recorded.models import REASON_MAX


class RecordForm(Form):
    """Course, day, hours, reason, an evidence file and (admins) whether to issue a certificate. The rules are
    the service's (lms.recorded.services); the fields only bound what is read."""

    course = SelectField(_l("Course"), validators=[DataRequired()])
    completed_on = DateField(_l("Completed on"), validators=[InputRequired(message=_l("Enter a date as YYYY-MM-DD."))],
                             description=_l("The day the training was completed (not in the future)."))
    hours = StringField(_l("Hours (optional)"), validators=[Optional(), Length(max=12)],
                        description=_l("Hours of training, more than 0 and at most 1000, such as 16 or 7.5."))
    reason = TextAreaField(_l("Reason"), validators=[Length(max=REASON_MAX)], render_kw={"rows": 3, "maxlength": REASON_MAX},
                           description=_l("Where and how the training was done, and what proves it (a paper "
                                          "register, an earlier platform)."))
    evidence = FileField(_l("Evidence file (optional)"),
                         description=_l("A PDF, JPEG or PNG file of at most %(megabytes)d MB.",
                                        megabytes=MAX_BYTES // (1024 * 1024)),
                         render_kw={"data-max-file-bytes": MAX_BYTES,
                                    "data-too-large": _l("“%(name)s” is larger than %(megabytes)d MB.", name="{name}",
                                                         megabytes=MAX_BYTES // (1024 * 1024))})
    certificate = BooleanField(_l("Issue a certificate"),
                               description=_l("Only when the training elsewhere is worth this course's certificate."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.course.choices = options([("", _l("Choose a course"))] + [(c.slug, c.title) for c in courses_beyond_draft()])


class ImportForm(Form):
    """The CSV file of completions."""

    file = FileField(_l("CSV file"), validators=[FileRequired(message=_l("Choose a CSV file."))],
                     description=_l("Columns: email, course (the course code), completed_on (YYYY-MM-DD), hours "
                                    "(optional) and reason. The first row names the columns."))


class ConfirmForm(Form):
    """The previewed file (base64) and the plan's fingerprint."""

    content = HiddenField(validators=[DataRequired()])
    digest = HiddenField(validators=[DataRequired()])
