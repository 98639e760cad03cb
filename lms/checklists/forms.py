"""The forms of practical assessments: the editor's settings and criteria, the sign-off and the release."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, DateField, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from lms.checklists.services import EVIDENCE_MAX_BYTES, EVIDENCE_MAX_FILES, MAX_PLACE
from lms.core.forms import Form, markdown_bounds
from lms.core.markdown.limits import MAX_TEXT
from lms.practicals.models import MAX_COMMENT, MAX_CRITERION_TEXT


class PracticalForm(Form):
    """A practical's title, instructions, pass mark and whether its records are held back."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    instructions = TextAreaField(_l("Instructions"), validators=[Length(max=MAX_TEXT), markdown_bounds],
                                 render_kw={"rows": 10},
                                 description=_l("For the trainee and the assessor: the task, the equipment, the "
                                                "conditions (Markdown)."))
    pass_mark = IntegerField(_l("Pass mark (%)"), default=100, validators=[InputRequired(), NumberRange(0, 100)],
                             description=_l("The share of the criteria that must be met, besides every critical "
                                            "one. Not observed counts as not met."))
    hold_marks = BooleanField(_l("Hold records back until released"),
                              description=_l("Trainees see their outcome only when the course's editors release "
                                             "the records."))

    def settings(self) -> dict:
        return {"title": self.title.data.strip(), "instructions": self.instructions.data or "",
                "pass_mark": self.pass_mark.data, "hold_marks": bool(self.hold_marks.data)}


class CriterionForm(Form):
    """One criterion of the checklist: what the assessor observes, and whether it must be met to pass."""

    text = TextAreaField(_l("Criterion"), validators=[DataRequired(), Length(max=MAX_CRITERION_TEXT)],
                         render_kw={"rows": 2, "maxlength": MAX_CRITERION_TEXT})
    critical = BooleanField(_l("Critical: must be met to pass"))


class SignOffForm(Form):
    """The parts of a sign-off besides each criterion's result and comment (read from `result-<id>` and
    `comment-<id>` by the view, one radio group per criterion)."""

    assessed_on = DateField(_l("Date of the assessment"),
                            validators=[InputRequired(message=_l("Enter a date as YYYY-MM-DD."))],
                            description=_l("The day you observed the trainee (not in the future)."))
    place = StringField(_l("Place"), validators=[Length(max=MAX_PLACE)],
                        description=_l("Where the assessment took place."))
    comment = TextAreaField(_l("Overall comment"), validators=[Length(max=MAX_COMMENT)],
                            render_kw={"rows": 3, "maxlength": MAX_COMMENT})
    evidence = MultipleFileField(_l("Evidence files (optional)"),
                                 description=_l("Photos (JPEG, PNG, WebP) or PDF scans, at most %(megabytes)d MB each "
                                                "and %(count)d files.", megabytes=EVIDENCE_MAX_BYTES // (1024 * 1024),
                                                count=EVIDENCE_MAX_FILES),
                                 render_kw={"data-max-file-bytes": EVIDENCE_MAX_BYTES,
                                            "data-too-large": _l("“%(name)s” is larger than %(megabytes)d MB.",
                                                                 name="{name}",
                                                                 megabytes=EVIDENCE_MAX_BYTES // (1024 * 1024))})
    from_paper = HiddenField()


class ReleaseForm(Form):
    """Release the held-back records (of the run chosen in the list)."""

    run = HiddenField()
