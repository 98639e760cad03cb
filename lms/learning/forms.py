"""Forms of the learning pages: enrolling (oneself, with a key; a trainee, by staff), the enrolment key,
feedback, revoking a certificate."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, PasswordField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lms.core.forms import Form, options


class FeedbackForm(Form):
    """A rating from 1 to 5 and an optional comment."""

    rating = RadioField(_l("How useful was this course for your work?"), coerce=int,
                        choices=options([(5, _l("5 - very useful")), (4, "4"), (3, "3"), (2, "2"),
                                         (1, _l("1 - not useful"))]),
                        validators=[DataRequired(message=_l("Choose a rating."))])
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=2000)],
                            description=_l("What should be kept, changed or added?"))


class EnrolTraineeForm(Form):
    """Enrol a trainee in a course, with an optional due date."""

    # A course code, or a course code, "@" and the id of one of its runs (the page lists what may be chosen).
    course = SelectField(_l("Course or run"), validators=[DataRequired()])
    due = DateField(_l("Due date (optional)"), validators=[Optional()])


class RevokeForm(Form):
    """Revoke a certificate, saying why."""

    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=1000)])


class EnrolForm(Form):
    """Self-enrolment, with the key when the course has one."""

    key = PasswordField(_l("Enrolment key"), validators=[Optional(), Length(max=200)],
                        description=_l("Your coordinator or instructor gives you this key."))
    # The run chosen, when the course has runs (the page lists them; the view checks the choice).
    run = IntegerField(validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])


class EnrolmentKeyForm(Form):
    """An admin sets or clears the course's enrolment key."""

    key = StringField(_l("New enrolment key"), validators=[Optional(), Length(min=4, max=200)],
                      description=_l("Leave empty to let trainees enrol without a key."))


class VersionForm(Form):
    """The language version a trainee keeps for a course (the choices are the course's: checked by the view)."""

    language = StringField(_l("Read this course in"), validators=[DataRequired(), Length(max=16)])
