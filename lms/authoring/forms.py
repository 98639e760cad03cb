"""Authoring forms: course settings, module, lesson and its images, quiz, question, staff, GIFT, package upload,
language versions."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms import (
    BooleanField, DateField, DecimalField, FloatField, HiddenField, IntegerField, SelectField, StringField, TextAreaField,
)
from wtforms.validators import (
    DataRequired, Length, NumberRange, Optional, Regexp, StopValidation, ValidationError,
)

from lms.authoring import gift
from lms.core.forms import Form, markdown_bounds, options
from lms.core.images import MAX_BYTES
from lms.core.markdown.limits import MAX_TEXT
from lms.languages.models import LANGUAGE_RE as LANGUAGE_TAG
from lms.languages.models import MAX_CREDIT, MAX_TAG
from lms.languages.services import normal_tag
from lms.packages.reader import MAX_TOPIC
from lms.quizzes.models import MAX_QUESTION_TEXT

MAX_CHOICES = 8
# The most choice rows one save reads (a bound on the form's input; GIFT imports at most 50 answers).
CHOICE_ROWS_READ = 200
LANGUAGE_RE = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"


def short_topics(form, field) -> None:
    """Each topic of a comma-separated list fits the catalogue's filter, as publishing requires."""
    if any(len(topic.strip()) > MAX_TOPIC for topic in (field.data or "").split(",")):
        raise ValidationError(_("Each topic is at most %(n)d characters long.", n=MAX_TOPIC))


