"""Answers through an outage: numbered saves from a device, answers received late, and the staff's decisions.

The attempt page's script keeps every answer on the device and sends it with a sequence number (`seq`, 1, 2, ...
per attempt on that device) and the device's time; it sends again whatever was not answered. Saves are
idempotent: each stored answer remembers the number of the save that wrote it and is overwritten only by a higher
one, so a save sent twice, or after a later one, changes nothing. A save without a number (the page's own form,
without JavaScript) writes as it always did and keeps the answer's number.

The server stays the judge of time. A numbered save that arrives after deadline + grace, of an attempt closed at
its deadline, whose device time is at or before deadline + grace, is kept as answers "received late after an
outage" (LateAnswers), not counted; the quiz's staff accept it (the answers are applied and the attempt regraded
once, through the quiz engine's `grade`, so a pass may complete the course) or reject it, both audited. A quiz
that accepts them automatically (practice) has them applied at once. Staff may upload a "Download my answers"
file (lms.quizzes.answerfile): it is judged as late answers from the device, or, for an attempt still open,
applied as a numbered save. Device times and files are the trainee's claim: nothing here proves them.
"""
from __future__ import annotations

import hmac
import logging
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.attributes import flag_modified

from lms.audit import services as audit
from lms.core import clock, signals, when
from lms.extensions import db
from lms.quizzes.answerfile import AnswerFile
from lms.quizzes.models import GRACE_SECONDS, AttemptAnswer, LateAnswers, Quiz, QuizAttempt, new_attempt_token
from lms.quizzes.services import (
    SENDER, AnswersRefused, AttemptError, accepting, close_if_expired, grade, parse_responses, refuse_ambiguous,
)

log = logging.getLogger("lms.quizzes")

# Numbered saves of one attempt that race each other (two tabs, a replay crossing the first send, a queue
# emptied at once): the loser starts again from what the winner committed, after a short random pause so that
# the losers do not meet again; each try loses to one writer at most, so a handful of tries covers any queue.
TRIES = 8
PAUSE_SECONDS = 0.02


class LateError(ValueError):
    """A refused action on late answers or a file; `code` names why (the views turn it into words):
    decided, not_this_quiz, token, submitted, after_deadline, no_deadline, answers."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass
class SaveOutcome:
    """What a numbered save did. `saved`: its answers count in the attempt (written now or before); `seq`: the
    highest number applied to the attempt; `duplicate`: the save changed nothing, its answers having come with
    this or a higher number already; `late`: the answers were received late after an outage (`item` holds
    them), and `accepted` when the quiz's setting applied them at once."""

    saved: bool
    seq: int
    duplicate: bool = False
    saved_at: datetime | None = None
    late: bool = False
    accepted: bool = False
    item: LateAnswers | None = None
    refused: dict = field(default_factory=dict)


def attempt_token(attempt: QuizAttempt) -> str:
    """The attempt's token, giving one to an attempt that has none yet (made before tokens existed)."""
    if not attempt.token:
        attempt.token = new_attempt_token()
        db.session.commit()
    return attempt.token


def highest_seq(attempt_id: int) -> int:
    """The highest sequence number applied to the attempt's answers (0: none)."""
    return db.session.scalar(select(func.max(AttemptAnswer.seq)).where(AttemptAnswer.attempt_id == attempt_id)) or 0


def _retrying(work):
    """Run `work()` (which commits) again from what is committed when a concurrent writer got there first."""
    for tries_left in reversed(range(TRIES)):
        try:
            return work()
        except (IntegrityError, OperationalError, StaleDataError):
            # IntegrityError: the other save inserted the same answer (or late row) first. OperationalError:
            # SQLite refuses a write from a transaction that read before another writer committed.
            # StaleDataError: the late answers changed (another save merged into them, or they were decided)
            # since they were read (LateAnswers.version).
            db.session.rollback()
            if not tries_left:
                raise
            time.sleep(random.uniform(0, PAUSE_SECONDS))
    raise AssertionError("unreachable")


def _apply(attempt: QuizAttempt, responses: dict, seqs: dict[str, int], now: datetime) -> int:
    """Write each response whose number (`seqs`) is higher than its stored answer's; returns how many were
    written. The rule is in the UPDATE's condition, so it holds whatever a concurrent save wrote since the
    read (SQLite reads outside the writer's transaction); a new answer inserted by both gives one an
    IntegrityError (`_retrying` starts it again)."""
    existing = dict(db.session.execute(select(AttemptAnswer.question_slug, AttemptAnswer.id)
                                       .where(AttemptAnswer.attempt_id == attempt.id)).all())
    ids = {item["slug"]: item["question_id"] for item in attempt.draw}
    written = 0
    for slug, response in responses.items():
        seq = seqs[slug]
        if slug not in existing:
            db.session.add(AttemptAnswer(attempt_id=attempt.id, question_slug=slug, question_id=ids.get(slug),
                                         response=response, seq=seq, saved_at=now))
            written += 1
            continue
        written += db.session.execute(
            update(AttemptAnswer).where(AttemptAnswer.id == existing[slug],
                                        or_(AttemptAnswer.seq.is_(None), AttemptAnswer.seq < seq))
            .values(response=response, seq=seq, saved_at=now).execution_options(synchronize_session=False)).rowcount
    db.session.flush()
    return written


