"""Writes of the quiz engine: start an attempt, save answers, submit, close at the deadline.

Time limits are enforced here, on the server: the deadline is stored when the attempt starts;
answers that arrive more than GRACE_SECONDS after it are refused, and an attempt past its
deadline is closed and graded on what was saved, the next time anything touches it or when
`lms attempts close-expired` runs. Submitting is a conditional UPDATE, so two tabs or two
clicks give one graded attempt, on SQLite and PostgreSQL alike. A numeric answer that can be read as
two numbers ("45,000") is refused wherever answers are saved, and the answer saved before stays.
"""
from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta
from functools import cache
from typing import NamedTuple

from sqlalchemy import bindparam, case, func, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from lms.core import clock, signals
from lms.core.db import keep_through_commits
from lms.core.reads import plain_first
from lms.extensions import db
from lms.languages import queries as language_queries
from lms.quizzes import grading, queries, stored
from lms.quizzes.models import GRACE_SECONDS, AttemptAnswer, Quiz, QuizAttempt, new_attempt_token

log = logging.getLogger("lms.quizzes")

MAX_TEXT = 500
# Starts of one attempt that race each other: the loser reads the winner's attempt on its second try.
START_TRIES = 3
SENDER = "quizzes"


class AttemptError(ValueError):
    """A refused quiz action; `code` names the reason (the views turn it into a message)."""

    def __init__(self, code: str, attempt: QuizAttempt | None = None):
        super().__init__(code)
        self.code, self.attempt = code, attempt


class AnswersRefused(AttemptError):
    """Numeric answers that can be read two ways (`grading.read_number`): `refused` maps each such
    question's slug to the text typed, `responses` holds the page's other answers, which may be saved."""

    def __init__(self, responses: dict, refused: dict[str, str]):
        super().__init__("ambiguous_number")
        self.responses, self.refused = responses, refused


class Tally(NamedTuple):
    """An enrolment's attempts at a quiz: the one in progress (or None) and how many were started."""

    open: QuizAttempt | None
    used: int


@cache
def _tally_statement():
    # Built once, as the questions to draw (lms.quizzes.queries): a start runs it, and building a statement costs
    # about as much as SQLite takes to run it.
    return (select(func.count(QuizAttempt.id), func.max(case((QuizAttempt.status == "in_progress", QuizAttempt.id))))
            .where(QuizAttempt.enrolment_id == bindparam("enrolment_id"), QuizAttempt.quiz_id == bindparam("quiz_id")))


def attempt_tally(enrolment_id: int, quiz_id: int) -> Tally:
    """The enrolment's attempt in progress at the quiz and how many it has started: one statement, and one
    more to load the attempt in progress when there is one (the start button then says "Continue")."""
    used, open_id = plain_first(_tally_statement(), {"enrolment_id": enrolment_id, "quiz_id": quiz_id})
    return Tally(db.session.get(QuizAttempt, open_id) if open_id is not None else None, used or 0)


