"""Per-enrolment facts in one SQL statement: the ground every report, export and API answer stands on.

For each current enrolment cycle of a trainee within the reader's scope, and that passes the filters:
live lessons viewed, attempts at live quizzes, quizzes passed, the course score, whether the
final assessment was submitted and passed, progress, the state (not started, in progress,
completed; withdrawn) and the trainee's certification in the course. Everything is grouped in SQL (no query per row) and the statement is the same on
SQLite and PostgreSQL; only two small expressions (days between two moments, the month of a
moment) compile differently per database.

The counts are not made again from every lesson view and attempt on each report: they are kept per enrolment,
and per enrolment and quiz, when the trainee works (lms.learning.figures), and read here in one pass over the
enrolments in scope, less the share of items no longer live and with the course's final assessment decided now,
so that a report costs what its scope holds (issue 25).

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
- progress: live lessons viewed, live quizzes passed and live assignments and practical assessments passed
  (a current, released, passed mark or record: `Judgement.counts`), out of the course's live lessons, quizzes,
  assignments and practical assessments, as a whole percent rounded down (`progress_percent`: 100 only when every item is done); the one
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

from datetime import datetime

from sqlalchemy import Float, Integer, String, case, func, literal, or_, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from lms.assignments.models import Assignment
from lms.auth.models import User
from lms.catalog.items import live, live_items, module_of
from lms.catalog.models import Course, Lesson, Module
from lms.core.types import UTCDateTime
from lms.institutions.models import Institution
from lms.learning.figures import final_quizzes, overdue_final_attempts, retired_share
from lms.learning.models import Enrolment, QuizFigures
from lms.practicals.models import Practical
from lms.quizzes.models import Quiz
from lms.reports.filters import CERTIFICATIONS, ReportFilters
from lms.runs.models import CourseRun

STATES = ("not_started", "in_progress", "completed", "withdrawn")
# The enrolment statuses that decide the states "completed" and "withdrawn" whatever the enrolment's figures.
COMPLETED, WITHDRAWN = "completed", "withdrawn"
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


def scoped_enrolments(scope, filters: ReportFilters, user_id: int | None = None, courses: bool = True):
    """SELECT of the ids of the current enrolments within `scope` that pass `filters`, joined to their trainee
    (`User`), the trainee's `Institution` and, with `courses` or a course filter, the `Course`.

    `scope` is the SQL condition on the enrolled trainee (`User`) of what the reader may see: the
    viewer's `lms.access.report_scope`, or one the caller has decided itself (a trainee's own
    enrolments through the API).
    """
    query = (select(Enrolment.id)
             .join(User, User.id == Enrolment.user_id)
             .join(Institution, Institution.id == User.institution_id))
    if courses or filters.course:
        query = query.join(Course, Course.id == Enrolment.course_id)
    query = query.where(Enrolment.is_current.is_(True), User.role == "trainee", scope)
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


def certification(held, lasting, best_expiry, notice_days, now: datetime):
    """SQL: the certification (one of CERTIFICATION) from a trainee's certificates in a course, summed up
    as `lms.learning.figures.certificates_of` does and the enrolment keeps it (`held` NULL or 0: none), with the
    institution's `notice_days`.

    The one definition: the reports, their exports, the API and the expiring certificates page use it."""
    moment = literal(now, UTCDateTime())
    return case((func.coalesce(held, 0) == 0, literal("never")),
                (lasting == 1, literal("certified")),
                (best_expiry.is_(None), literal("revoked")),
                (best_expiry <= moment, literal("expired")),
                (days_between(best_expiry, moment) <= notice_days, literal("expiring")),
                else_=literal("certified"))


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


def assessed_totals():
    """A subquery (course_id, n) of each course's live assignments and practical assessments (progress counts
    them beside lessons and quizzes)."""
    items = union_all(live_items(Assignment, Assignment.course_id.label("course_id")),
                      live_items(Practical, Practical.course_id.label("course_id"))).subquery("assessed_items")
    return (select(items.c.course_id, func.count().label("n")).group_by(items.c.course_id)
            .subquery("assessed_total"))


def course_figures():
    """A subquery (course_id, lessons, quizzes, assessed, final_quiz_id) of every course: its live lessons, quizzes,
    assignments and practical assessments, and its final assessment. One small row per course, so that the facts
    join one thing per course instead of four."""
    lessons_total, quizzes_total = live_item_totals()
    assessed_total = assessed_totals()
    final = final_quizzes()
    return (select(Course.id.label("course_id"), func.coalesce(lessons_total.c.n, 0).label("lessons"),
                   func.coalesce(quizzes_total.c.n, 0).label("quizzes"),
                   func.coalesce(assessed_total.c.n, 0).label("assessed"), final.c.quiz_id.label("final_quiz_id"))
            .outerjoin(lessons_total, lessons_total.c.course_id == Course.id)
            .outerjoin(quizzes_total, quizzes_total.c.course_id == Course.id)
            .outerjoin(assessed_total, assessed_total.c.course_id == Course.id)
            .outerjoin(final, final.c.course_id == Course.id)
            .subquery("course_figures"))


def retired_figures():
    """A subquery (enrolment_id, viewed, attempts, score_sum, passed, assessed) of what the kept figures count of
    items no longer live (`lms.learning.figures.retired_share`), one row per enrolment that has any: few rows, and
    one join for the facts instead of three."""
    viewed, quizzes, assessed = retired_share()
    zero = literal(0)
    rows = union_all(
        select(viewed.c.enrolment_id, viewed.c.n.label("viewed"), zero.label("attempts"), zero.label("score_sum"),
               zero.label("passed"), zero.label("assessed")),
        select(quizzes.c.enrolment_id, zero, quizzes.c.attempts, quizzes.c.score_sum, quizzes.c.quizzes_passed, zero),
        select(assessed.c.enrolment_id, zero, zero, zero, zero, assessed.c.n)).subquery("retired_rows")
    return (select(rows.c.enrolment_id, *(func.sum(rows.c[name]).label(name)
                                          for name in ("viewed", "attempts", "score_sum", "passed", "assessed")))
            .group_by(rows.c.enrolment_id).subquery("retired"))


def facts(scope, filters: ReportFilters, now: datetime, user_id: int | None = None):
    """A CTE with one row per enrolment in scope and its figures (see the module docstring for the columns).

    One pass over the enrolments in scope (found through the trainees of the scope: an institution's through the
    index on users.institution_id, then each trainee's enrolments), each with the figures kept on its own row when
    its trainee worked (lms.learning.figures): its sums, less the share of items that are not live any more (few
    rows); its final assessment's figures, read from that quiz's own row only where the course's final has changed
    since they were counted; its trainee's certificates in the course; the course's totals; and the few attempts at
    a final assessment still in progress past their deadline, which count as submitted from that moment on."""
    per_course = course_figures()
    retired = retired_figures()
    overdue = overdue_final_attempts(now)

    def kept(column, retired_part):
        return column - func.coalesce(retired_part, 0)

    def final_figure(name: str):
        # The kept figure where it was counted for the course's final of the moment; else the quiz's own row.
        own_row = (select(getattr(QuizFigures, name)).where(QuizFigures.enrolment_id == Enrolment.id,
                                                            QuizFigures.quiz_id == per_course.c.final_quiz_id)
                   .scalar_subquery())
        return case((per_course.c.final_quiz_id.is_(None), 0),
                    (Enrolment.final_quiz_id == per_course.c.final_quiz_id, getattr(Enrolment, f"final_{name}")),
                    else_=func.coalesce(own_row, 0))

    n_quizzes = func.coalesce(per_course.c.quizzes, 0)
    n_viewed = kept(Enrolment.lessons_viewed, retired.c.viewed)
    n_attempts = kept(Enrolment.attempts, retired.c.attempts)
    n_passed = kept(Enrolment.quizzes_passed, retired.c.passed)
    done = n_viewed + n_passed + kept(Enrolment.assessed_passed, retired.c.assessed)
    items = func.coalesce(per_course.c.lessons, 0) + n_quizzes + func.coalesce(per_course.c.assessed, 0)
    progress = progress_percent(done, items)
    certified = certification(Enrolment.certificates_held, Enrolment.certificate_lasting,
                              Enrolment.certificate_best_expiry, Institution.expiry_notice_days, now)
    # The status alone decides the first two states, by the rules the charts count with (`counted`, `completed`).
    state = case((~counted(Enrolment.status), literal("withdrawn")),
                 (completed(Enrolment.status), literal("completed")),
                 (or_(n_viewed > 0, n_attempts > 0), literal("in_progress")), else_=literal("not_started"))
    score = case((n_quizzes > 0, kept(Enrolment.score_sum, retired.c.score_sum) * 1.0 / n_quizzes))
    final_submitted = case((overdue.c.enrolment_id.is_not(None), 1), else_=final_figure("submitted"))
    # The course is joined only where a filter names it: nothing else of it is read here.
    query = (scoped_enrolments(scope, filters, user_id, courses=False)
             .outerjoin(retired, retired.c.enrolment_id == Enrolment.id)
             .outerjoin(per_course, per_course.c.course_id == Enrolment.course_id)
             .outerjoin(overdue, overdue.c.enrolment_id == Enrolment.id)
             .with_only_columns(
                 Enrolment.id.label("enrolment_id"), Enrolment.user_id, Enrolment.course_id,
                 User.institution_id.label("institution_id"), Enrolment.enrolled_at, Enrolment.completed_at,
                 Enrolment.due_on, Enrolment.due_at, Enrolment.last_activity_at, Enrolment.withdrawn_at,
                 Enrolment.run_id, Enrolment.status,
                 state.label("state"), certified.label("certification"),
                 case((Enrolment.source == RECORDED, 1), else_=0).label("recorded"),
                 n_viewed.label("lessons_viewed"), n_attempts.label("attempts"), n_passed.label("quizzes_passed"),
                 progress.label("progress"), score.label("course_score"),
                 final_submitted.label("final_submitted"),
                 final_figure("passed").label("final_passed"), maintain_column_froms=True))
    if filters.certification:
        query = query.where(certified == filters.certification)
    return query.cte("facts")


def counted(status):
    """SQL: an enrolment of this `status` (`Enrolment.status`, or a `status` column of the facts or of
    `counted_enrolments`) counts in the report's figures: its state is not "withdrawn". Decided by the status alone,
    as the state is for it, so that a statement that needs no other figure can count without the facts' joins."""
    return status != WITHDRAWN


def completed(status):
    """SQL: an enrolment of this `status` is in the state "completed" (see `counted`)."""
    return status == COMPLETED


def counted_enrolments(scope, filters: ReportFilters, now: datetime):
    """A subquery (institution_id, status, completed_at) of the current enrolments in scope that pass `filters`, for
    the statements that count them by status alone (the charts): `scoped_enrolments`, and the facts only when the
    certification filter needs them. Through the facts, SQLite computed every figure's joins for a chart of two
    counts (4× a hand-written count at M); PostgreSQL left out the joins that nothing read."""
    if filters.certification:
        f = facts(scope, filters, now)
        return select(f.c.institution_id, f.c.status, f.c.completed_at).subquery("counted")
    return (scoped_enrolments(scope, filters, courses=False)
            .with_only_columns(User.institution_id.label("institution_id"), Enrolment.status, Enrolment.completed_at,
                               maintain_column_froms=True)
            .subquery("counted"))


def state_order(column):
    """Sort key of a state: not started, in progress, completed, withdrawn."""
    return case((column == "not_started", 0), (column == "in_progress", 1), (column == "completed", 2),
                else_=3).cast(Integer)


def certification_order(column):
    """Sort key of a certification: certified, expiring, expired, revoked, never."""
    return case(*[(column == name, index) for index, name in enumerate(CERTIFICATION)], else_=len(CERTIFICATION)
                ).cast(Integer)
