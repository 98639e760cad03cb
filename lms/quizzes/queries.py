"""Named reads of quizzes and attempts."""
from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal
from functools import cache

from sqlalchemy import bindparam, func, select

from lms.core.reads import plain_rows, plain_scalar
from lms.extensions import db
from lms.auth.models import User
from lms.quizzes.models import AttemptAnswer, Choice, LateAnswers, Question, Quiz, QuizAttempt, drawable

# Decided late answers the queue shows below the pending ones, newest first.
DECIDED_SHOWN = 50


def quiz_by_id(quiz_id: int) -> Quiz | None:
    """The quiz with this id (from the session when it is there already)."""
    return db.session.get(Quiz, quiz_id)


def bank_size(quiz: Quiz, drawable_total: int | None = None) -> int:
    """How many questions an attempt at the quiz draws: the drawable bank (no drafts), or `draw_count` of it.
    `drawable_total` is the bank's size when the caller read it already (`bank_total_column`)."""
    total = plain_scalar(_bank_size_statement(), {"quiz_id": quiz.id}) if drawable_total is None else drawable_total
    return min(total, quiz.draw_count) if quiz.draw_count else total


@cache
def bank_total_column():
    """The quiz's drawable bank's size (as `bank_size` counts it), as a column correlated with `Quiz`, read in the
    quiz page's own statement (`lms.learning.queries.quiz_visit`); built once."""
    return _drawable_count(Quiz.id).scalar_subquery().label("bank_total")


@cache
def _bank_size_statement():
    return _drawable_count(bindparam("quiz_id"))


def _drawable_count(quiz_id):
    # The one count of a quiz's drawable bank, of the quiz `quiz_id` names (a bound id, or the outer query's quiz).
    return select(func.count(Question.id)).where(Question.quiz_id == quiz_id, drawable())


@dataclass(frozen=True)
class ChoiceToDraw:
    """A choice as a draw reads it."""

    id: int
    text: str
    correct: bool


@dataclass(frozen=True)
class QuestionToDraw:
    """A drawable question as a draw reads it (`lms.quizzes.grading.snapshot`): its columns and its choices in order,
    as plain values rather than objects the session tracks."""

    id: int
    slug: str
    position: int
    kind: str
    text: str
    points: Decimal
    explanation: str
    true_false_answer: bool | None
    accepted_answers: list | None
    numeric_answer: float | None
    numeric_tolerance: float
    choices: tuple[ChoiceToDraw, ...]


# The question's columns a draw reads: the fields of QuestionToDraw but its choices, in their order.
_QUESTION_COLUMNS = tuple(f.name for f in fields(QuestionToDraw) if f.name != "choices")


@cache
def _questions_to_draw():
    # Built once; one statement whatever the number of questions: each question with its choices in order (a row per
    # choice, one with none for a question without). Plain rows: a start reads a final's 20 questions and their
    # choices, and building session objects for them cost twice the reading (issue 25); the choices were a second
    # statement until 2026-12-07.
    return (select(*(getattr(Question, name) for name in _QUESTION_COLUMNS),
                   Choice.id.label("choice_id"), Choice.text.label("choice_text"), Choice.correct)
            .outerjoin(Choice, Choice.question_id == Question.id)
            .where(Question.quiz_id == bindparam("quiz_id"), drawable())
            .order_by(Question.position, Question.id, Choice.position, Choice.id))


def questions_to_draw(quiz_id: int) -> list[QuestionToDraw]:
    """The quiz's drawable questions (`drawable`: no drafts, none retired) in bank order, with their choices."""
    questions: dict[int, tuple] = {}
    choices: dict[int, list[ChoiceToDraw]] = {}
    width = len(_QUESTION_COLUMNS)
    for row in plain_rows(_questions_to_draw(), {"quiz_id": quiz_id}):
        question_id, (choice_id, text, correct) = row[0], row[width:]
        if question_id not in questions:
            questions[question_id], choices[question_id] = tuple(row[:width]), []
        if choice_id is not None:
            choices[question_id].append(ChoiceToDraw(choice_id, text, bool(correct)))
    return [QuestionToDraw(*columns, choices=tuple(choices[question_id]))
            for question_id, columns in questions.items()]


