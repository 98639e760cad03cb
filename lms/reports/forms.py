"""The report filter form (sent by GET, so no CSRF token) and the drill-down sort form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import Optional, ValidationError

from lms.core.forms import options
from lms.reports import queries
from lms.reports.filters import ReportFilters


class FilterForm(FlaskForm):
    """Course, institution (admins), country (admins), enrolment and completion periods."""

    class Meta:
        csrf = False

    course = SelectField(_l("Course"), validators=[Optional()])
    institution = SelectField(_l("Institution"), validators=[Optional()])
    country = SelectField(_l("Country"), validators=[Optional()])
    enrolled_from = DateField(_l("Enrolled from"), validators=[Optional()])
    enrolled_to = DateField(_l("Enrolled until"), validators=[Optional()])
    completed_from = DateField(_l("Completed from"), validators=[Optional()])
    completed_to = DateField(_l("Completed until"), validators=[Optional()])

    def __init__(self, viewer, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.course.choices = options([("", _l("All courses"))] + [(c.slug, c.title) for c in queries.course_choices()])
        self.institution.choices = options([("", _l("All institutions"))] + [
            (i.code, f"{i.name} ({i.code})") for i in queries.institution_choices(viewer)])
        self.country.choices = options([("", _l("All countries"))] + [(c, c) for c in queries.country_choices(viewer)])

    def validate_enrolled_to(self, field):
        if field.data and self.enrolled_from.data and field.data < self.enrolled_from.data:
            raise ValidationError(_l("The end of a period cannot come before its start."))

    def validate_completed_to(self, field):
        if field.data and self.completed_from.data and field.data < self.completed_from.data:
            raise ValidationError(_l("The end of a period cannot come before its start."))

    def filters(self) -> ReportFilters:
        """The valid filters (a field with an error is left out)."""
        values = {}
        for name in ("course", "institution", "country", "enrolled_from", "enrolled_to", "completed_from",
                     "completed_to"):
            field = getattr(self, name)
            if field.data and not field.errors:
                values[name] = field.data
        return ReportFilters(**values)