def start_attempt(enrolment, quiz: Quiz, rng: random.Random | None = None, language: str | None = None,
                  tally: Tally | None = None) -> QuizAttempt:
    """Start an attempt (or return the one in progress) for the trainee's enrolment (any object with `id`,
    `user_id` and `status`): draw the questions and store the draw. A withdrawn enrolment may start no
    attempt and continue none (AttemptError("withdrawn")) until it is restored.

    `language` is a published language version of the course: the attempt is drawn with its texts and keeps
    them (None: the course's own language). An attempt in progress goes on in the version it was started in.

    Starting is idempotent, across requests and workers: the database holds one attempt in progress per
    enrolment and quiz (uq_quiz_attempts_in_progress), so when two starts race (a double click, two tabs),
    the second one's insert is refused and it returns the attempt the first one opened.

    `tally` is the enrolment's `attempt_tally` at the quiz when the caller has just read it; it is read again
    on a second try. The new attempt stays loaded after its commit: the redirect to it reads it no more.
    """
    if getattr(enrolment, "status", None) == "withdrawn":
        raise AttemptError("withdrawn")
    if getattr(enrolment, "waiting_since", None) is not None:
        raise AttemptError("waiting")
    for tries_left in reversed(range(START_TRIES)):
        tally = tally or attempt_tally(enrolment.id, quiz.id)
        current = tally.open
        if current is not None:
            close_if_expired(current)
            if current.status == "in_progress":
                return current
        attempt = _new_attempt(enrolment, quiz, rng, language, tally.used)
        try:
            # The INSERT meets a concurrent start's attempt as the commit would.
            _insert_new(attempt)
            keep_through_commits(db.session, attempt)
            # The new attempt counts in the enrolment's figures, with the trainee's activity (learning keeps them).
            signals.attempt_started.send(SENDER, enrolment_id=enrolment.id, quiz_id=quiz.id, when=attempt.started_at)
            db.session.commit()
        except (IntegrityError, OperationalError):
            # IntegrityError: another request opened an attempt (or took its number) first. OperationalError:
            # SQLite refuses a write from a transaction that read before another writer committed. Either
            # way, start again from what is committed now, which holds the other request's attempt.
            db.session.rollback()
            if not tries_left:
                raise
            tally = None
            continue
        return attempt
    raise AssertionError("unreachable")  # the last try returns or raises


def _new_attempt(enrolment, quiz: Quiz, rng: random.Random | None, language: str | None, used: int) -> QuizAttempt:
    """A new attempt of the enrolment at the quiz, which has started `used`, with its questions drawn (not yet
    added to the session); AttemptError when no attempt is left or the quiz has no questions."""
    if quiz.attempts_allowed and used >= quiz.attempts_allowed:
        raise AttemptError("no_attempts_left")
    questions = queries.questions_to_draw(quiz.id)
    if not questions:
        raise AttemptError("no_questions")
    now = clock.now()
    versions = ({item_id: text for (_kind, item_id), text in language_queries.texts(
        quiz.course_id, language, "question", [q.id for q in questions]).items()} if language else None)
    draw = grading.draw_questions(quiz, questions, rng or random.SystemRandom(), versions)
    return QuizAttempt(quiz_id=quiz.id, enrolment_id=enrolment.id, user_id=enrolment.user_id, number=used + 1,
                       status="in_progress", started_at=now, draw=draw, language=language,
                       deadline_at=now + timedelta(minutes=quiz.time_limit_minutes) if quiz.time_limit_minutes else None)


def _insert_new(attempt: QuizAttempt) -> None:
    """Write a new attempt (not in the session yet) with one INSERT built once, then put the object in the session
    as the row it now is (`make_transient_to_detached`): the session's unit of work took a quarter of a start's time
    for this one row (issue 25). Every column is given a value first, so that nothing is read back."""
    if attempt.token is None:
        attempt.token = new_attempt_token()
    for name in _NEW_ATTEMPT_UNSET:
        setattr(attempt, name, None)
    values = {name: getattr(attempt, name) for name in _NEW_ATTEMPT_COLUMNS}
    attempt.id = db.session.connection().execute(_insert_attempt_statement(), values).scalar_one()
    make_transient_to_detached(attempt)
    db.session.add(attempt)


#: A new attempt's columns besides its id: those a start gives, then those it leaves empty until it closes.
_NEW_ATTEMPT_UNSET = ("submitted_at", "score", "max_score", "percent", "passed")
_NEW_ATTEMPT_COLUMNS = tuple(c.name for c in QuizAttempt.__table__.columns if c.name != "id")


@cache
def _insert_attempt_statement():
    table = QuizAttempt.__table__
    return insert(table).values({name: bindparam(name, type_=table.c[name].type) for name in _NEW_ATTEMPT_COLUMNS}
                                ).returning(table.c.id)


