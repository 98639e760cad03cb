"""A graded attempt written to the database: its saved answers read back and graded (`grade_saved`), its result
claimed or stored again (`claim_statement`, `result_statement`), every drawn question's answer written with its points
(`store_grades`). Core statements built once, on the session's connection: none of them loads or changes an ORM
object, so the ORM's execution steps would only add time (a third of a submission on SQLite, issue 25). The quiz
engine's services (`lms.quizzes.services`) are their one caller.
"""
from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm.attributes import set_committed_value

from lms.extensions import db
from lms.quizzes import grading
from lms.quizzes.models import AttemptAnswer, Quiz, QuizAttempt


def grade_saved(connection, attempt: QuizAttempt, responses: dict) -> tuple[dict, dict]:
    """The attempt's saved answers ({slug: (answer id, response)}) and its result when `responses`
    override them (`grading.grade_draw`)."""
    saved = {slug: (answer_id, response) for answer_id, slug, response in connection.execute(
        _saved_answers_statement(), {"attempt_id": attempt.id})}
    merged = {slug: response for slug, (_, response) in saved.items()} | responses
    # The quiz is usually in the session already (the page that submits loaded it): no statement then.
    return saved, grading.grade_draw(attempt.draw, merged, db.session.get(Quiz, attempt.quiz_id).pass_mark)


def outcome(result: dict) -> dict:
    """The attempt's columns of a result."""
    return {key: result[key] for key in ("score", "max_score", "percent", "passed")}


def store_grades(connection, attempt: QuizAttempt, saved: dict, responses: dict, result: dict,
                 when: datetime) -> None:
    """Store every drawn question's answer with its points (`_write_answers`), and the result on the
    attempt object as the UPDATE already stored it in the database."""
    _write_answers(connection, attempt, saved, responses, result, when)
    for key, value in outcome(result).items():
        set_committed_value(attempt, key, value)


@cache
def _saved_answers_statement():
    table = AttemptAnswer.__table__
    return select(table.c.id, table.c.question_slug, table.c.response).where(
        table.c.attempt_id == bindparam("attempt_id"))


@cache
def claim_statement():
    """Close an attempt still in progress and store its result; 0 rows when another request closed it."""
    table = QuizAttempt.__table__
    return update(table).where(table.c.id == bindparam("attempt_id"), table.c.status == "in_progress").values(
        {key: bindparam(key) for key in ("status", "submitted_at", "score", "max_score", "percent", "passed")})


@cache
def result_statement():
    """Store a closed attempt's result again (regrading)."""
    table = QuizAttempt.__table__
    return update(table).where(table.c.id == bindparam("attempt_id")).values(
        {key: bindparam(key) for key in ("score", "max_score", "percent", "passed")})


def _write_answers(connection, attempt: QuizAttempt, saved: dict, responses: dict, result: dict,
                   when: datetime) -> None:
    """Store every drawn question's answer with its points, without ORM objects or reading back:
    one executemany of the new rows, one of the saved rows given a new response, one of the other
    saved rows (points only)."""
    new, answered_again, graded_only = [], [], []
    for item in attempt.draw:
        slug = item["slug"]
        graded = {"points": result["points"][slug], "correct": result["correct"][slug]}
        if slug not in saved:
            new.append(dict(graded, attempt_id=attempt.id, question_id=item["question_id"], question_slug=slug,
                            response=responses.get(slug), saved_at=when))
        elif slug in responses:
            answered_again.append(dict(graded, answer_id=saved[slug][0], response=responses[slug], saved_at=when))
        else:
            graded_only.append(dict(graded, answer_id=saved[slug][0]))
    if new:
        connection.execute(_new_answers_statement(), new)
    for rows in (answered_again, graded_only):
        if rows:
            connection.execute(_graded_answers_statement(tuple(key for key in rows[0] if key != "answer_id")), rows)


@cache
def _new_answers_statement():
    return insert(AttemptAnswer.__table__)


@cache
def _graded_answers_statement(columns: tuple[str, ...]):
    """The UPDATE of saved answers by id, setting `columns` (two kinds: the points, or the points and a new
    response): built once each, as every submission runs them."""
    table = AttemptAnswer.__table__
    return update(table).where(table.c.id == bindparam("answer_id")).values({key: bindparam(key) for key in columns})
