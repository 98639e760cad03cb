"""The figures kept on each enrolment (`Enrolment.lessons_viewed` ... `certificate_best_expiry`, the columns of
`KEPT`) and per enrolment and quiz (`QuizFigures`): lessons viewed, attempts, best scores, quizzes passed, closed and
passed attempts per quiz, assignments and practical assessments passed, the final assessment's figures and the
trainee's certificates in the course. Reports read them instead of counting the rows again on every report, and on
the enrolment's own row, so that a report reads one table and costs what its scope holds (issue 25).

`refresh` is the one writer: it counts the figures of any set of enrolments from the rows (a list of ids or a
SELECT of them), set-based, in three statements whatever the number (a DELETE and an INSERT ... SELECT of the
quizzes' rows, one UPDATE of the enrolments). The writers of those rows call it in their unit of work: learning's
own (a lesson viewed, a certificate issued or revoked, a new cycle) directly, the features below learning (an
attempt started, closed or graded again; a mark given, superseded or released; a practical record signed off or
released) through `lms.core.signals.work_changed`, and the features above it directly. `recount` rebuilds them all,
a course at a time (`lms reports recount`, after a repair by hand). The three changes of every quiz taken are counted
by adding instead of counting again (`lms.learning.adding`), each in a few small writes that do exactly what the three
statements would: a quiz attempt started adds one attempt; one closed and graded moves its quiz's best score and pass;
a certificate issued adds one held.

The kept figures count every item, live or not: what is live is decided by the report that reads them
(`retired_share`), from the few retired items, so retiring or restoring an item writes nothing here. The final
assessment's figures are those of `final_quiz_id`, the course's final when they were counted; where the course's
final has changed since (a quiz marked final, retired, added or moved), a report reads that quiz's own row in
`QuizFigures` instead, so the figures can never disagree with the content. "Closed" is the attempt's status here:
an attempt still in progress past its deadline counts as closed from that moment on, which no stored figure can
follow; the reports add those few (`overdue_final_attempts`: only the final assessment's "submitted" can change,
as such an attempt has no percent).
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, case, delete, func, insert, literal, or_, select, true, union_all, update
from sqlalchemy.orm import aliased

from lms.assignments.models import Assignment, Mark, Submission
from lms.catalog.items import live, live_items, module_of
from lms.catalog.models import Lesson, Module
from lms.extensions import db
from lms.learning.models import Certificate, Enrolment, LessonProgress, QuizFigures
from lms.practicals.models import Practical, Record
from lms.quizzes.models import GRACE_SECONDS, Quiz, QuizAttempt

FIGURES = ("lessons_viewed", "attempts", "score_sum", "quizzes_passed", "assessed_passed")
#: Every column kept on the enrolment: the figures, the final assessment's, the certificates'.
KEPT = (*FIGURES, "final_quiz_id", "final_submitted", "final_passed", "certificates_held", "certificate_lasting",
        "certificate_best_expiry")


def closed_attempt(now: datetime, grace_seconds: int):
    """SQL condition: the attempt counts as closed (submitted) at `now`."""
    limit = now - timedelta(seconds=grace_seconds)
    return or_(QuizAttempt.status != "in_progress",
               and_(QuizAttempt.deadline_at.is_not(None), QuizAttempt.deadline_at < limit))


def final_quizzes():
    """Subquery (course_id, quiz_id): each course's final assessment, as defined above."""
    ranked = (select(Quiz.course_id, Quiz.id.label("quiz_id"),
                     func.row_number().over(partition_by=Quiz.course_id,
                                            order_by=(Quiz.is_final.desc(), Module.position.desc(),
                                                      Quiz.position.desc(), Quiz.id.desc())).label("rn"))
              .join(Module, module_of(Quiz)).where(live(Quiz)).subquery("ranked_quizzes"))
    return select(ranked.c.course_id, ranked.c.quiz_id).where(ranked.c.rn == 1).subquery("final_quizzes")


def lessons_viewed(enrolment_ids):
    """A subquery (enrolment_id, n) of the live lessons viewed in each of `enrolment_ids` (a SELECT of ids)."""
    return (select(LessonProgress.enrolment_id, func.count(LessonProgress.id).label("n"))
            .join(Lesson, Lesson.id == LessonProgress.lesson_id).join(Module, module_of(Lesson))
            .where(live(Lesson), LessonProgress.enrolment_id.in_(enrolment_ids))
            .group_by(LessonProgress.enrolment_id).subquery("viewed"))


