"""The completion report, its totals, the figures per institution and the completions per month,
aggregated in SQL from `facts.facts`.

The completion report's rows and totals come from one statement that reads the facts once:
GROUPING SETS and percentile_cont on PostgreSQL; on SQLite, which has neither, a UNION ALL over the
facts numbered by window functions (ROW_NUMBER and COUNT over the group), the median being the
mean of the one or two middle rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, case, extract, func, literal, null, or_, select, tuple_, union_all

from lms.catalog.models import Course
from lms.core import clock
from lms.core.db import parallel_plans
from lms.extensions import db
from lms.institutions.models import Institution
from lms.reports.facts import CERTIFICATION, completed, counted, counted_enrolments, days_between, facts, year_month
from lms.reports.filters import ReportFilters
from lms.reports.queries.common import _number, _percent


@dataclass
class CompletionRow:
    """One line of the completion report: an institution and a course (or the totals: both None)."""

    institution_code: str | None
    institution_name: str | None
    country: str | None
    course_slug: str | None
    course_title: str | None
    enrolled: int
    not_started: int
    in_progress: int
    completed: int
    final_submitted: int
    final_passed: int
    average_best_score: float | None
    median_days: float | None
    last_activity_at: datetime | None
    institution_id: int | None = None
    course_id: int | None = None
    # The trainees by certification in the course (`facts.certification`), and the withdrawn enrolments
    # (0 unless the "show withdrawn" filter is set; they count in no other figure).
    certified: int = 0
    expiring: int = 0
    expired: int = 0
    revoked: int = 0
    never: int = 0
    withdrawn: int = 0

    @property
    def completion_rate(self) -> float | None:
        """Completed / enrolled, in percent."""
        return _percent(self.completed, self.enrolled)

    @property
    def pass_rate(self) -> float | None:
        """Of those who submitted the final assessment, the percent who passed it."""
        return _percent(self.final_passed, self.final_submitted)


@dataclass
class CompletionReport:
    """The rows (one per institution and course) and the totals over all of them."""

    rows: list[CompletionRow]
    totals: CompletionRow
    filters: ReportFilters = field(default_factory=ReportFilters)


def _figures(f):
    """Counts, mean score, final-assessment counts, last activity and certifications over a group of
    `f`'s rows; a withdrawn enrolment (listed only with the "show withdrawn" filter) counts in none of
    them but its own."""
    counted = f.c.state != "withdrawn"
    started = f.c.state.in_(("in_progress", "completed"))

    def count(condition, name):
        return func.sum(case((condition, 1), else_=0)).label(name)

    return [count(counted, "enrolled"),
            count(f.c.state == "not_started", "not_started"),
            count(f.c.state == "in_progress", "in_progress"),
            count(f.c.state == "completed", "completed"),
            func.avg(case((started, f.c.course_score))).label("average_best_score"),
            func.sum(case((counted, f.c.final_submitted), else_=0)).label("final_submitted"),
            func.sum(case((counted, f.c.final_passed), else_=0)).label("final_passed"),
            func.max(case((counted, f.c.last_activity_at))).label("last_activity_at"),
            *[count(and_(counted, f.c.certification == name), name) for name in CERTIFICATION],
            count(f.c.state == "withdrawn", "withdrawn")]


def _groups(f, keys, totals: bool = False):
    """SELECT of the figures of `facts` per group of `keys` and, with `totals`, one more row over all
    of them (keys NULL, is_total 1), reading `f` once: the totals are never a second pass over the facts."""
    if db.session.get_bind().dialect.name == "postgresql":
        return _groups_postgresql(f, keys, totals)
    return _groups_windowed(f, keys, totals)


def _groups_postgresql(f, keys, totals: bool):
    """GROUPING SETS for the totals; the median is percentile_cont over the intervals, which are exact
    (microseconds), so the middle of two is the same number as the mean of their days."""
    span = case((and_(f.c.state == "completed", f.c.recorded == 0), f.c.completed_at - f.c.enrolled_at))
    median = (extract("epoch", func.percentile_cont(0.5).within_group(span)) / 86400.0).label("median_days")
    if not keys:
        return select(*_figures(f), median, literal(1).label("is_total"))
    query = select(*keys, *_figures(f), median)
    if totals:
        return query.add_columns(func.grouping(keys[0]).label("is_total")).group_by(
            func.grouping_sets(tuple_(*keys), tuple_()))
    return query.add_columns(literal(0).label("is_total")).group_by(*keys)


def _numbered(days, partition, suffix: str):
    """rn_<suffix> and n_<suffix>: the row's place by `days` and the count in its partition. Both over one
    window (ROW_NUMBER ignores the frame), so SQLite sorts the rows once for the two, not twice."""
    window = {"partition_by": partition, "order_by": days, "rows": (None, None)}
    return [func.row_number().over(**window).label(f"rn_{suffix}"), func.count().over(**window).label(f"n_{suffix}")]


def _groups_windowed(f, keys, totals: bool):
    """SQLite (no GROUPING SETS, no percentile): the facts numbered once by window functions, then a
    GROUP BY and a UNION ALL for the totals; the median is the mean of the one or two middle rows."""
    # The days are named in a subquery first: spelt out in each window with its own bound 'completed',
    # SQLite would not see the windows as the same and would sort the rows once per window.
    days = case((and_(f.c.state == "completed", f.c.recorded == 0), days_between(f.c.completed_at, f.c.enrolled_at)))
    timed = select(*keys, f.c.state, f.c.course_score, f.c.final_submitted, f.c.final_passed,
                   f.c.last_activity_at, f.c.certification, days.label("days")).subquery("timed")
    pending = timed.c.days.is_(None)
    numbered = []
    if keys:
        numbered += _numbered(timed.c.days, [*[timed.c[k.name] for k in keys], pending], "g")
    if totals or not keys:
        numbered += _numbered(timed.c.days, [pending], "t")
    r = select(timed, *numbered).cte("ranked")

    def median(rn, n):
        middle = and_(r.c.days.is_not(None), or_(rn == (n + 1) // 2, rn == (n + 2) // 2))
        return func.avg(case((middle, r.c.days))).label("median_days")

    total = select(*[null().label(k.name) for k in keys], *_figures(r), median(r.c.rn_t, r.c.n_t),
                   literal(1).label("is_total")) if "rn_t" in r.c else None
    if not keys:
        return total
    group = [r.c[k.name] for k in keys]
    rows = select(*group, *_figures(r), median(r.c.rn_g, r.c.n_g), literal(0).label("is_total")).group_by(*group)
    return union_all(rows, total) if totals else rows


def _row(r, **names) -> CompletionRow:
    return CompletionRow(
        institution_code=names.get("institution_code"), institution_name=names.get("institution_name"),
        country=names.get("country"), course_slug=names.get("course_slug"), course_title=names.get("course_title"),
        enrolled=int(r.enrolled or 0), not_started=int(r.not_started or 0), in_progress=int(r.in_progress or 0),
        completed=int(r.completed or 0), final_submitted=int(r.final_submitted or 0),
        final_passed=int(r.final_passed or 0), average_best_score=_number(r.average_best_score),
        median_days=_number(r.median_days), last_activity_at=r.last_activity_at,
        institution_id=names.get("institution_id"), course_id=names.get("course_id"),
        **{name: int(getattr(r, name) or 0) for name in (*CERTIFICATION, "withdrawn")})


def completion_report(scope, filters: ReportFilters, now: datetime | None = None, *, limit: int | None = None,
                      offset: int = 0) -> CompletionReport:
    """One row per institution and course within `scope` (the SQL condition on the trainee, `lms.access.report_scope`), and the totals; one query in all, which
    reads the facts once for both.

    `limit` and `offset` cut a page out of the rows (the API); the totals are always over all of them.
    """
    f = facts(scope, filters, now or clock.now())
    g = _groups(f, [f.c.institution_id, f.c.course_id], totals=True).subquery("groups")
    order = (Institution.code, Course.title, Course.slug, g.c.course_id)
    columns = (g, Institution.code, Institution.name, Institution.country, Course.slug, Course.title)
    joined = (g.outerjoin(Institution, Institution.id == g.c.institution_id)
              .outerjoin(Course, Course.id == g.c.course_id))
    if limit is None:
        query = select(*columns).select_from(joined).order_by(g.c.is_total, *order)
    else:
        # The page is cut by numbering the rows rather than by LIMIT, which would cut the totals row too.
        numbered = (select(*columns, func.row_number().over(partition_by=g.c.is_total, order_by=order)
                           .label("position")).select_from(joined).subquery("numbered"))
        query = (select(numbered)
                 .where(or_(numbered.c.is_total == 1, numbered.c.position.between(offset + 1, offset + limit)))
                 .order_by(numbered.c.is_total, numbered.c.position))
    rows, totals = [], None
    with parallel_plans(db.session):
        result = db.session.execute(query).all()
    for r in result:
        if r.is_total:
            totals = _row(r)
        else:
            rows.append(_row(r, institution_code=r.code, institution_name=r.name, country=r.country,
                             course_slug=r.slug, course_title=r.title, institution_id=r.institution_id,
                             course_id=r.course_id))
    return CompletionReport(rows, totals, filters)


def count_completion_rows(scope, filters: ReportFilters, now: datetime | None = None) -> int:
    """How many (institution, course) rows the completion report has."""
    f = facts(scope, filters, now or clock.now())
    groups = select(f.c.institution_id, f.c.course_id).group_by(f.c.institution_id, f.c.course_id).subquery()
    with parallel_plans(db.session):
        return int(db.session.scalar(select(func.count()).select_from(groups)) or 0)


def completion_totals(scope, filters: ReportFilters, now: datetime | None = None) -> CompletionRow:
    """The totals over every enrolment in scope (medians and means over all of them, not of the rows)."""
    f = facts(scope, filters, now or clock.now())
    with parallel_plans(db.session):
        return _row(db.session.execute(_groups(f, [])).one())


@dataclass
class InstitutionRate:
    """An institution's line of the completion-rate chart: its enrolments counted as the report counts them."""

    institution_code: str
    institution_name: str
    country: str
    enrolled: int
    completed: int

    @property
    def completion_rate(self) -> float | None:
        """Completed / enrolled, in percent."""
        return _percent(self.completed, self.enrolled)


