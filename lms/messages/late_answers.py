"""Telling a trainee what became of their answers received late after an outage: accepted (with the attempt's
result now) or not. An in-app notification and a mail of the kind "assessment" (which a person may turn off),
in their language, through `dispatch`. The key names the late answers (`late-answers:<id>`), so a decision is
told once. Written in the transaction of the decision (lms.core.signals.late_answers_decided, which the quiz
engine sends: it cannot import the messages, which read enrolments, which read quizzes).
"""
from __future__ import annotations

from flask import url_for
from sqlalchemy import select

from lms.auth.models import User
from lms.catalog.models import Course
from lms.extensions import db
from lms.messages.outgoing import Message, dispatch, links
from lms.messages.reminders import REACHABLE
from lms.quizzes.models import LateAnswers, Quiz, QuizAttempt

KIND = "assessment"
TEMPLATE = "late_answers_decided"


def tell_decided(item: LateAnswers, attempt: QuizAttempt) -> int:
    """Tell the trainee that their late answers were accepted or not; returns how many messages were written
    (none for an account that cannot be reached). The caller commits."""
    row = db.session.execute(
        select(User, Quiz.title, Course.title).select_from(User).join(Quiz, Quiz.id == item.quiz_id)
        .join(Course, Course.id == Quiz.course_id).where(User.id == item.user_id, *REACHABLE)).first()
    if row is None:
        return 0
    user, quiz_title, course_title = row
    with links():
        return dispatch(KIND, TEMPLATE, [Message(user, f"late-answers:{item.id}", {
            "accepted": item.status == "accepted", "quiz_title": quiz_title, "course_title": course_title,
            "percent": f"{attempt.percent.normalize():f}" if attempt.percent is not None else None,
            "passed": bool(attempt.passed),
        }, url_for("quizzes.review", attempt_id=attempt.id))])