def assessed_passed(enrolment_ids):
    """A subquery (enrolment_id, n) of the live assignments and practical assessments passed in each of
    `enrolment_ids` (a SELECT of ids): by a current, released, passed mark or record, as completion counts them."""
    passed = union_all(
        live_items(Assignment, Submission.enrolment_id.label("enrolment_id"), Assignment.id.label("item_id"),
                   literal("assignment").label("kind"))
        .join(Submission, Submission.assignment_id == Assignment.id).join(Mark, Mark.submission_id == Submission.id)
        .where(Submission.enrolment_id.in_(enrolment_ids), Mark.counts),
        live_items(Practical, Record.enrolment_id.label("enrolment_id"), Practical.id.label("item_id"),
                   literal("practical").label("kind"))
        .join(Record, Record.practical_id == Practical.id)
        .where(Record.enrolment_id.in_(enrolment_ids), Record.counts)).subquery("assessed_rows")
    distinct = select(passed.c.enrolment_id, passed.c.item_id, passed.c.kind).distinct().subquery("assessed_items")
    return (select(distinct.c.enrolment_id, func.count().label("n")).group_by(distinct.c.enrolment_id)
            .subquery("assessed"))


def _best(closed):
    return func.max(case((closed, func.coalesce(QuizAttempt.percent, 0))))


def counted_quizzes(enrolment_ids):
    """SELECT of (enrolment_id, quiz_id, attempts, best, passed, submitted) counted from the attempts of each of
    `enrolment_ids` (a SELECT of ids or a list), per quiz: what `refresh` keeps in `QuizFigures`."""
    closed = QuizAttempt.status != "in_progress"
    return (select(QuizAttempt.enrolment_id, QuizAttempt.quiz_id, func.count(QuizAttempt.id).label("attempts"),
                   _best(closed).label("best"),
                   func.max(case((QuizAttempt.passed.is_(True), 1), else_=0)).label("passed"),
                   func.max(case((closed, 1), else_=0)).label("submitted"))
            .where(QuizAttempt.enrolment_id.in_(enrolment_ids))
            .group_by(QuizAttempt.enrolment_id, QuizAttempt.quiz_id))


def _within(column, enrolment_ids):
    """The condition `column IN enrolment_ids`, or none (True) when `enrolment_ids` is None: every enrolment."""
    return column.in_(enrolment_ids) if enrolment_ids is not None else true()


def assessed_counts(enrolment_ids=None, condition=None):
    """A subquery (enrolment_id, n) of the assignments and practical assessments passed (by a current, released,
    passed mark or record) in each of `enrolment_ids` (a SELECT of ids or a list; None: every enrolment), of the
    items `condition(model)` accepts (an SQL condition with the item's `Module` joined; None: every item)."""
    assignments = (select(Submission.enrolment_id.label("enrolment_id"), Submission.assignment_id.label("item_id"),
                          literal("assignment").label("kind"))
                   .join(Mark, Mark.submission_id == Submission.id)
                   .where(_within(Submission.enrolment_id, enrolment_ids), Mark.counts))
    practicals = (select(Record.enrolment_id.label("enrolment_id"), Record.practical_id.label("item_id"),
                         literal("practical").label("kind"))
                  .where(_within(Record.enrolment_id, enrolment_ids), Record.counts))
    if condition is not None:
        assignments = assignments.where(Submission.assignment_id.in_(
            select(Assignment.id).join(Module, module_of(Assignment)).where(condition(Assignment))))
        practicals = practicals.where(Record.practical_id.in_(
            select(Practical.id).join(Module, module_of(Practical)).where(condition(Practical))))
    rows = union_all(assignments, practicals).subquery("assessed_rows")
    distinct = select(rows.c.enrolment_id, rows.c.item_id, rows.c.kind).distinct().subquery("assessed_items")
    return (select(distinct.c.enrolment_id, func.count().label("n")).group_by(distinct.c.enrolment_id)
            .subquery("assessed"))


def certificates_of(enrolment_ids):
    """A subquery (user_id, course_id, held, lasting, best_expiry) of the certificates (every cycle) of the
    trainees of `enrolment_ids` (a SELECT of ids or a list) per trainee and course: how many they hold, 1 if one is
    valid and never expires, and the latest expiry of those not revoked (NULL if all are revoked)."""
    alive = Certificate.revoked_at.is_(None)
    owners = select(Enrolment.user_id).where(Enrolment.id.in_(enrolment_ids))
    return (select(Certificate.user_id, Certificate.course_id, func.count(Certificate.id).label("held"),
                   func.max(case((and_(alive, Certificate.expires_at.is_(None)), 1), else_=0)).label("lasting"),
                   func.max(case((alive, Certificate.expires_at))).label("best_expiry"))
            .where(Certificate.user_id.in_(owners))
            .group_by(Certificate.user_id, Certificate.course_id).subquery("certified"))


