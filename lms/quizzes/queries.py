"""Named reads of quizzes and attempts."""
from __future__ import annotations

from sqlalchemy import func, select

from lms.catalog.items import live_items
from lms.extensions import db
from lms.quizzes.models import AttemptAnswer, Question, Quiz, QuizAttempt, drawable


def quiz_by_slug(course, slug: str) -> Quiz | None:
    """A live quiz of the course."""
    return db.session.scalar(live_items(Quiz, Quiz).where(Quiz.course_id == course.id, Quiz.slug == slug))


def quiz_by_id(quiz_id: int) -> Quiz | None:
    """The quiz with this id (from the session when it is there already)."""
    return db.session.get(Quiz, quiz_id)


def bank_size(quiz: Quiz) -> int:
    """How many questions an attempt at the quiz draws: the drawable bank (no drafts), or `draw_count` of it."""
    total = db.session.scalar(select(func.count(Question.id)).where(Question.quiz_id == quiz.id, drawable()))
    return min(total, quiz.draw_count) if quiz.draw_count else total


def own_attempt(user, attempt_id: int) -> QuizAttempt | None:
    """The attempt if it belongs to `user` (anyone else's is "not found")."""
    if not user.is_authenticated:
        return None
    return db.session.scalar(select(QuizAttempt).where(QuizAttempt.id == attempt_id, QuizAttempt.user_id == user.id))


def attempts_at(enrolment_id: int, quiz_id: int) -> list[QuizAttempt]:
    """The enrolment's attempts at a quiz, first to last."""
    return list(db.session.scalars(select(QuizAttempt).where(
        QuizAttempt.enrolment_id == enrolment_id, QuizAttempt.quiz_id == quiz_id).order_by(QuizAttempt.number)))


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
