"""Regrading: after a broken question is fixed, re-score the graded attempts that used it.

An explicit, confirmed action of an instructor. Each attempt's stored draw gets the question's
corrected answer key and points (the text the trainee saw stays as it was), the attempt is graded
again, and the change is audited with the result before and after. A trainee who now passes may
complete the course (the quiz engine announces the pass); a completion or certificate already granted
is never taken back.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from lms.audit import services as audit
from lms.extensions import db
from lms.languages import queries as language_queries
from lms.quizzes.grading import accepted_answers
from lms.quizzes.models import Question, QuizAttempt
from lms.quizzes.services import grade


def attempts_using(question: Question) -> list[QuizAttempt]:
    """Closed attempts whose draw contains the question."""
    candidates = db.session.scalars(select(QuizAttempt).where(
        QuizAttempt.quiz_id == question.quiz_id, QuizAttempt.status != "in_progress").order_by(QuizAttempt.id))
    return [a for a in candidates if any(item.get("question_id") == question.id for item in a.draw)]


def _corrected(item: dict, question: Question, version_accepted: list | None = None) -> dict:
    """The drawn item with the question's current answer key; choices matched by id, else by text. An attempt
    taken in a language version accepts the version's short answers too (`version_accepted`)."""
    accepted = accepted_answers(question.accepted_answers, version_accepted)
    fixed = dict(item, points=str(question.points), answer=question.true_false_answer,
                 accepted=accepted, value=question.numeric_answer,
                 tolerance=question.numeric_tolerance)
    by_id = {c.id: c.correct for c in question.choices}
    by_text = {c.text: c.correct for c in question.choices}
    fixed["choices"] = [dict(c, correct=by_id.get(c["id"], by_text.get(c["text"], c["correct"])))
                        for c in item.get("choices", [])]
    return fixed


def regrade_question(question: Question, actor) -> int:
    """Regrade every closed attempt that used `question`; returns how many results changed."""
    changed = 0
    versions: dict[str, list] = {}
    for attempt in attempts_using(question):
        before = {"score": str(attempt.score), "percent": str(attempt.percent), "passed": attempt.passed}
        if attempt.language and attempt.language not in versions:
            found = language_queries.text_of("question", question.id, attempt.language)
            versions[attempt.language] = list((found.data or {}).get("accepted") or []) if found else []
        extra = versions.get(attempt.language) if attempt.language else None
        attempt.draw = [_corrected(item, question, extra) if item.get("question_id") == question.id else item
                        for item in attempt.draw]
        flag_modified(attempt, "draw")
        grade(attempt)
        after = {"score": str(attempt.score), "percent": str(attempt.percent), "passed": attempt.passed}
        if after != before:
            changed += 1
            audit.record("attempt.regraded", actor=actor, target=attempt, question=question.slug,
                         before=before, after=after)
    audit.record("question.regraded", actor=actor, target=question, slug=question.slug, changed=changed)
    db.session.commit()
    return changed