def accepting(attempt: QuizAttempt, now: datetime) -> bool:
    """Whether answers to `attempt` still count at `now`."""
    return attempt.status == "in_progress" and (
        attempt.deadline_at is None or now <= attempt.deadline_at + timedelta(seconds=GRACE_SECONDS))


def parse_responses(attempt: QuizAttempt, raw: dict[str, list[str]], slugs: list[str]) -> dict:
    """Turn submitted form values into responses for the questions `slugs` of the attempt.

    Anything that cannot come from the attempt's own page (an unknown question, a choice of
    another question, two choices for a single-choice question) raises AttemptError("tampered").
    Numeric answers that can be read as two numbers raise AnswersRefused, which carries the others.
    """
    items = {item["slug"]: item for item in attempt.draw}
    responses, refused = {}, {}
    for slug in slugs:
        item = items.get(slug)
        if item is None:
            raise AttemptError("tampered")
        values = [v for v in raw.get(slug, []) if v != ""]
        kind = item["kind"]
        if kind in grading.CHOICE_KINDS:
            allowed = {str(c["id"]): c["id"] for c in item["choices"]}
            if any(v not in allowed for v in values) or (kind == "single_choice" and len(values) > 1):
                raise AttemptError("tampered")
            responses[slug] = sorted({allowed[v] for v in values}) or None
        elif kind == "true_false":
            if len(values) > 1 or (values and values[0] not in ("true", "false")):
                raise AttemptError("tampered")
            responses[slug] = (values[0] == "true") if values else None
        else:
            if len(values) > 1:
                raise AttemptError("tampered")
            text = values[0].strip()[:MAX_TEXT] if values else ""
            if kind == "numeric" and grading.read_number(text).problem == "ambiguous":
                refused[slug] = text
            else:
                responses[slug] = text or None
    if refused:
        raise AnswersRefused(responses, refused)
    return responses


def refuse_ambiguous(attempt: QuizAttempt, responses: dict) -> None:
    """Raise AnswersRefused if any of `responses` is a numeric answer that can be read as two numbers
    (the check of every writer of answers, whoever the caller)."""
    numeric = {item["slug"] for item in attempt.draw if item["kind"] == "numeric"}
    refused = {slug: response for slug, response in responses.items()
               if slug in numeric and grading.read_number(response).problem == "ambiguous"}
    if refused:
        raise AnswersRefused({k: v for k, v in responses.items() if k not in refused}, refused)


def save_answers(attempt: QuizAttempt, responses: dict) -> datetime:
    """Store the trainee's answers as they are now. Refused once the attempt no longer accepts answers,
    and when a numeric answer can be read as two numbers (AnswersRefused: nothing is stored)."""
    now = clock.now()
    if not accepting(attempt, now):
        close_if_expired(attempt)
        raise AttemptError("closed", attempt)
    refuse_ambiguous(attempt, responses)
    existing = {a.question_slug: a for a in db.session.scalars(
        select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id))}
    ids = {item["slug"]: item["question_id"] for item in attempt.draw}
    for slug, response in responses.items():
        answer = existing.get(slug)
        if answer is None:
            answer = AttemptAnswer(attempt_id=attempt.id, question_slug=slug, question_id=ids.get(slug))
            db.session.add(answer)
        answer.response, answer.saved_at = response, now
    signals.activity.send(SENDER, enrolment_id=attempt.enrolment_id, when=now)
    db.session.commit()
    return now


def submit_attempt(attempt: QuizAttempt, responses: dict | None = None) -> QuizAttempt:
    """Save the last answers, close the attempt and grade it. A second submission is refused, and so are
    last answers with a number that can be read two ways (AnswersRefused: the attempt stays open)."""
    if attempt.status != "in_progress":
        raise AttemptError("already_submitted", attempt)
    now = clock.now()
    if responses and not accepting(attempt, now):
        close_if_expired(attempt)
        raise AttemptError("closed", attempt)
    if responses:
        refuse_ambiguous(attempt, responses)
    return _close(attempt, "submitted", now, responses)