def completion_rates_by_institution(scope, filters: ReportFilters, now: datetime | None = None
                                    ) -> list[InstitutionRate]:
    """Enrolled and completed per institution (all courses that pass the filters), for the completion-rate chart:
    the report's own counts (`counted`, `completed`) of `counted_enrolments` and nothing else, so that the statement
    reads no more than the chart shows: at XL 0.8 s, where every figure of the report per institution took 6.1 s
    (PostgreSQL computed each fact's expression again for every figure that reads it)."""
    c = counted_enrolments(scope, filters, now or clock.now())
    g = (select(c.c.institution_id, func.sum(case((counted(c.c.status), 1), else_=0)).label("enrolled"),
                func.sum(case((completed(c.c.status), 1), else_=0)).label("completed"))
         .group_by(c.c.institution_id).subquery("groups"))
    query = (select(Institution.code, Institution.name, Institution.country, g.c.enrolled, g.c.completed)
             .select_from(g.join(Institution, Institution.id == g.c.institution_id))
             .order_by(Institution.code))
    with parallel_plans(db.session):
        result = db.session.execute(query).all()
    return [InstitutionRate(code, name, country, int(enrolled or 0), int(done or 0))
            for code, name, country, enrolled, done in result]


def completions_per_month(scope, filters: ReportFilters, now: datetime | None = None) -> list[tuple[str, int]]:
    """(YYYY-MM, completions) for every month from the first to the last completion in scope (UTC)."""
    c = counted_enrolments(scope, filters, now or clock.now())
    month = year_month(c.c.completed_at)
    with parallel_plans(db.session):
        counts = dict(db.session.execute(
            select(month, func.count()).where(completed(c.c.status)).group_by(month).order_by(month)).all())
    if not counts:
        return []
    first, last = min(counts), max(counts)
    months, (year, mon) = [], map(int, first.split("-"))
    while f"{year:04d}-{mon:02d}" <= last:
        key = f"{year:04d}-{mon:02d}"
        months.append((key, int(counts.get(key, 0))))
        year, mon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    return months
