"""The form of a course run (staff)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lms.core.forms import Form
from lms.runs.services import CODE_MAX, TITLE_MAX, RunFields


class RunForm(Form):
    """A run's code, title, dates, enrolment window, capacity and who may enrol."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=CODE_MAX)],
                       description=_l("Short and unique in this course, e.g. 2027-03."))
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=TITLE_MAX)])
    starts_on = DateField(_l("Starts on"), validators=[DataRequired()])
    ends_on = DateField(_l("Ends on"), validators=[DataRequired()])
    enrol_opens_on = DateField(_l("Enrolment opens on (optional)"), validators=[Optional()])
    enrol_closes_on = DateField(_l("Enrolment closes on (optional)"), validators=[Optional()],
                                description=_l("On or before the run's end."))
    capacity = IntegerField(_l("Places (optional)"), validators=[Optional(), NumberRange(min=1, max=100000)],
                            description=_l("Empty: no limit. When the places are taken, trainees join the waiting "
                                           "list."))
    open_to_all = BooleanField(_l("Open to every institution"), default=True)
    institutions = SelectMultipleField(_l("Or only to these institutions"), coerce=int, validate_choice=True)

    def fields(self) -> RunFields:
        """What was typed, for the services."""
        return RunFields(code=self.code.data or "", title=self.title.data or "", starts_on=self.starts_on.data,
                         ends_on=self.ends_on.data, enrol_opens_on=self.enrol_opens_on.data,
                         enrol_closes_on=self.enrol_closes_on.data, capacity=self.capacity.data,
                         open_to_all=bool(self.open_to_all.data), institution_ids=tuple(self.institutions.data or ()))


class CancelRunForm(Form):
    """Cancelling a run: a button (and its CSRF token)."""


class MoveForm(Form):
    """Move a trainee into another run of the course (the page lists the runs)."""

    run = SelectField(_l("Move to"), coerce=int, validate_choice=True)


class ExtendForm(Form):
    """Give one trainee a later due date (an extension past the run's end)."""

    due_on = DateField(_l("New due date"), validators=[DataRequired(message=_l("Choose the new due date."))])