def close_if_expired(attempt: QuizAttempt) -> bool:
    """Close and grade an attempt whose deadline (plus grace) has passed; True if it did."""
    if attempt.status != "in_progress" or attempt.deadline_at is None:
        return False
    if clock.now() <= attempt.deadline_at + timedelta(seconds=GRACE_SECONDS):
        return False
    try:
        _close(attempt, "expired", attempt.deadline_at)
    except AttemptError:
        return False  # someone else closed it first
    return True


def close_expired() -> int:
    """Close every attempt past its deadline (the periodic job); returns how many were closed."""
    limit = clock.now() - timedelta(seconds=GRACE_SECONDS)
    ids = db.session.scalars(select(QuizAttempt.id).where(
        QuizAttempt.status == "in_progress", QuizAttempt.deadline_at.is_not(None),
        QuizAttempt.deadline_at < limit)).all()
    closed = 0
    for attempt_id in ids:
        attempt = db.session.get(QuizAttempt, attempt_id)
        if attempt is not None and close_if_expired(attempt):
            closed += 1
    return closed


def _close(attempt: QuizAttempt, status: str, when: datetime, responses: dict | None = None) -> QuizAttempt:
    """Grade in memory, then claim the attempt with a conditional UPDATE that also stores the result,
    write every answer with its points (`_store_grades`), and announce the activity and a pass (learning
    decides completion in the same transaction): one commit. `responses` (saved at `when`) override the
    answers saved before."""
    db.session.flush()
    # The statements run on the session's connection and transaction: none of them loads or changes an
    # ORM object, so the ORM's execution steps would only add time (a third of a submission on SQLite).
    connection = db.session.connection()
    saved, result = stored.grade_saved(connection, attempt, responses or {})
    try:
        claimed = connection.execute(stored.claim_statement(), dict(stored.outcome(result), attempt_id=attempt.id,
                                                              status=status, submitted_at=when)).rowcount
    except OperationalError:
        claimed = 0  # SQLite: another writer got there first
    if claimed != 1:
        db.session.rollback()
        db.session.refresh(attempt)
        raise AttemptError("already_submitted", attempt)
    stored.store_grades(connection, attempt, saved, responses or {}, result, when)
    set_committed_value(attempt, "status", status)
    set_committed_value(attempt, "submitted_at", when)
    # Counted in the enrolment's figures, with the trainee's activity when it is a submission (learning keeps them).
    signals.attempt_closed.send(SENDER, enrolment_id=attempt.enrolment_id, quiz_id=attempt.quiz_id,
                                percent=result["percent"], passed=bool(result["passed"]),
                                active_at=when if status == "submitted" else None)
    # Only a passed quiz can newly meet a completion rule: a failed or expired attempt changes
    # neither the lessons viewed nor the quizzes passed.
    if result["passed"]:
        signals.quiz_passed.send(SENDER, enrolment_id=attempt.enrolment_id, quiz_id=attempt.quiz_id)
    attempt_id = attempt.id
    db.session.commit()
    log.info("attempt %s %s: %s%%", attempt_id, status, result["percent"])
    return attempt


def grade(attempt: QuizAttempt) -> None:
    """Grade a closed attempt again from its saved answers and store the result the same way a
    submission does (regrading, after the caller corrected the attempt's draw); a pass is announced as a
    submission's is, so the trainee may complete the course. The caller commits."""
    db.session.flush()  # the corrected draw
    connection = db.session.connection()
    saved, result = stored.grade_saved(connection, attempt, {})
    connection.execute(stored.result_statement(), dict(stored.outcome(result), attempt_id=attempt.id))
    stored.store_grades(connection, attempt, saved, {}, result, attempt.submitted_at)
    signals.work_changed.send(SENDER, enrolment_ids=[attempt.enrolment_id])
    if result["passed"]:
        signals.quiz_passed.send(SENDER, enrolment_id=attempt.enrolment_id, quiz_id=attempt.quiz_id)