def counted(enrolment_ids):
    """SELECT of (id, *KEPT) counted from the rows for each of `enrolment_ids` (a SELECT of ids or a list): what
    `refresh` keeps on the enrolment. The final assessment's figures are read from `QuizFigures`, which must be
    counted first."""
    viewed = (select(LessonProgress.enrolment_id, func.count(LessonProgress.id).label("n"))
              .where(LessonProgress.enrolment_id.in_(enrolment_ids))
              .group_by(LessonProgress.enrolment_id).subquery("viewed"))
    per_quiz = counted_quizzes(enrolment_ids).subquery("per_quiz")
    quizzes = (select(per_quiz.c.enrolment_id, func.sum(per_quiz.c.attempts).label("attempts"),
                      func.sum(func.coalesce(per_quiz.c.best, 0)).label("score_sum"),
                      func.sum(per_quiz.c.passed).label("quizzes_passed"))
               .group_by(per_quiz.c.enrolment_id).subquery("quizzes"))
    assessed = assessed_counts(enrolment_ids)
    final = final_quizzes()
    final_row = aliased(QuizFigures, name="final_row")
    certified = certificates_of(enrolment_ids)
    figures = (func.coalesce(viewed.c.n, 0), func.coalesce(quizzes.c.attempts, 0),
               func.coalesce(quizzes.c.score_sum, 0), func.coalesce(quizzes.c.quizzes_passed, 0),
               func.coalesce(assessed.c.n, 0),
               final.c.quiz_id, func.coalesce(final_row.submitted, 0), func.coalesce(final_row.passed, 0),
               func.coalesce(certified.c.held, 0), func.coalesce(certified.c.lasting, 0), certified.c.best_expiry)
    return (select(Enrolment.id, *(figure.label(name) for figure, name in zip(figures, KEPT, strict=True)))
            .outerjoin(viewed, viewed.c.enrolment_id == Enrolment.id)
            .outerjoin(quizzes, quizzes.c.enrolment_id == Enrolment.id)
            .outerjoin(assessed, assessed.c.enrolment_id == Enrolment.id)
            .outerjoin(final, final.c.course_id == Enrolment.course_id)
            .outerjoin(final_row, and_(final_row.enrolment_id == Enrolment.id, final_row.quiz_id == final.c.quiz_id))
            .outerjoin(certified, and_(certified.c.user_id == Enrolment.user_id,
                                       certified.c.course_id == Enrolment.course_id))
            .where(Enrolment.id.in_(enrolment_ids)))


def keep_counted(enrolment_ids):
    """The UPDATE that writes `counted(enrolment_ids)` onto the enrolments."""
    rows = counted(enrolment_ids).subquery("counted")
    return (update(Enrolment).where(Enrolment.id == rows.c.id)
            .values({name: rows.c[name] for name in KEPT}).execution_options(synchronize_session=False))


def _ids(enrolment_ids):
    """A SELECT of ids, or the list itself (bound as an IN list)."""
    return list(enrolment_ids) if isinstance(enrolment_ids, (list, tuple, set, frozenset)) else enrolment_ids


def _statements(ids, attempts: bool) -> list:
    """The statements of `refresh` over `ids` (a SELECT of ids, or an expanding bind parameter)."""
    statements = []
    if attempts:
        statements.append(delete(QuizFigures).where(QuizFigures.enrolment_id.in_(ids))
                          .execution_options(synchronize_session=False))
        statements.append(insert(QuizFigures).from_select(
            ["enrolment_id", "quiz_id", "attempts", "best", "passed", "submitted"], counted_quizzes(ids)))
    statements.append(keep_counted(ids))
    return statements


#: Enrolments refreshed by one run of the listed statements (see `refresh`).
LISTED_BATCH = 1000
# Built once: a trainee's every lesson view, attempt and mark refreshes a few enrolments' figures, and building
# these statements anew took about as long as running them (issue 25's quiz start).
_LISTED = {attempts: _statements(bindparam("enrolment_ids", expanding=True), attempts) for attempts in (True, False)}