def attempts_at(enrolment_id: int, quiz_id: int) -> list[QuizAttempt]:
    """The enrolment's attempts at a quiz, first to last."""
    return list(db.session.scalars(_attempts_at_statement(), {"enrolment_id": enrolment_id, "quiz_id": quiz_id}))


@cache
def _attempts_at_statement():
    return (select(QuizAttempt).where(QuizAttempt.enrolment_id == bindparam("enrolment_id"),
                                      QuizAttempt.quiz_id == bindparam("quiz_id")).order_by(QuizAttempt.number))


def saved_answers(attempt: QuizAttempt) -> dict[str, AttemptAnswer]:
    """The attempt's saved answers by question slug."""
    return {a.question_slug: a for a in db.session.scalars(
        select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id))}


def answers_visible(quiz, attempt: QuizAttempt, attempts: list[QuizAttempt]) -> bool:
    """Whether the review of a closed attempt may show right answers and explanations."""
    if attempt.status == "in_progress":
        return False
    if quiz.review == "after_submit":
        return True
    if quiz.review == "after_pass":
        return any(a.passed for a in attempts)
    if quiz.review == "after_last_attempt":
        closed = [a for a in attempts if a.status != "in_progress"]
        return any(a.passed for a in attempts) or bool(quiz.attempts_allowed and len(closed) >= quiz.attempts_allowed)
    return False


def late_waiting(quiz_id: int) -> int:
    """How many sets of answers received late after an outage wait for a decision at the quiz."""
    return db.session.scalar(select(func.count(LateAnswers.id)).where(
        LateAnswers.quiz_id == quiz_id, LateAnswers.status == "pending")) or 0


def late_queue(quiz_id: int) -> tuple[list, list]:
    """The quiz's answers received late after an outage: (pending, oldest first; the last DECIDED_SHOWN decided,
    newest first), each row (LateAnswers, the attempt, the trainee's name). Two statements."""
    def rows(status_condition, order, limit=None):
        query = (select(LateAnswers, QuizAttempt, User.name).join(QuizAttempt, QuizAttempt.id == LateAnswers.attempt_id)
                 .join(User, User.id == LateAnswers.user_id)
                 .where(LateAnswers.quiz_id == quiz_id, status_condition).order_by(*order).limit(limit))
        return db.session.execute(query).all()

    pending = rows(LateAnswers.status == "pending", (LateAnswers.received_at, LateAnswers.id))
    decided = rows(LateAnswers.status != "pending", (LateAnswers.decided_at.desc(), LateAnswers.id.desc()),
                   DECIDED_SHOWN)
    return pending, decided


def late_waiting_for(attempt_id: int) -> int:
    """How many sets of the attempt's answers received late after an outage wait for a decision."""
    return db.session.scalar(select(func.count(LateAnswers.id)).where(
        LateAnswers.attempt_id == attempt_id, LateAnswers.status == "pending")) or 0


def counted_responses(attempt_ids: list[int]) -> dict[int, dict]:
    """The responses that count now in these attempts, {attempt id: {question slug: response}} (one statement)."""
    found: dict[int, dict] = {attempt_id: {} for attempt_id in attempt_ids}
    if attempt_ids:
        for attempt_id, slug, response in db.session.execute(
                select(AttemptAnswer.attempt_id, AttemptAnswer.question_slug, AttemptAnswer.response)
                .where(AttemptAnswer.attempt_id.in_(attempt_ids))):
            found[attempt_id][slug] = response
    return found


def late_item(quiz_id: int, item_id: int) -> LateAnswers | None:
    """The quiz's late answers of this id (None when they are another quiz's)."""
    return db.session.scalar(select(LateAnswers).where(LateAnswers.id == item_id, LateAnswers.quiz_id == quiz_id))


def attempt_by_id(attempt_id: int) -> QuizAttempt | None:
    """The attempt of this id, whoever's (the caller decides access)."""
    return db.session.get(QuizAttempt, attempt_id)
