"""Reading a quiz file of a package: its settings and its questions, every problem recorded with its
line and the question or quiz it is about. `check_question` applies the same rules to one question on
its own (the GIFT import's preview, the quiz editor's drafts)."""
from __future__ import annotations

from lms.packages import yamlfile
from lms.packages.availability import read_available
from lms.packages.fields import MISSING, FileReader, slug_in
from lms.packages.spec import ChoiceSpec, Problem, QuestionSpec, QuizSpec
from lms.quizzes.models import LAYOUTS, MAX_CHOICE_TEXT, MAX_QUESTION_TEXT, QUESTION_KINDS, REVIEW_POLICIES

QUIZ_KEYS = {"slug", "title", "final", "pass_mark", "attempts", "time_limit", "draw", "shuffle_questions",
             "shuffle_choices", "layout", "review", "questions", "available", "accept_late_answers"}
QUESTION_KEYS = {"slug", "kind", "text", "explanation", "points", "choices", "answer", "accepted", "tolerance"}
KIND_KEYS = {
    "single_choice": {"choices"}, "multiple_choice": {"choices"}, "true_false": {"answer"},
    "short_text": {"accepted"}, "numeric": {"answer", "tolerance"},
}


def read_quiz(problems: list[Problem], file: str, data: yamlfile.LineDict, number: int, file_slug: str) -> QuizSpec:
    """A quiz file's settings and questions, recording every problem in `problems`."""
    r = FileReader(problems, file, data, "quiz", slug_in(data, file_slug))
    r.unknown_keys(QUIZ_KEYS, "the quiz")
    quiz = QuizSpec(
        slug=r.slug("slug", "the quiz", required=False, default=file_slug),
        title=r.text("title", "the quiz", max_length=200), position=number,
        final=r.boolean("final", "the quiz", False),
        pass_mark=r.integer("pass_mark", "the quiz", 70, minimum=0, maximum=100),
        attempts=r.integer("attempts", "the quiz", 0, minimum=0),
        time_limit=r.integer("time_limit", "the quiz", None, minimum=1),
        draw=r.integer("draw", "the quiz", None, minimum=1),
        shuffle_questions=r.boolean("shuffle_questions", "the quiz", True),
        shuffle_choices=r.boolean("shuffle_choices", "the quiz", True),
        layout=r.choice("layout", "the quiz", LAYOUTS, "all"),
        review=r.choice("review", "the quiz", REVIEW_POLICIES, "after_submit"),
        accept_late_answers=r.boolean("accept_late_answers", "the quiz", False),
        file=file, available=read_available(r),
    )
    if quiz.final and quiz.accept_late_answers:
        r.problem("'accept_late_answers' is for practice quizzes: the final assessment's late answers always wait "
                  "for staff", "accept_late_answers", code="late_answers_on_final")
    questions = data.get("questions")
    if not isinstance(questions, list) or not questions:
        # Recorded on the field either way, so the quiz's page can point at its question bank.
        r.problem("the quiz has no questions: add a 'questions' list", "questions",
                  line=None if "questions" in data else data.line, code="no_questions")
        return quiz
    for index, item in enumerate(questions):
        if not isinstance(item, yamlfile.LineDict):
            r.problem(f"question {index + 1} must be a mapping", "questions", line=questions.line_of(index),
                      code="not_mapping", number=index + 1)
            continue
        question = read_question(_question_reader(problems, file, item), index + 1)
        if question:
            question.position_in_quiz = len(quiz.questions) + 1
            quiz.questions.append(question)
    if quiz.draw is not None and quiz.draw > len(questions):
        r.problem(f"'draw' is {quiz.draw} but the bank has only {len(questions)} questions", "draw",
                  code="draw_exceeds_bank", draw=quiz.draw, bank=len(questions))
    return quiz


def _question_reader(problems: list[Problem], file: str, item: yamlfile.LineDict) -> FileReader:
    return FileReader(problems, file, item, "question", slug_in(item, None))