def refresh(enrolment_ids, attempts: bool = True) -> None:
    """Count again the figures of `enrolment_ids` (a list of ids or a SELECT of them) from the rows they count:
    the one writer of the enrolments' kept figures and of `QuizFigures`. Three statements whatever the number, one
    when the attempts did not change (`attempts` False: a lesson viewed, a mark or record, a certificate); the
    caller commits."""
    ids = _ids(enrolment_ids)
    if isinstance(ids, list) and not ids:
        return
    db.session.flush()  # the rows the caller has just added count
    if isinstance(ids, list):
        # On the session's connection, as Core statements: given parameters, the ORM would take an INSERT for
        # a bulk insert of them. Nothing loaded in the session holds these values (the columns are deferred).
        # In batches: the list is bound once per subquery, and SQLite takes a bounded number of values a statement
        # (a bulk enrolment makes 50,000 enrolments at once).
        connection = db.session.connection()
        for start in range(0, len(ids), LISTED_BATCH):
            for statement in _LISTED[attempts]:
                connection.execute(statement, {"enrolment_ids": ids[start:start + LISTED_BATCH]})
        return
    for statement in _statements(ids, attempts):
        db.session.execute(statement)


_CERTIFIED = keep_counted(select(Enrolment.id).where(
    Enrolment.user_id == bindparam("holder_id"), Enrolment.course_id == bindparam("in_course_id"),
    Enrolment.is_current.is_(True)))


def refresh_certificates(user_id: int, course_id: int) -> None:
    """Count again the figures kept on the trainee's current enrolment in the course, its certificates among them
    (a certificate issued or revoked): one statement, built once; the caller commits."""
    db.session.flush()  # the certificate just added or revoked counts
    db.session.connection().execute(_CERTIFIED, {"holder_id": user_id, "in_course_id": course_id})


def recount(progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuild every enrolment's figures from the rows, a course at a time (each set-based and committed), calling
    `progress(done, total)` after each course; returns how many enrolments hold figures afterwards."""
    courses = db.session.scalars(select(Enrolment.course_id).distinct().order_by(Enrolment.course_id)).all()
    # Rows whose enrolment is gone (the key cascades, unless a repair by hand ran with foreign keys off).
    db.session.execute(delete(QuizFigures).where(QuizFigures.enrolment_id.not_in(select(Enrolment.id)))
                       .execution_options(synchronize_session=False))
    for done, course_id in enumerate(courses, start=1):
        refresh(select(Enrolment.id).where(Enrolment.course_id == course_id))
        db.session.commit()
        if progress is not None:
            progress(done, len(courses))
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(Enrolment).where(
        or_(Enrolment.lessons_viewed > 0, Enrolment.attempts > 0, Enrolment.assessed_passed > 0)))


def retired_share():
    """Subqueries (enrolment_id, ...) of what the kept figures count of items that are not live (retired, or in a
    retired module), over every enrolment: lessons viewed (n); attempts, best scores and passes of quizzes
    (attempts, score_sum, quizzes_passed); assignments and practical assessments passed (n). A report takes them
    off. Few rows: they start from the retired items (through the indexes on lesson_progress.lesson_id and
    quiz_figures.quiz_id), and are hash-joined to the enrolments of any scope."""
    viewed = (select(LessonProgress.enrolment_id, func.count(LessonProgress.id).label("n"))
              .join(Lesson, Lesson.id == LessonProgress.lesson_id).join(Module, module_of(Lesson))
              .where(~live(Lesson)).group_by(LessonProgress.enrolment_id).subquery("retired_viewed"))
    quizzes = (select(QuizFigures.enrolment_id, func.sum(QuizFigures.attempts).label("attempts"),
                      func.sum(func.coalesce(QuizFigures.best, 0)).label("score_sum"),
                      func.sum(QuizFigures.passed).label("quizzes_passed"))
               .join(Quiz, Quiz.id == QuizFigures.quiz_id).join(Module, module_of(Quiz))
               .where(~live(Quiz)).group_by(QuizFigures.enrolment_id).subquery("retired_quizzes"))
    assessed = assessed_counts(condition=lambda model: ~live(model))
    return viewed, quizzes, assessed.alias("retired_assessed")


def overdue_final_attempts(now: datetime):
    """A subquery (enrolment_id) of the enrolments with an attempt at their course's final assessment still in
    progress past its deadline plus the grace period: closed at `now` (the periodic job has not closed it yet),
    which the stored `final_submitted` cannot know. Few rows, found through the index on (quiz_id, status)."""
    final = final_quizzes()
    limit = now - timedelta(seconds=GRACE_SECONDS)
    return (select(QuizAttempt.enrolment_id).join(final, final.c.quiz_id == QuizAttempt.quiz_id)
            .where(QuizAttempt.status == "in_progress", QuizAttempt.deadline_at.is_not(None),
                   QuizAttempt.deadline_at < limit)
            .group_by(QuizAttempt.enrolment_id).subquery("overdue_final"))
