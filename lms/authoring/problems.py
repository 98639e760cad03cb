"""The package check's problems in an author's terms, for the authoring pages.

The check (`lms.packages.reader`) records each problem as facts: the object it is about (`subject` and
its `slug`), the field (its package key), a `code` naming the rule and the `details` the wording needs.
`lms courses check` prints them as package authors read them (file, line, message). The authoring
pages say them here, in the interface language: which course setting, module, lesson, quiz or question,
which field as its editor page labels it, what is wrong, and a link to that page at that field. One
check, two renderings; nothing here reads the package's message.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from lms.authoring.queries import ItemName
from lms.core.markdown.limits import Excess, problem
from lms.packages.spec import Problem

# The editor's fields per object, by package key: (id of the field on its page, its label there).
FIELDS = {
    "course": {
        "title": ("title", _l("Title")), "summary": ("summary", _l("Summary")),
        "language": ("language", _l("Language")), "topics": ("topics", _l("Topics")),
        "outcomes": ("outcomes", _l("Learning outcomes")), "estimated_hours": ("estimated_hours", _l("Estimated hours")),
        "version": ("version", _l("Version")), "self_enrolment": ("self_enrolment", _l("Trainees may enrol themselves")),
        "certificate_validity_months": ("certificate_validity_months", _l("Certificate valid for (months)")),
        "completion.lessons": ("completion_lessons", _l("Lessons needed to complete")),
        "completion.quizzes": ("completion_quizzes", _l("Quizzes needed to complete")),
        "completion.assignments": ("completion_assignments", _l("Assignments needed to complete")),
        "completion.practicals": ("completion_practicals", _l("Practical assessments needed to complete")),
        "grading": ("grading_rule", _l("Gradebook total")),
    },
    "module": {"title": ("title", _l("Title"))},
    "lesson": {"title": ("title", _l("Title")), "minutes": ("minutes", _l("Reading time (minutes)")),
               "body": ("body", _l("Text (Markdown)"))},
    "quiz": {
        "title": ("title", _l("Title")), "final": ("is_final", _l("This is the course's final assessment")),
        "pass_mark": ("pass_mark", _l("Pass mark (%)")), "attempts": ("attempts_allowed", _l("Attempts allowed")),
        "time_limit": ("time_limit_minutes", _l("Time limit (minutes)")),
        "draw": ("draw_count", _l("Questions drawn per attempt")),
        "shuffle_questions": ("shuffle_questions", _l("Shuffle the questions")),
        "shuffle_choices": ("shuffle_choices", _l("Shuffle the choices")), "layout": ("layout", _l("Layout")),
        "review": ("review", _l("Show right answers and explanations")),
        "accept_late_answers": ("accept_late_answers", _l("Accept answers received late after an outage automatically")),
        "questions": ("bank-heading", _l("Question bank")),
    },
    "question": {
        "text": ("text", _l("Question (Markdown)")), "explanation": ("explanation", _l("Explanation shown in review")),
        "points": ("points", _l("Points")), "choices": ("choices", _l("Choices (tick the right ones)")),
        "accepted": ("accepted", _l("Accepted answers")), "tolerance": ("tolerance", _l("Tolerance (±)")),
    },
}
# A question's "answer" is a different field per kind.
ANSWER_FIELDS = {"true_false": ("true_false_answer", _l("The statement is")),
                 "numeric": ("numeric_answer", _l("Right value"))}
# Where the author fixes a problem of the course as a whole (no field): the part of its page.
COURSE_ANCHORS = {"no_modules": "module-title"}

MESSAGES = {
    "required": lambda d: _("Required for publishing, and empty."),
    "too_long": lambda d: _("Longer than %(max)d characters.", max=d["max"]),
    "empty_item": lambda d: _("Item %(number)d is empty.", number=d["number"]),
    "out_of_range": lambda d: _("Must be between %(minimum)s and %(maximum)s.", minimum=d["minimum"],
                                maximum=d["maximum"]),
    "below_minimum": lambda d: _("Must be at least %(minimum)s.", minimum=d["minimum"]),
    "not_positive": lambda d: _("Must be more than 0."),
    "not_one_of": lambda d: _("Not one of the choices offered."),
    "not_language": lambda d: _("Not a language tag such as en or uk."),
    "topic_too_long": lambda d: _("Topic %(number)d is longer than %(max)d characters.", number=d["number"],
                                  max=d["max"]),
    "no_modules": lambda d: _("The course has no modules yet: add one."),
    "no_content": lambda d: _("The course has no lessons and no quizzes yet."),
    "empty_module": lambda d: _("The module has no lessons and no quizzes: add one, or delete the module."),
    "no_questions": lambda d: _("The quiz has no questions: add some, or import them in GIFT format."),
    "draw_exceeds_bank": lambda d: ngettext("Each attempt draws %(num)d question, but the bank holds only %(bank)d.",
                                            "Each attempt draws %(num)d questions, but the bank holds only %(bank)d.",
                                            d["draw"], bank=d["bank"]),
    "late_answers_on_final": lambda d: _("The final assessment's late answers always wait for you: accept or reject "
                                         "each one."),
    "too_few_choices": lambda d: _("Give at least two choices."),
    "not_one_correct": lambda d: _("Mark exactly one choice as right."),
    "no_correct_choice": lambda d: _("Mark at least one choice as right."),
    "several_finals": lambda d: ngettext(
        "%(num)d quiz is marked as the final assessment; a course has at most one.",
        "%(num)d quizzes are marked as the final assessment; a course has at most one.", d["count"]),
    "final_not_last": lambda d: _("The final assessment must be in the course's last module."),
    "final_not_alone": lambda d: _("The final assessment must be alone in its module."),
    "no_final": lambda d: _("Completion needs the final assessment, but no quiz is marked as the course's final "
                            "assessment."),
    "image_outside": lambda d: _("The image %(src)s links outside the course: use an image of the course.",
                                 src=d["src"]),
    "image_missing": lambda d: _("The image %(src)s is not an image of the course.", src=d["src"]),
    "image_not_image": lambda d: _("%(src)s is not an image (.png .jpg .gif .svg .webp).", src=d["src"]),
    "image_no_alt": lambda d: _("The image %(src)s has no alternative text.", src=d["src"]),
    "markdown": lambda d: _("Line %(line)d of the text: %(problem)s", line=d["text_line"],
                            problem=problem(Excess.from_details(d))),
}


@dataclass(frozen=True)
class AuthorProblem:
    """A problem as the authoring pages say it: where, which field (its label), what, and the link that
    opens the editor page at that field."""

    where: str
    field: str | None
    message: str
    link: str


def describe(problem: Problem, kind: str | None = None) -> tuple[str | None, str]:
    """(the field's label or None, what is wrong) in the interface language; `kind` is a question's kind."""
    _anchor, label = _field(problem, kind)
    wording = MESSAGES.get(problem.code)
    # The check's other rules concern the package's files, which the editor writes itself.
    message = wording(problem.details) if wording else _("This does not pass the course check.")
    return (str(label) if label else None), message


def for_author(course, problems: list[Problem], names: dict) -> list[AuthorProblem]:
    """The problems of `course`'s check in an author's terms; `names` are its items' names by
    (subject, slug) (`queries.item_names`)."""
    rendered = []
    codes = {problem.code for problem in problems}
    # The course's settings first, then the course as a whole, then its items in the check's order (the
    # course's order): the check finds course-wide problems last, an author reads them first.
    for problem in sorted(problems, key=lambda p: 0 if p.subject == "course" and p.field else
                          1 if p.subject == "course" else 2):
        if problem.code == "no_content" and "no_modules" in codes:
            continue  # without modules there is no content either: one step to take, said once
        name = names.get((problem.subject, problem.slug))
        kind = name.kind if name else None
        label, message = describe(problem, kind)
        rendered.append(AuthorProblem(_where(problem, name), label, message, _link(course, problem, name, kind)))
    return rendered


def for_question(course, question, problems: list[Problem]) -> list[AuthorProblem]:
    """The problems of one saved question (`services.question_problems`) in an author's terms."""
    name = ItemName(question.text, question.kind, question.quiz.title)
    return for_author(course, problems, {("question", question.slug): name})


def _field(problem: Problem, kind: str | None) -> tuple[str | None, object]:
    if problem.field is None:
        return None, None
    if problem.subject == "question" and problem.field == "answer":
        return ANSWER_FIELDS.get(kind, (None, None))
    key = "choices" if problem.subject == "question" and problem.field.startswith("choices.") else problem.field
    return FIELDS.get(problem.subject, {}).get(key, (None, None))


def _where(problem: Problem, name) -> str:
    title = name.title if name else (problem.slug or "")
    if problem.subject == "course":
        return _("Course settings") if problem.field else _("Course content")
    if problem.subject == "module":
        return _("Module “%(title)s”", title=title)
    if problem.subject == "lesson":
        return _("Lesson “%(title)s”", title=title)
    if problem.subject == "quiz":
        return _("Quiz “%(title)s”", title=title)
    if problem.subject == "practical":
        return _("Practical assessment “%(title)s”", title=title)
    if problem.subject == "question":
        text = " ".join(title.split())
        text = text if len(text) <= 60 else text[:59] + "…"
        if name and name.quiz:
            return _("Question “%(text)s” in quiz “%(quiz)s”", text=text, quiz=name.quiz)
        return _("Question “%(text)s”", text=text)
    return _("Course package")


def _link(course, problem: Problem, name, kind: str | None) -> str:
    anchor, _label = _field(problem, kind)
    if name is None or problem.subject == "course":
        return url_for("authoring.course", slug=course.slug,
                       _anchor=anchor or COURSE_ANCHORS.get(problem.code, "outline-heading"))
    if problem.subject == "module":
        if anchor:
            return url_for("authoring.module", slug=course.slug, module=problem.slug, _anchor=anchor)
        return url_for("authoring.course", slug=course.slug, _anchor=f"module-{problem.slug}")
    if problem.subject == "lesson":
        return url_for("authoring.lesson", slug=course.slug, lesson=problem.slug, _anchor=anchor)
    if problem.subject == "quiz":
        return url_for("authoring.quiz", slug=course.slug, quiz=problem.slug, _anchor=anchor or "settings-heading")
    if problem.subject == "practical":
        return url_for("practicals.edit", slug=course.slug, practical=problem.slug, _anchor=anchor or "criteria")
    return url_for("authoring.question", slug=course.slug, question=problem.slug, _anchor=anchor)