def save_numbered(attempt: QuizAttempt, responses: dict, seq: int) -> SaveOutcome:
    """Store a numbered save of an attempt that accepts answers: each answer only over one written by a lower
    number (or none). Refused as `save_answers` refuses (closed, a number read two ways)."""
    now = clock.now()
    if not accepting(attempt, now):
        close_if_expired(attempt)
        raise AttemptError("closed", attempt)
    refuse_ambiguous(attempt, responses)

    def work() -> SaveOutcome:
        before = highest_seq(attempt.id)
        written = _apply(attempt, responses, dict.fromkeys(responses, seq), now)
        signals.activity.send(SENDER, enrolment_id=attempt.enrolment_id, when=now)
        db.session.commit()
        return SaveOutcome(saved=True, seq=max(before, seq if written else 0),
                           duplicate=not written and seq <= before, saved_at=now)

    return _retrying(work)


def _late_seqs(attempt_id: int) -> dict[str, int]:
    """Per question, the highest number among the attempt's late answers (pending or decided)."""
    highest: dict[str, int] = {}
    for answers in db.session.scalars(select(LateAnswers.answers).where(LateAnswers.attempt_id == attempt_id)):
        for slug, entry in (answers or {}).items():
            highest[slug] = max(highest.get(slug, 0), int(entry.get("seq", 0)))
    return highest


def receive_late(attempt: QuizAttempt, responses: dict, seq: int, device_at: datetime, source: str = "device",
                 actor=None, file_sha256: str | None = None) -> SaveOutcome:
    """Keep a numbered save received after deadline + grace of an attempt closed at its deadline, saved on the
    device (by its clock) at or before deadline + grace: merged into the attempt's pending late answers of this
    source, question by question, the highest number winning; answers this or a higher number brought before
    (counted or late) change nothing. The quiz may accept them at once (`accepts_late_answers`). AttemptError
    "closed" when the attempt was not closed at its deadline or the device time is after it."""
    if attempt.status != "expired" or attempt.deadline_at is None:
        raise AttemptError("closed", attempt)
    if device_at > attempt.deadline_at + timedelta(seconds=GRACE_SECONDS):
        raise AttemptError("closed", attempt)
    refused = {}
    try:
        refuse_ambiguous(attempt, responses)
    except AnswersRefused as exc:  # kept without the answers that could be read two ways
        responses, refused = exc.responses, exc.refused

    def work() -> SaveOutcome:
        now = clock.now()
        counted = {slug: s for slug, s in db.session.execute(
            select(AttemptAnswer.question_slug, AttemptAnswer.seq).where(AttemptAnswer.attempt_id == attempt.id))}
        held = _late_seqs(attempt.id)
        new = {slug: response for slug, response in responses.items()
               if seq > (counted.get(slug) or 0) and seq > held.get(slug, 0)}
        if not new:
            in_counted = all((counted.get(slug) or 0) >= seq for slug in responses)
            return SaveOutcome(saved=in_counted, seq=highest_seq(attempt.id), duplicate=True, late=not in_counted,
                               refused=refused)
        item = db.session.scalar(select(LateAnswers).where(
            LateAnswers.attempt_id == attempt.id, LateAnswers.source == source, LateAnswers.status == "pending")
            .with_for_update())
        if item is None:
            item = LateAnswers(attempt_id=attempt.id, quiz_id=attempt.quiz_id, user_id=attempt.user_id, source=source,
                               status="pending", answers={}, seq=seq, device_saved_at=device_at)
            db.session.add(item)
        item.answers = {**(item.answers or {}), **{slug: {"seq": seq, "response": r} for slug, r in new.items()}}
        flag_modified(item, "answers")
        item.seq = max(item.seq or 0, seq)
        item.device_saved_at = max(item.device_saved_at or device_at, device_at)
        item.received_at = now
        if source == "file":
            item.received_by_id, item.file_sha256 = getattr(actor, "id", None), file_sha256
        db.session.flush()
        audit.record("late_answers.received", actor=actor, target=attempt, late_answers=item.id, source=source,
                     seq=seq, questions=len(new), device_saved_at=when.iso(device_at, when.zone("UTC")))
        quiz = db.session.get(Quiz, attempt.quiz_id)
        accepted = quiz.accepts_late_answers
        if accepted:
            _accept(item, None, automatic=True)
        db.session.commit()
        return SaveOutcome(saved=accepted, seq=highest_seq(attempt.id), late=True, accepted=accepted, item=item,
                           refused=refused)

    return _retrying(work)


