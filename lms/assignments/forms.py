"""The forms of assignments: the editor's settings (with the rubric as text), the trainee's extension given by
staff, and what a rubric's refusal says (naming its line)."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from lms.assignments import rubrics
from lms.assignments.models import MAX_FILE_MB, MAX_FILES, MAX_RESUBMISSIONS
from lms.core.forms import Form, markdown_bounds, options
from lms.core.markdown.limits import MAX_TEXT
from lms.core.uploads import KINDS

RUBRIC_MESSAGES = {
    "too_long": lambda p: _("The rubric is longer than %(maximum)d characters.", maximum=p["maximum"]),
    "no_criteria": lambda p: _("The rubric has no criteria."),
    "too_many_criteria": lambda p: _("A rubric has at most %(maximum)d criteria.", maximum=p["maximum"]),
    "too_many_levels": lambda p: _("A criterion has at most %(maximum)d levels.", maximum=p["maximum"]),
    "no_levels": lambda p: _("This criterion has no levels: give each one, on its own line, starting with its "
                             "points (\u201c4 | Every risk named\u201d)."),
    "title_missing": lambda p: _("The title is missing."),
    "title_too_long": lambda p: _("The title is longer than %(maximum)d characters.", maximum=rubrics.MAX_TITLE),
    "description_too_long": lambda p: _("The description is longer than %(maximum)d characters.",
                                        maximum=rubrics.MAX_DESCRIPTION),
    "points_invalid": lambda p: _("The points must be a number from 0 to 1000, with at most two decimals."),
    "level_before_criterion": lambda p: _("A level comes before any criterion: start with the criterion's title."),
    "level_missing": lambda p: _("Choose a level for every criterion."),
    "level_unknown": lambda p: _("Choose one of the criterion's levels."),
}


def rubric_message(exc: rubrics.RubricError) -> str:
    """A rubric's refusal as the editor shows it: the line it is on (or the criterion), and what is wrong."""
    text = RUBRIC_MESSAGES[exc.code](exc.params)
    if "line" in exc.params:
        return _("Line %(line)d: %(problem)s", line=exc.params["line"], problem=text)
    if "criterion" in exc.params:
        return _("Criterion %(number)d: %(problem)s", number=exc.params["criterion"], problem=text)
    return text


def _rubric(form, field) -> None:
    try:
        field.parsed = rubrics.parse_text(field.data or "")
    except rubrics.RubricError as exc:
        field.parsed = None
        raise ValidationError(rubric_message(exc)) from None


class AssignmentForm(Form):
    """Every setting of an assignment, its rubric as text, and its due date."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    instructions = TextAreaField(_l("Instructions (Markdown)"), validators=[Length(max=MAX_TEXT), markdown_bounds],
                                 render_kw={"rows": 10})
    accepts = SelectField(_l("What trainees hand in"), choices=options([
        ("both", _l("A text, files, or both")), ("text", _l("A text written on the page")), ("files", _l("Files"))]))
    file_kinds = SelectMultipleField(_l("Kinds of file accepted"), choices=options((k, k) for k in KINDS),
                                     validate_choice=True, default=["pdf", "docx", "odt", "xlsx", "ods", "pptx", "jpg",
                                                                     "png"],
                                     description=_l("Checked by each file's content, not its name. Archives (zip, 7z) "
                                                    "are kept as they are, never unpacked."))
    max_file_mb = IntegerField(_l("Largest file (MB)"), default=10, validators=[DataRequired(),
                                                                                NumberRange(1, MAX_FILE_MB)])
    max_files = IntegerField(_l("Files per submission"), default=3, validators=[DataRequired(),
                                                                                NumberRange(1, MAX_FILES)])
    due_on = DateField(_l("Due date (optional)"), validators=[Optional()],
                       description=_l("Empty: the end of the trainee's run, else their enrolment's due date."))
    late_allowed = BooleanField(_l("Accept work handed in after the due date (marked late)"), default=True)
    resubmissions = IntegerField(_l("Resubmissions allowed after a return"), default=1,
                                 validators=[NumberRange(0, MAX_RESUBMISSIONS)])
    max_score = IntegerField(_l("Maximum score"), default=100, validators=[DataRequired(), NumberRange(1, 1000)],
                             description=_l("Without a rubric; with one, its highest total is the maximum."))
    pass_mark = IntegerField(_l("Pass mark (%)"), default=50, validators=[NumberRange(0, 100)])
    hide_names = BooleanField(_l("Hide trainees' names while marking"))
    hold_marks = BooleanField(_l("Hold marks back until they are released together"))
    rubric = TextAreaField(_l("Rubric (optional)"), validators=[_rubric], render_kw={"rows": 10},
                           description=_l("One criterion per line (\u201cTitle | description\u201d), each followed "
                                          "by its levels, one per line starting with the points "
                                          "(\u201c4 | Every main risk named\u201d). Empty: marked with a score."))
    remark = StringField()  # the answer of the confirmation step: "yes" or "no" (empty: not asked yet)

    def settings(self) -> dict:
        """What was typed, for the services."""
        return {"title": self.title.data.strip(), "instructions": self.instructions.data or "",
                "accepts": self.accepts.data, "file_kinds": ",".join(self.file_kinds.data or []) or "pdf",
                "max_file_mb": self.max_file_mb.data, "max_files": self.max_files.data, "due_on": self.due_on.data,
                "late_allowed": bool(self.late_allowed.data), "resubmissions": self.resubmissions.data or 0,
                "max_score": self.max_score.data, "pass_mark": self.pass_mark.data or 0,
                "hide_names": bool(self.hide_names.data), "hold_marks": bool(self.hold_marks.data)}

    def parsed_rubric(self) -> list | None:
        """The rubric the text box holds (None: none), once validated."""
        return getattr(self.rubric, "parsed", None)


class ExtensionForm(Form):
    """A later due date for one trainee, with the reason."""

    enrolment = SelectField(_l("Trainee"), coerce=int, validate_choice=True)
    due_on = DateField(_l("New due date"), validators=[DataRequired(message=_l("Choose the new due date."))])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])


class RemoveExtensionForm(Form):
    """Taking an extension back: a button (and its CSRF token)."""
