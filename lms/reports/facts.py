"""Per-enrolment facts in one SQL statement: the ground every report, export and API answer stands on.

For each current enrolment cycle of a trainee within the reader's scope, and that passes the filters:
live lessons viewed, attempts at live quizzes, quizzes passed, the course score, whether the
final assessment was submitted and passed, progress, the state (not started, in progress,
completed; withdrawn) and the trainee's certification in the course. Everything is grouped in SQL (no query per row) and the statement is the same on
SQLite and PostgreSQL; only two small expressions (days between two moments, the month of a
moment) compile differently per database.

Definitions (also in the README):
- live: a lesson or quiz that is not retired, in a module that is not retired;
- closed attempt: submitted or expired, or still "in_progress" past its deadline plus the grace
  period (the periodic job has simply not closed it yet);
- not started: no live lesson viewed and no attempt at a live quiz (and not completed);
- in progress: started and not completed; completed: the enrolment's status is "completed";
- recorded: a completion recorded by hand for training done elsewhere (source "recorded"): completed, and
  counted as such unless the filter `recorded=exclude` leaves it out (`scoped_enrolments`); its time to
  complete is unknown, so no median of days to complete counts it;
- withdrawn: the enrolment's status is "withdrawn". Withdrawn enrolments are left out of everything
  (`scoped_enrolments`) unless the "show withdrawn" filter is set; then they are listed with the state
  "withdrawn", which every figure of the completion report leaves out but its own count;
- progress: live lessons viewed plus live quizzes passed, out of the course's live lessons and quizzes,
  as a whole percent rounded down (`progress_percent`: 100 only when every item is done); the one
  definition, shown alike by the drill-down, the exports, the API and the instructor's dashboard;
- course score: mean over the course's live quizzes of the best percentage of the trainee's
  closed attempts, 0 for a quiz without one (an attempt closed but not graded yet counts 0);
- final assessment: the live quiz marked final (the last one in course order if several), or the
  course's last live quiz when none is marked final;
- certification (`certification`): of the trainee in the course, counted from the certificates of
  every cycle (a recertifying officer whose earlier certificate is still valid is certified). Each
  certificate stands as revoked (revoked, whatever its dates), expired (its expiry has passed),
  expiring (valid now, expires within the institution's notice period, `expiry_notice_days`) or
  certified (valid now, expires later or never); the best certificate decides, in the order
  certified > expiring > expired > revoked, and a trainee without any is "never" certified.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Float, Integer, String, and_, case, func, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from lms.auth.models import User
from lms.catalog.items import live, module_of
from lms.catalog.models import Course, Lesson, Module
from lms.core.types import UTCDateTime
from lms.institutions.models import Institution
from lms.learning.models import Certificate, Enrolment, LessonProgress
from lms.quizzes.models import GRACE_SECONDS, Quiz, QuizAttempt
from lms.reports.filters import CERTIFICATIONS, ReportFilters
from lms.runs.models import CourseRun

STATES = ("not_started", "in_progress", "completed", "withdrawn")
RECORDED = "recorded"  # the source of an enrolment completed by a recorded completion (lms.recorded)
#: The certification of a trainee in a course, best first (see the module docstring).
CERTIFICATION = CERTIFICATIONS


class days_between(FunctionElement):  # noqa: N801  (reads as a SQL function)
    """Days (fractional) from the second moment to the first."""

    type = Float()
    inherit_cache = True
    name = "days_between"


@compiles(days_between)
def _days_between_sqlite(element, compiler, **kw):
    later, earlier = list(element.clauses)
    return f"(julianday({compiler.process(later, **kw)}) - julianday({compiler.process(earlier, **kw)}))"


@compiles(days_between, "postgresql")
def _days_between_postgresql(element, compiler, **kw):
    later, earlier = list(element.clauses)
    return (f"(EXTRACT(EPOCH FROM ({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)}))"
            " / 86400.0)")


class year_month(FunctionElement):  # noqa: N801
    """'YYYY-MM' of a moment, in UTC."""

    type = String()
    inherit_cache = True
    name = "year_month"


@compiles(year_month)
def _year_month_sqlite(element, compiler, **kw):
    return f"strftime('%Y-%m', {compiler.process(list(element.clauses)[0], **kw)})"


@compiles(year_month, "postgresql")
def _year_month_postgresql(element, compiler, **kw):
    return f"to_char(timezone('UTC', {compiler.process(list(element.clauses)[0], **kw)}), 'YYYY-MM')"


def scoped_enrolments(scope, filters: ReportFilters, user_id: int | None = None):
    """SELECT of the ids of the current enrolments within `scope` that pass `filters`.

    `scope` is the SQL condition on the enrolled trainee (`User`) of what the reader may see: the
    viewer's `lms.access.report_scope`, or one the caller has decided itself (a trainee's own
    enrolments through the API).
    """
    query = (select(Enrolment.id)
             .join(User, User.id == Enrolment.user_id)
             .join(Institution, Institution.id == User.institution_id)
             .join(Course, Course.id == Enrolment.course_id)
             .where(Enrolment.is_current.is_(True), User.role == "trainee", scope))
    if not filters.withdrawn:
        # The one place that leaves withdrawn enrolments out of the figures, lists and exports.
        query = query.where(Enrolment.status != "withdrawn")
    if not filters.include_recorded:
        # The one place that leaves the completions recorded by hand out, when the filter asks.
        query = query.where(Enrolment.source != RECORDED)
    if user_id is not None:
        query = query.where(Enrolment.user_id == user_id)
    if filters.course:
        query = query.where(Course.slug == filters.course)
    if filters.institution:
        query = query.where(Institution.code == filters.institution)
    if filters.country:
        query = query.where(Institution.country == filters.country)
    if filters.run:
        query = query.where(Enrolment.run_id.in_(select(CourseRun.id).where(CourseRun.code == filters.run)))
    # Periods are whole days in the viewer's zone: [start of the first day, end of the last).
    for column, (start, end) in ((Enrolment.enrolled_at, filters.enrolled_range()),
                                 (Enrolment.completed_at, filters.completed_range())):
        if start is not None:
            query = query.where(column >= start)
        if end is not None:
            query = query.where(column < end)
    return query


def certificate_summary(enrolment_ids):
    """Subquery (enrolment_id, held, lasting, best_expiry) over the certificates of every cycle of each
    enrolment's trainee in its course: how many they hold, 1 if one is valid and never expires, and the
    latest expiry of those not revoked (NULL if all are revoked). Enrolments without any are absent."""
    alive = Certificate.revoked_at.is_(None)
    return (select(Enrolment.id.label("enrolment_id"), func.count(Certificate.id).label("held"),
                   func.max(case((and_(alive, Certificate.expires_at.is_(None)), 1), else_=0)).label("lasting"),
                   func.max(case((alive, Certificate.expires_at))).label("best_expiry"))
            .select_from(Enrolment)
            .join(Certificate, and_(Certificate.user_id == Enrolment.user_id,
                                    Certificate.course_id == Enrolment.course_id))
            .where(Enrolment.id.in_(enrolment_ids))
            .group_by(Enrolment.id).subquery("certification"))


def certification(held, lasting, best_expiry, notice_days, now: datetime):
    """SQL: the certification (one of CERTIFICATION) from a trainee's certificates in a course, summed up
    as `certificate_summary` does (`held` NULL or 0: none), with the institution's `notice_days`.

    The one definition: the reports, their exports, the API and the expiring certificates page use it."""
    moment = literal(now, UTCDateTime())
    return case((func.coalesce(held, 0) == 0, literal("never")),
                (lasting == 1, literal("certified")),
                (best_expiry.is_(None), literal("revoked")),
                (best_expiry <= moment, literal("expired")),
                (days_between(best_expiry, moment) <= notice_days, literal("expiring")),
                else_=literal("certified"))


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


def progress_percent(done, items):
    """SQL: the whole percent of `items` that are `done`, rounded down (1 of 13 is 7, not 8), 0 for a
    course without items and 100 once everything is done. Rounded down so that a trainee with an item
    left never reads 100 %; integer division, the same on SQLite and PostgreSQL."""
    return case((items == 0, 0), (done >= items, 100), else_=(done * 100) // items)


def live_item_totals():
    """Subqueries (course_id, n) of each course's live lessons and live quizzes: what progress counts out of."""
    lessons_total = (select(Lesson.course_id, func.count(Lesson.id).label("n"))
                     .join(Module, module_of(Lesson)).where(live(Lesson))
                     .group_by(Lesson.course_id).subquery("lessons_total"))
    quizzes_total = (select(Quiz.course_id, func.count(Quiz.id).label("n"))
                     .join(Module, module_of(Quiz)).where(live(Quiz))
                     .group_by(Quiz.course_id).subquery("quizzes_total"))
    return lessons_total, quizzes_total