def _result(attempt: QuizAttempt) -> dict:
    return {"score": str(attempt.score), "percent": str(attempt.percent), "passed": attempt.passed}


def _claim(item: LateAnswers, status: str, actor, automatic: bool) -> None:
    """Decide a pending item with a conditional UPDATE: two decisions at once give one (LateError "decided")."""
    now = clock.now()
    claimed = db.session.execute(
        update(LateAnswers).where(LateAnswers.id == item.id, LateAnswers.status == "pending")
        .values(status=status, decided_at=now, decided_by_id=getattr(actor, "id", None), automatic=automatic,
                version=LateAnswers.version + 1)
        .execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        db.session.rollback()
        raise LateError("decided")
    db.session.refresh(item)


def _accept(item: LateAnswers, actor, automatic: bool = False) -> int:
    """Apply a pending item's answers (each over a stored answer of a lower number only), regrade the attempt
    once and audit it; returns how many answers were applied. The caller commits."""
    db.session.flush()
    _claim(item, "accepted", actor, automatic)
    attempt = db.session.get(QuizAttempt, item.attempt_id)
    before = _result(attempt)
    answers = item.answers or {}
    applied = _apply(attempt, {slug: entry.get("response") for slug, entry in answers.items()},
                     {slug: int(entry.get("seq", 0)) for slug, entry in answers.items()}, clock.now())
    grade(attempt)
    audit.record("late_answers.accepted", actor=actor, target=attempt, late_answers=item.id, source=item.source,
                 automatic=automatic, applied=applied, before=before, after=_result(attempt))
    signals.late_answers_decided.send(SENDER, item=item, attempt=attempt)
    log.info("late answers %s of attempt %s accepted (%s applied)", item.id, attempt.id, applied)
    return applied


def accept(item: LateAnswers, actor) -> int:
    """The quiz's staff accept answers received late: applied, the attempt regraded (a pass may complete the
    course), audited, the trainee told; returns how many answers were applied. LateError "decided" when
    someone decided first."""
    applied = _accept(item, actor)
    db.session.commit()
    return applied


def reject(item: LateAnswers, actor) -> None:
    """The quiz's staff reject answers received late: they stay as they were, not counted; audited, the
    trainee told. LateError "decided" when someone decided first."""
    db.session.flush()
    _claim(item, "rejected", actor, automatic=False)
    attempt = db.session.get(QuizAttempt, item.attempt_id)
    audit.record("late_answers.rejected", actor=actor, target=attempt, late_answers=item.id, source=item.source)
    signals.late_answers_decided.send(SENDER, item=item, attempt=attempt)
    db.session.commit()


def receive_file(quiz: Quiz, found: AnswerFile, actor) -> SaveOutcome:
    """A "Download my answers" file uploaded by the quiz's staff. The attempt must be of this quiz and the file
    carry its token. Its answers are read as the attempt page's form (anything not of the attempt's questions
    refuses the file). For an attempt still open they are applied as a numbered save; for one closed at its
    deadline they are late answers from a file (judged as any); a submitted attempt takes none, and a file
    saved after the deadline is refused. Audited."""
    attempt = db.session.get(QuizAttempt, found.attempt)
    if attempt is None or attempt.quiz_id != quiz.id:
        raise LateError("not_this_quiz")
    if not hmac.compare_digest((attempt.token or "").encode(), found.token.encode()):
        raise LateError("token")
    try:
        responses = parse_responses(attempt, found.answers, list(found.answers))
    except AnswersRefused as exc:
        responses = exc.responses
    except AttemptError:
        raise LateError("answers") from None
    close_if_expired(attempt)
    if attempt.status == "submitted":
        raise LateError("submitted")
    if attempt.status == "in_progress":
        outcome = save_numbered(attempt, responses, found.seq)
        audit.record("late_answers.file_applied", actor=actor, target=attempt, seq=found.seq,
                     duplicate=outcome.duplicate, sha256=found.sha256)
        db.session.commit()
        return outcome
    if attempt.deadline_at is None:
        raise LateError("no_deadline")
    try:
        return receive_late(attempt, responses, found.seq, found.saved_at, source="file", actor=actor,
                            file_sha256=found.sha256)
    except AttemptError:
        raise LateError("after_deadline") from None
