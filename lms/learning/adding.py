"""The kept figures moved by adding instead of counting again (`lms.learning.figures` says what they are, and
`refresh` counts them from the rows): the three changes of every quiz taken. A quiz attempt started adds one attempt
(`count_started_attempt`, through `lms.core.signals.attempt_started`); one closed and graded moves its quiz's best
percent and pass (`count_closed_attempt`, through `attempt_closed`); a certificate issued adds one held
(`count_issued_certificate`, or `issued_values` in the UPDATE of a completion). Each does exactly what counting again
would, in a few small writes under the row's lock; the start's and the submission's note the trainee's activity in
the same UPDATE of the enrolment (`lms.learning.activity`).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, Numeric, and_, bindparam, case, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from lms.core.types import UTCDateTime
from lms.extensions import db
from lms.learning.activity import activity_values, note_in_session
from lms.learning.figures import refresh
from lms.learning.models import Enrolment, QuizFigures


# Built once per database, as `_LISTED`: every start of a quiz attempt runs them.
_STARTED_KEYS = {"enrolment_id": bindparam("started_enrolment_id"), "quiz_id": bindparam("started_quiz_id")}
_STARTED_ATTEMPT = {
    name: dialect.insert(QuizFigures).values(attempts=1, best=None, passed=0, submitted=0, **_STARTED_KEYS)
    .on_conflict_do_update(index_elements=[QuizFigures.enrolment_id, QuizFigures.quiz_id],
                           set_={"attempts": QuizFigures.attempts + 1})
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))}
_started_at = bindparam("started_active_at", type_=UTCDateTime())
_ONE_MORE_ATTEMPT = (update(Enrolment).where(Enrolment.id == bindparam("started_enrolment_id"))
                     .values(attempts=Enrolment.attempts + 1, **activity_values(_started_at))
                     .execution_options(synchronize_session=False))


def count_started_attempt(enrolment_id: int, quiz_id: int, when: datetime) -> None:
    """Count a quiz attempt just started (added to the session) at `when` in the enrolment's figures: one more attempt
    at the quiz and in all, and the trainee's activity noted (`lms.learning.activity`) in the same UPDATE of the
    enrolment. A start changes nothing else that `refresh` counts (an attempt in progress is not closed, has no
    percent and has not passed), so adding one gives what counting again would give, in two small statements
    instead of three that count every attempt and item of the enrolment. Each adds to what is stored under the
    row's lock, so two starts at once both count; a start refused (another one's attempt came first) rolls back
    with its additions. The caller commits."""
    db.session.flush()  # the attempt first: a concurrent start's is refused here, before anything is added
    connection = db.session.connection()
    keys = {"started_enrolment_id": enrolment_id, "started_quiz_id": quiz_id, "started_active_at": when}
    connection.execute(_STARTED_ATTEMPT[connection.dialect.name], keys)
    connection.execute(_ONE_MORE_ATTEMPT, keys)
    note_in_session(enrolment_id, when)


# Built once, as `_STARTED_ATTEMPT`: every submission of a quiz runs them. The quiz's row as it was (`_old`) is read
# by the enrolment's UPDATE, which runs first; the row's own UPDATE then moves it.
_QUIZ_ROW_KEYS = (QuizFigures.enrolment_id == bindparam("closed_enrolment_id"),
                  QuizFigures.quiz_id == bindparam("closed_quiz_id"))
_closed_percent = bindparam("closed_percent", type_=Numeric(5, 2))
_closed_passed = bindparam("closed_passed", type_=Integer())
_closed_at = bindparam("closed_active_at", type_=UTCDateTime())


def _old(column):
    return select(column).where(*_QUIZ_ROW_KEYS).scalar_subquery()


def _new_best(best):
    """The quiz's best percent once the closed attempt's counts: its percent where there was none or less."""
    return case((or_(best.is_(None), best < _closed_percent), _closed_percent), else_=best)


_closed_is_final = Enrolment.final_quiz_id == bindparam("closed_quiz_id")
_CLOSED_FIGURES = {
    "score_sum": Enrolment.score_sum + (_new_best(_old(QuizFigures.best)) - func.coalesce(_old(QuizFigures.best), 0)),
    "quizzes_passed": Enrolment.quizzes_passed + case(
        (and_(_closed_passed == 1, func.coalesce(_old(QuizFigures.passed), 0) == 0), 1), else_=0),
    "final_submitted": case((_closed_is_final, 1), else_=Enrolment.final_submitted),
    "final_passed": case((_closed_is_final, case((or_(_closed_passed == 1, _old(QuizFigures.passed) == 1), 1),
                                                 else_=0)), else_=Enrolment.final_passed)}
# With and without the trainee's activity noted (a submission notes it; an attempt closed at its deadline does not).
_CLOSED_ON_ENROLMENT = {
    noted: update(Enrolment).where(Enrolment.id == bindparam("closed_enrolment_id"))
    .values(**_CLOSED_FIGURES, **(activity_values(_closed_at) if noted else {}))
    .execution_options(synchronize_session=False) for noted in (False, True)}
_CLOSED_QUIZ_ROW = (update(QuizFigures).where(*_QUIZ_ROW_KEYS)
                    .values(best=_new_best(QuizFigures.best),
                            passed=case((_closed_passed == 1, 1), else_=QuizFigures.passed), submitted=1)
                    .execution_options(synchronize_session=False))


def count_closed_attempt(enrolment_id: int, quiz_id: int, percent, passed: bool, active_at: datetime | None) -> None:
    """Count a quiz attempt just closed and graded (submitted, or closed at its deadline) in the enrolment's figures,
    as `count_started_attempt` counts a start: the quiz's best percent (`percent`, 0 when None), its pass and "closed"
    on the quiz's row, and the enrolment's score sum, quizzes passed and final assessment's figures moved by as much,
    with the trainee's activity at `active_at` (None: none to note) in the same UPDATE. Closing one attempt changes
    nothing else that `refresh` counts (the attempt was counted when it started), so two small statements give what
    counting again would give, where three counted every attempt and item of the enrolment.

    Each statement moves what is stored under the row's lock, and the enrolment's reads the quiz's row as it was
    before this attempt: another attempt of the same enrolment closed at the same moment is at another quiz (one
    attempt at a time is in progress per quiz), so the two count each other. Where the quiz's row is missing
    (figures of before they were kept, a repair by hand), the enrolment is counted again instead. The caller
    commits."""
    db.session.flush()
    connection = db.session.connection()
    values = {"closed_enrolment_id": enrolment_id, "closed_quiz_id": quiz_id, "closed_active_at": active_at,
              "closed_percent": percent or 0, "closed_passed": 1 if passed else 0}
    connection.execute(_CLOSED_ON_ENROLMENT[active_at is not None], values)
    if connection.execute(_CLOSED_QUIZ_ROW, values).rowcount != 1:
        refresh([enrolment_id])
    if active_at is not None:
        note_in_session(enrolment_id, active_at)


def issued_values(expiry) -> dict:
    """The kept certificate figures of an enrolment once a certificate expiring at `expiry` (an SQL expression of
    the moment, a bound parameter or a literal; None: it never expires) counts: one more held, lasting if it never
    expires, the latest expiry if it is later. For an UPDATE of the enrolment's row, which adds under its lock."""
    if expiry is None:
        return {"certificates_held": Enrolment.certificates_held + 1, "certificate_lasting": 1}
    return {"certificates_held": Enrolment.certificates_held + 1, "certificate_best_expiry": case(
        (or_(Enrolment.certificate_best_expiry.is_(None), Enrolment.certificate_best_expiry < expiry), expiry),
        else_=Enrolment.certificate_best_expiry)}


def _issued_values(expires_at: datetime | None) -> dict:
    return issued_values(None if expires_at is None else literal(expires_at, UTCDateTime()))


def count_issued_certificate(enrolment: Enrolment, expires_at: datetime | None) -> None:
    """Count a certificate of `enrolment` just issued (added to the session) in the figures kept on its trainee's
    current enrolment in the course, by adding to what is stored under the row's lock (`issued_values`), where
    `refresh_certificates` counts every certificate again (a revocation does that). When `enrolment` is the current
    one, the additions are given to the object: they are written in the next UPDATE of its row. (A completion
    writes them in its own UPDATE: `lms.learning.services.completing`.) The caller commits."""
    if enrolment.is_current:
        for name, value in _issued_values(expires_at).items():
            setattr(enrolment, name, value)  # SQL expressions, evaluated by the database when the session flushes
        return
    db.session.flush()  # the certificate first: a second one for the same enrolment is refused here
    db.session.execute(update(Enrolment).where(Enrolment.user_id == enrolment.user_id,
                                               Enrolment.course_id == enrolment.course_id,
                                               Enrolment.is_current.is_(True))
                       .values(_issued_values(expires_at)).execution_options(synchronize_session=False))