def lessons_viewed(enrolment_ids):
    """A subquery (enrolment_id, n) of the live lessons viewed in each of `enrolment_ids` (a SELECT of ids)."""
    return (select(LessonProgress.enrolment_id, func.count(LessonProgress.id).label("n"))
            .join(Lesson, Lesson.id == LessonProgress.lesson_id).join(Module, module_of(Lesson))
            .where(live(Lesson), LessonProgress.enrolment_id.in_(enrolment_ids))
            .group_by(LessonProgress.enrolment_id).subquery("viewed"))


def facts(scope, filters: ReportFilters, now: datetime, user_id: int | None = None):
    """A CTE with one row per enrolment in scope and its figures (see the module docstring for the columns)."""
    # NOT MATERIALIZED (PostgreSQL): planned from the tables' statistics rather than a guess of 200 ids, so the
    # attempts and lesson views are hash-joined, not looked up one enrolment at a time (make bench: 1.5x faster).
    scoped = (scoped_enrolments(scope, filters, user_id).cte("scoped")
              .prefix_with("NOT MATERIALIZED", dialect="postgresql"))
    scoped_ids = select(scoped.c.id)
    closed = closed_attempt(now, GRACE_SECONDS)
    final = final_quizzes()

    lessons_total, quizzes_total = live_item_totals()
    viewed = lessons_viewed(scoped_ids)
    is_final = final.c.quiz_id.is_not(None)
    per_quiz = (select(QuizAttempt.enrolment_id, QuizAttempt.quiz_id,
                       case((is_final, 1), else_=0).label("is_final"),
                       func.count(QuizAttempt.id).label("attempts"),
                       func.max(case((closed, func.coalesce(QuizAttempt.percent, 0)))).label("best"),
                       func.max(case((QuizAttempt.passed.is_(True), 1), else_=0)).label("passed"),
                       func.max(case((closed, 1), else_=0)).label("submitted"))
                .join(Quiz, Quiz.id == QuizAttempt.quiz_id).join(Module, module_of(Quiz))
                .outerjoin(final, final.c.quiz_id == QuizAttempt.quiz_id)
                .where(live(Quiz), QuizAttempt.enrolment_id.in_(scoped_ids))
                .group_by(QuizAttempt.enrolment_id, QuizAttempt.quiz_id, is_final).subquery("per_quiz"))
    per_enrolment = (select(per_quiz.c.enrolment_id,
                            func.sum(per_quiz.c.attempts).label("attempts"),
                            func.sum(func.coalesce(per_quiz.c.best, 0)).label("score_sum"),
                            func.sum(per_quiz.c.passed).label("quizzes_passed"),
                            func.max(per_quiz.c.is_final * per_quiz.c.submitted).label("final_submitted"),
                            func.max(per_quiz.c.is_final * per_quiz.c.passed).label("final_passed"))
                     .group_by(per_quiz.c.enrolment_id).subquery("per_enrolment"))

    n_lessons = func.coalesce(lessons_total.c.n, 0)
    n_quizzes = func.coalesce(quizzes_total.c.n, 0)
    n_viewed = func.coalesce(viewed.c.n, 0)
    n_attempts = func.coalesce(per_enrolment.c.attempts, 0)
    n_passed = func.coalesce(per_enrolment.c.quizzes_passed, 0)
    done = n_viewed + n_passed
    items = n_lessons + n_quizzes
    progress = progress_percent(done, items)
    held = certificate_summary(scoped_ids)
    certified = certification(held.c.held, held.c.lasting, held.c.best_expiry, Institution.expiry_notice_days, now)
    state = case((Enrolment.status == "withdrawn", literal("withdrawn")),
                 (Enrolment.status == "completed", literal("completed")),
                 (or_(n_viewed > 0, n_attempts > 0), literal("in_progress")), else_=literal("not_started"))
    score = case((n_quizzes > 0, func.coalesce(per_enrolment.c.score_sum, 0) * 1.0 / n_quizzes))
    query = (select(Enrolment.id.label("enrolment_id"), Enrolment.user_id, Enrolment.course_id,
                    User.institution_id.label("institution_id"), Enrolment.enrolled_at, Enrolment.completed_at,
                    Enrolment.due_on, Enrolment.due_at, Enrolment.last_activity_at, Enrolment.withdrawn_at,
                    Enrolment.run_id,
                    state.label("state"), certified.label("certification"),
                    case((Enrolment.source == RECORDED, 1), else_=0).label("recorded"),
                    n_viewed.label("lessons_viewed"), n_attempts.label("attempts"), n_passed.label("quizzes_passed"),
                    progress.label("progress"), score.label("course_score"),
                    func.coalesce(per_enrolment.c.final_submitted, 0).label("final_submitted"),
                    func.coalesce(per_enrolment.c.final_passed, 0).label("final_passed"))
             .select_from(Enrolment)
             .join(scoped, scoped.c.id == Enrolment.id)
             .join(User, User.id == Enrolment.user_id)
             .join(Institution, Institution.id == User.institution_id)
             .outerjoin(lessons_total, lessons_total.c.course_id == Enrolment.course_id)
             .outerjoin(quizzes_total, quizzes_total.c.course_id == Enrolment.course_id)
             .outerjoin(viewed, viewed.c.enrolment_id == Enrolment.id)
             .outerjoin(per_enrolment, per_enrolment.c.enrolment_id == Enrolment.id)
             .outerjoin(held, held.c.enrolment_id == Enrolment.id))
    if filters.certification:
        query = query.where(certified == filters.certification)
    return query.cte("facts")


def state_order(column):
    """Sort key of a state: not started, in progress, completed, withdrawn."""
    return case((column == "not_started", 0), (column == "in_progress", 1), (column == "completed", 2),
                else_=3).cast(Integer)


def certification_order(column):
    """Sort key of a certification: certified, expiring, expired, revoked, never."""
    return case(*[(column == name, index) for index, name in enumerate(CERTIFICATION)], else_=len(CERTIFICATION)
                ).cast(Integer)
