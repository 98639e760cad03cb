"""Answers received late after an outage (lms.quizzes.offline): the person's personal data, and what
anonymisation and retention do to it.

- The download holds every set of the person's late answers (pending, accepted or rejected): the quiz, the
  attempt, the source (their device, or a file staff uploaded), the device time, when it was received and
  decided and by whom ("you", "staff", "system"), and each answer with the question's text (never the right
  answer).
- Anonymisation clears the answers (free text the person typed) and settles what still waits: it is rejected,
  by the platform. That there were late answers, their times and the decision stay, as attempts' scores do.
- Retention follows the quiz attempts' raw answers (LMS_ANSWER_RETENTION_DAYS): late answers received longer
  ago lose their answers in the same way (still waiting, they are rejected by the platform: nobody decided in
  all that time).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text, and_, cast, func, select, update

from lms.catalog.models import Course
from lms.core import clock
from lms.extensions import db
from lms.quizzes.labels import response_text
from lms.quizzes.models import LateAnswers, Quiz, QuizAttempt

KINDS = ("late_answers",)


def _by(actor_id: int | None, user_id: int, automatic: bool) -> str | None:
    if automatic:
        return "system"
    if actor_id is None:
        return None
    return "you" if actor_id == user_id else "staff"


def personal_rows(user_id: int) -> dict[str, list[dict]]:
    """The person's late answers, one row per answer (one statement)."""
    rows = []
    for item, attempt, quiz_slug, course_slug in db.session.execute(
            select(LateAnswers, QuizAttempt, Quiz.slug, Course.slug)
            .join(QuizAttempt, QuizAttempt.id == LateAnswers.attempt_id).join(Quiz, Quiz.id == LateAnswers.quiz_id)
            .join(Course, Course.id == Quiz.course_id)
            .where(LateAnswers.user_id == user_id).order_by(LateAnswers.received_at, LateAnswers.id)):
        draw = {entry["slug"]: entry for entry in attempt.draw or []}
        common = {"late_answers_id": item.id, "attempt_id": item.attempt_id, "course_slug": course_slug,
                  "quiz_slug": quiz_slug, "source": item.source, "status": item.status, "seq": item.seq,
                  "device_saved_at": item.device_saved_at, "received_at": item.received_at,
                  "decided_at": item.decided_at,
                  "decided_by": _by(item.decided_by_id, user_id, item.automatic) if item.decided_at else None}
        answers = item.answers or {}
        if not answers:
            rows.append({**common, "question_slug": None, "question_text": None, "response": None,
                         "response_text": ""})
        for slug, entry in answers.items():
            found = draw.get(slug)
            rows.append({**common, "question_slug": slug, "question_text": found.get("text") if found else None,
                         "response": entry.get("response"), "response_text": response_text(found, entry.get("response"))})
    return {"late_answers": rows}


def _clear(condition) -> int:
    """Clear the answers of the late answers matching `condition`; those still waiting are rejected by the
    platform. Returns how many were cleared."""
    now = clock.now()
    db.session.execute(update(LateAnswers).where(condition, LateAnswers.status == "pending")
                       .values(status="rejected", decided_at=now, decided_by_id=None, automatic=True)
                       .execution_options(synchronize_session=False))
    return db.session.execute(update(LateAnswers).where(condition).values(answers={})
                              .execution_options(synchronize_session=False)).rowcount


def anonymise(user_id: int) -> int:
    """Anonymisation's part: the person's late answers lose their answers (what waits is rejected)."""
    return _clear(LateAnswers.user_id == user_id)


def expired_condition(before: datetime):
    """SQL condition on `LateAnswers`: received before `before` and still holding answers."""
    return and_(LateAnswers.received_at < before, cast(LateAnswers.answers, Text) != "{}")


def prune(before: datetime, dry_run: bool) -> int:
    """Retention's part: how many late answers received before `before` lose their answers."""
    condition = expired_condition(before)
    count = db.session.scalar(select(func.count()).select_from(LateAnswers).where(condition)) or 0
    if dry_run or not count:
        return count
    return _clear(LateAnswers.id.in_(list(db.session.scalars(select(LateAnswers.id).where(condition)))))