class NewCourseForm(Form):
    """What a new course needs: every setting publishing requires that has no sensible default (the
    version starts at 1, the rules at their usual values; the course settings change them)."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(_l("Summary"), validators=[DataRequired(), Length(max=2000)])
    language = StringField(_l("Language"), default="en", validators=[
        DataRequired(), Regexp(LANGUAGE_RE, message=_l("Use a language tag such as en or uk."))])
    outcomes = TextAreaField(_l("Learning outcomes"), validators=[DataRequired(), Length(max=4000)],
                             description=_l("One per line: what a trainee can do after the course."))
    estimated_hours = DecimalField(_l("Estimated hours"), places=1, validators=[DataRequired(), NumberRange(0.1, 999)])

    def outcome_lines(self) -> list[str]:
        """The outcomes typed, one per non-empty line."""
        return [line.strip() for line in (self.outcomes.data or "").splitlines() if line.strip()]


class CourseForm(NewCourseForm):
    """All course settings."""

    topics = StringField(_l("Topics"), validators=[Optional(), Length(max=400), short_topics],
                         description=_l("Separated by commas."))
    version = IntegerField(_l("Version"), validators=[DataRequired(), NumberRange(1, 100000)])
    self_enrolment = BooleanField(_l("Trainees may enrol themselves"))
    certificate_validity_months = IntegerField(_l("Certificate valid for (months)"),
                                               validators=[Optional(), NumberRange(1, 600)],
                                               description=_l("Leave empty if certificates never expire."))
    completion_lessons = SelectField(_l("Lessons needed to complete"), choices=options(
        [("all", _l("Every lesson viewed")), ("none", _l("None"))]))
    completion_quizzes = SelectField(_l("Quizzes needed to complete"), choices=options(
        [("all", _l("Every quiz passed")), ("final", _l("The final assessment passed")), ("none", _l("None"))]))
    completion_attendance = SelectField(_l("Sessions attended to complete"), choices=options(
        [("none", _l("None")), ("all", _l("Every session of the trainee's run")),
         ("at_least", _l("At least a number of sessions")), ("named", _l("The named sessions"))]),
        description=_l("Attended: marked present or late in the register."))
    completion_attendance_min = IntegerField(_l("Number of sessions (for \"at least\")"),
                                             validators=[Optional(), NumberRange(1, 1000)])
    completion_assignments = SelectField(_l("Assignments needed to complete"), choices=options(
        [("all", _l("Every assignment passed (a released mark)")), ("none", _l("None"))]))
    completion_practicals = SelectField(_l("Practical assessments needed to complete"), choices=options(
        [("all", _l("Every practical assessment passed (a released record)")), ("none", _l("None"))]))
    grading_rule = SelectField(_l("Gradebook total"), choices=options(
        [("mean", _l("The mean of the items' percentages")), ("item_weights", _l("A weighted mean: a weight per item")),
         ("module_weights", _l("A weighted mean of the modules' means"))]),
        description=_l("The weights are set on the gradebook's settings page."))
    certificate_states_hours = BooleanField(_l("Certificates state the hours of sessions attended"))
    sign_up_cutoff_hours = IntegerField(_l("Sign-ups for sessions close this many hours before they start"),
                                        default=24, validators=[Optional(), NumberRange(0, 1440)])

    def validate_completion_attendance(self, field) -> None:
        """"At least" needs its number (checked here: an empty number stops its own field's validators)."""
        if field.data == "at_least" and not self.completion_attendance_min.data:
            raise ValidationError(_l("Give the number of sessions a trainee must attend."))


class TitleForm(Form):
    """A module's title."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])


class LessonForm(Form):
    """A lesson: title, reading time and Markdown text."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    minutes = IntegerField(_l("Reading time (minutes)"), default=10, validators=[DataRequired(), NumberRange(1, 600)])
    body = TextAreaField(_l("Text (Markdown)"), validators=[DataRequired(), Length(max=MAX_TEXT), markdown_bounds],
                         render_kw={"rows": 22},
                         description=_l("Headings start with ##; lists with -; tables with |. Use Preview to check."))


class ImageForm(Form):
    """An image for a lesson, uploaded from the lesson editor: the file and its alternative text.

    Its fields sit in the lesson's own form (one plain post, no JavaScript needed); `insert_at` is the
    cursor's place in the text when a script records it. The fields are checked only for an upload, by
    the methods below rather than by required-validators: those would mark the fields required for
    saving the lesson too.
    """

    image = FileField(_l("Image file"), render_kw={"accept": "image/png,image/jpeg,image/webp"},
                      description=_l("PNG, JPEG or WebP, at most %(mb)d MB. Large images are made smaller for slow "
                                     "connections.", mb=MAX_BYTES // (1024 * 1024)))
    alt = StringField(_l("Alternative text"), validators=[Length(max=300)],
                      description=_l("What the image shows, for trainees who cannot see it."))
    insert_at = HiddenField()

    def validate_image(self, field) -> None:
        if not (isinstance(field.data, FileStorage) and field.data.filename):
            raise StopValidation(_l("Choose an image file."))

    def validate_alt(self, field) -> None:
        if not (field.data or "").strip():
            raise StopValidation(_l("Describe the image for trainees who cannot see it."))

    def position(self) -> int | None:
        """Where to insert the image in the text, if the page's script said (a whole number), else None."""
        value = (self.insert_at.data or "").strip()
        return int(value) if value.isdigit() and len(value) < 9 else None


class QuizForm(Form):
    """Every setting of the quiz engine."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    is_final = BooleanField(_l("This is the course's final assessment"))
    pass_mark = IntegerField(_l("Pass mark (%)"), default=70, validators=[DataRequired(), NumberRange(0, 100)])
    attempts_allowed = IntegerField(_l("Attempts allowed"), default=0, validators=[NumberRange(0, 100)],
                                    description=_l("0 for unlimited."))
    time_limit_minutes = IntegerField(_l("Time limit (minutes)"), validators=[Optional(), NumberRange(1, 1440)],
                                      description=_l("Leave empty for no limit."))
    draw_count = IntegerField(_l("Questions drawn per attempt"), validators=[Optional(), NumberRange(1, 1000)],
                              description=_l("Leave empty to use the whole bank."))
    shuffle_questions = BooleanField(_l("Shuffle the questions"), default=True)
    shuffle_choices = BooleanField(_l("Shuffle the choices"), default=True)
    layout = SelectField(_l("Layout"), choices=options([("all", _l("All questions on one page")),
                                                         ("single", _l("One question per page"))]))
    review = SelectField(_l("Show right answers and explanations"), choices=options([
        ("after_submit", _l("After each attempt")), ("after_pass", _l("Once the trainee has passed")),
        ("after_last_attempt", _l("Once passed or out of attempts")), ("never", _l("Never"))]))
    accept_late_answers = BooleanField(
        _l("Accept answers received late after an outage automatically"), default=False,
        description=_l("For practice quizzes. Answers saved on the trainee's device before the deadline but received "
                       "after it count at once, by the device's clock. Otherwise they wait for you to accept them."))

    def validate_accept_late_answers(self, field) -> None:
        if field.data and self.is_final.data:
            raise ValidationError(_l("The final assessment's late answers always wait for you: accept or reject "
                                     "each one."))

    def settings(self) -> dict:
        return {"title": self.title.data, "is_final": self.is_final.data, "pass_mark": self.pass_mark.data,
                "attempts_allowed": self.attempts_allowed.data or 0, "time_limit_minutes": self.time_limit_minutes.data,
                "draw_count": self.draw_count.data, "shuffle_questions": self.shuffle_questions.data,
                "shuffle_choices": self.shuffle_choices.data, "layout": self.layout.data, "review": self.review.data,
                "accept_late_answers": bool(self.accept_late_answers.data)}


class QuestionForm(Form):
    """A question of any kind; the fields used depend on the kind."""

    text = TextAreaField(_l("Question (Markdown)"), validators=[DataRequired(), Length(max=MAX_QUESTION_TEXT),
                                                                markdown_bounds], render_kw={"rows": 4})
    points = DecimalField(_l("Points"), default=1, places=2, validators=[DataRequired(), NumberRange(0.01, 1000)])
    explanation = TextAreaField(_l("Explanation shown in review"), validators=[DataRequired(),
                                                                               Length(max=MAX_QUESTION_TEXT),
                                                                               markdown_bounds],
                                render_kw={"rows": 3})
    true_false_answer = SelectField(_l("The statement is"), validate_choice=False,
                                    choices=options([("true", _l("True")), ("false", _l("False"))]))
    accepted = TextAreaField(_l("Accepted answers"), validators=[Optional(), Length(max=4000)],
                             description=_l("One per line; compared ignoring case and extra spaces."))
    numeric_answer = FloatField(_l("Right value"), validators=[Optional()])
    tolerance = FloatField(_l("Tolerance (±)"), default=0, validators=[Optional(), NumberRange(0)])


def choice_fields(form_data, question=None) -> list[tuple[str, bool]]:
    """The (text, correct) pairs typed in the choice rows; empty rows are skipped. The editor shows at least
    MAX_CHOICES rows, and one per stored choice where a question (imported from GIFT or a package) has more:
    every row sent is read, up to CHOICE_ROWS_READ, so that saving such a question keeps all its choices."""
    pairs = []
    for i in range(1, CHOICE_ROWS_READ + 1):
        if i > MAX_CHOICES and f"choice-{i}" not in form_data:
            break
        text = (form_data.get(f"choice-{i}") or "").strip()
        if text:
            pairs.append((text, form_data.get(f"correct-{i}") == "y"))
    return pairs


class StaffForm(Form):
    """Add an instructor to the staff."""

    user_id = SelectField(_l("Instructor"), coerce=int)
    role = SelectField(_l("Role"), choices=options([("instructor", _l("Instructor (edits content)")),
                                                     ("owner", _l("Owner (also manages staff)")),
                                                     ("assessor", _l("Assessor (marks assessed work only)"))]))


class LateFileForm(Form):
    """Upload a trainee's "Download my answers" file to the quiz's queue of late answers."""

    file = FileField(_l("File of answers (.json)"), validators=[DataRequired()],
                     render_kw={"accept": "application/json,.json"})


class DecideForm(Form):
    """Accept or reject answers received late (the buttons name the decision)."""


class GiftForm(Form):
    """GIFT text pasted or uploaded."""

    text = TextAreaField(_l("GIFT text"), validators=[Optional(), Length(max=gift.MAX_CHARS)], render_kw={"rows": 14})
    file = FileField(_l("…or a .gift / .txt file"))


class UploadForm(Form):
    """A course package as a zip."""

    file = FileField(_l("Course package (.zip)"), validators=[DataRequired()])


class AvailabilityForm(Form):
    """When a lesson or quiz opens: the items it waits for are checkboxes the page lists (read by
    `rules_from_form`); the courses, the date and the days after the run's start are fields."""

    courses = StringField(_l("After these courses are completed (optional)"),
                          validators=[Optional(), Length(max=2000)],
                          description=_l("The short names of the courses (as in their addresses), separated by "
                                         "commas. Any completed enrolment of the trainee counts."))
    when = SelectField(_l("Opens"), choices=options([("none", _l("With the conditions above only")),
                                                     ("date", _l("From a date")),
                                                     ("days", _l("A number of days after the run's start"))]),
                       default="none")
    opens_on = DateField(_l("Date"), validators=[Optional()],
                         description=_l("A calendar date in each trainee's time zone."))
    days_after_start = IntegerField(_l("Days after the run's start"), validators=[Optional(), NumberRange(0, 3650)],
                                    description=_l("For trainees in no run this does not apply."))


class VersionCreditForm(Form):
    """Who translated a language version and how: shown to trainees with the version (and written into its
    package as `translation:`). The languages it may be translated from are set by the page."""

    translated_from = SelectField(_l("Translated from"))
    translated_by = StringField(_l("Translated by"), validators=[Optional(), Length(max=MAX_CREDIT)],
                                description=_l("A person, a team or a department. Needed to publish the version."))
    reviewed = BooleanField(_l("Reviewed by a trainer whose language it is"))
    note = TextAreaField(_l("Note on the translation (optional)"), validators=[Optional(), Length(max=MAX_CREDIT)],
                         render_kw={"rows": 3},
                         description=_l("How it was translated, and what is still to be checked."))


class NewVersionForm(VersionCreditForm):
    """A new language version: one of the interface's languages from the list, or any language's tag typed."""

    language = SelectField(_l("Language"), validate_choice=False)
    other = StringField(_l("Another language"), validators=[Optional(), Length(max=MAX_TAG)],
                        description=_l("When the language is not in the list: its tag, such as de, fr or pt-BR."))

    def chosen(self) -> str:
        """The language asked for: the tag typed, else the one chosen in the list."""
        return (self.other.data or "").strip() or (self.language.data or "")

    def validate_language(self, field) -> None:
        if not (field.data or "").strip() and not (self.other.data or "").strip():
            raise ValidationError(_l("Choose a language from the list, or type its tag."))
        if (field.data or "").strip() and (self.other.data or "").strip() and \
                normal_tag(self.other.data) != field.data:
            raise ValidationError(_l("Choose one language: from the list, or typed, not both."))

    def validate_other(self, field) -> None:
        tag = normal_tag(field.data or "")
        if tag and not LANGUAGE_TAG.match(tag):
            raise ValidationError(_l("Use a language tag such as de, fr or pt-BR."))