def read_question(r: FileReader, number: int) -> QuestionSpec | None:
    """One question of a quiz (the `number`th), read with `r`; None if its kind is missing or unknown."""
    what = f"question {number}"
    kind = r.raw("kind", True, what)
    if kind is MISSING:
        return None
    if kind not in QUESTION_KINDS:
        r.problem(f"unknown question kind {kind!r} in {what}; use one of {', '.join(QUESTION_KINDS)}", "kind",
                  code="not_one_of", options=list(QUESTION_KINDS))
        return None
    r.unknown_keys(QUESTION_KEYS - (set().union(*KIND_KEYS.values()) - KIND_KEYS[kind]), what)
    q = QuestionSpec(slug=r.slug("slug", what), kind=kind, text=r.text("text", what),
                     explanation=r.text("explanation", what),
                     points=r.number("points", what, 1.0, positive=True), file=r.file, line=r.data.line)
    r.markdown("text", q.text, MAX_QUESTION_TEXT)
    r.markdown("explanation", q.explanation, MAX_QUESTION_TEXT)
    if kind in ("single_choice", "multiple_choice"):
        q.choices = _choices(r, what, kind)
    elif kind == "true_false":
        value = r.raw("answer", True, what)
        if isinstance(value, bool):
            q.true_false_answer = value
        elif value is not MISSING:
            r.problem(f"'answer' of a true_false question must be true or false, got {value!r}", "answer",
                      code="not_boolean")
    elif kind == "short_text":
        q.accepted = r.text_list("accepted", what, required=True)
    elif kind == "numeric":
        q.numeric_answer = r.number("answer", what, None, required=True)
        q.tolerance = r.number("tolerance", what, 0.0, minimum=0)
    return q


def _choices(r: FileReader, what: str, kind: str) -> list[ChoiceSpec]:
    raw = r.raw("choices", True, what)
    if not isinstance(raw, list):
        if raw is not MISSING:
            r.problem(f"'choices' of {what} must be a list", "choices", code="not_list")
        return []
    choices = []
    for index, item in enumerate(raw):
        if not isinstance(item, yamlfile.LineDict):
            r.problem(f"choice {index + 1} of {what} must have 'text' (and 'correct: true' if right)", "choices",
                      line=raw.line_of(index), code="not_mapping", number=index + 1)
            continue
        # A choice's keys are reported as the question's "choices" field: the author fixes them there.
        c = FileReader(r.problems, r.file, item, r.subject, r.subject_slug, prefix="choices.")
        c.unknown_keys({"text", "correct"}, f"choice {index + 1} of {what}")
        choice = ChoiceSpec(text=c.text("text", f"choice {index + 1} of {what}"),
                            correct=c.boolean("correct", "choice", False))
        c.markdown("text", choice.text, MAX_CHOICE_TEXT)
        choices.append(choice)
    correct = sum(1 for c in choices if c.correct)
    if len(raw) < 2:
        r.problem(f"{what} needs at least 2 choices", "choices", code="too_few_choices", minimum=2)
    if kind == "single_choice" and correct != 1:
        r.problem(f"{what} is single_choice but has {correct} correct answers; it needs exactly 1", "choices",
                  code="not_one_correct", correct=correct)
    if kind == "multiple_choice" and correct < 1:
        r.problem(f"{what} is multiple_choice but has no correct answer", "choices", code="no_correct_choice")
    return choices


def question_spec_data(spec: QuestionSpec) -> dict:
    """A question as a quiz file holds it: the keys the check reads, from a parsed question (GIFT)."""
    data = {"slug": spec.slug, "kind": spec.kind, "points": spec.points, "text": spec.text}
    if spec.kind in ("single_choice", "multiple_choice"):
        data["choices"] = [{"text": c.text, "correct": c.correct} for c in spec.choices]
    elif spec.kind == "true_false":
        data["answer"] = spec.true_false_answer
    elif spec.kind == "short_text":
        data["accepted"] = list(spec.accepted)
    elif spec.kind == "numeric":
        data["answer"], data["tolerance"] = spec.numeric_answer, spec.tolerance
    data["explanation"] = spec.explanation
    return data


def check_question(data: dict) -> list[Problem]:
    """The package check's rules for one question on its own, given as a quiz file holds it
    (`question_spec_data` of a parsed question, `exporter.question_data` of a saved one): the problems
    that would refuse it at publishing, each about the question (no file, no line)."""
    problems: list[Problem] = []
    read_question(_question_reader(problems, "", _with_lines(data)), 1)
    return problems


def _with_lines(value):
    """Plain dicts and lists as the YAML reader's LineDict and LineList, without lines."""
    if isinstance(value, dict):
        result = yamlfile.LineDict((key, _with_lines(item)) for key, item in value.items())
        result.line, result.lines = 0, {}
        return result
    if isinstance(value, list):
        result = yamlfile.LineList(_with_lines(item) for item in value)
        result.line, result.lines = 0, []
        return result
    return value
