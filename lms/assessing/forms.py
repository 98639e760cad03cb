"""The forms of marking: a mark (outcome, score, feedback and its file, the version the page was opened on; a
rubric's levels are radio buttons the view reads, one per criterion, bounded by the rubric), the release of
held-back marks, and the runs of an assessor."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import IntegerField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from lms.assessing.marking import FEEDBACK_FILE_MB
from lms.assignments.models import MAX_FEEDBACK_TEXT
from lms.core.forms import Form, options

OUTCOME_LABELS = {"marked": _l("Marked"), "returned": _l("Return for resubmission")}


class MarkForm(Form):
    """A mark of one submission."""

    version = IntegerField(validators=[InputRequired(), NumberRange(min=0, max=2_000_000_000)],
                           widget=HiddenInput())
    outcome = RadioField(_l("Outcome"), choices=options(OUTCOME_LABELS.items()), default="marked",
                         validators=[DataRequired()])
    score = StringField(_l("Score"), validators=[Optional(), Length(max=12)])
    feedback = TextAreaField(_l("Feedback to the trainee"), validators=[Optional(), Length(max=MAX_FEEDBACK_TEXT)],
                             render_kw={"rows": 8})
    feedback_file = FileField(_l("Feedback file (optional)"),
                              description=_l("A PDF, office document or image, at most 10 MB."),
                              render_kw={"data-max-file-bytes": FEEDBACK_FILE_MB * 1024 * 1024,
                                         "data-too-large": _l("“%(name)s” is larger than %(megabytes)d MB.",
                                                              name="{name}", megabytes=FEEDBACK_FILE_MB)})


class ButtonForm(Form):
    """A button's CSRF token (release)."""

    run = IntegerField(validators=[Optional(), NumberRange(min=1, max=2_000_000_000)], widget=HiddenInput())


class MultiCheckboxField(SelectMultipleField):
    """Check boxes, one per choice."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AssessorRunsForm(Form):
    """The runs given to an assessor (none: the whole course)."""

    runs = MultiCheckboxField(_l("Runs"), coerce=int, validate_choice=True)
