"""Named reads of the reports: the completion report with its totals, the drill-down, the data of
the charts and the rows of the exports. All built on `facts.facts`, aggregated in SQL.

The median of the days from enrolment to completion is computed with window functions
(ROW_NUMBER and COUNT over the group, then the mean of the one or two middle rows), so the same
statement works on SQLite, which has no percentile function, and on PostgreSQL.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, case, func, or_, select, true

from lms.auth.models import User
from lms.catalog.models import Course
from lms.core import clock
from lms.core.permissions import visible_institutions
from lms.extensions import db
from lms.institutions.models import Institution
from lms.learning.models import Certificate
from lms.reports.facts import days_between, facts, state_order, year_month
from lms.reports.filters import ReportFilters

PER_PAGE = 50
MAX_PER_PAGE = 500
MAX_PAGE = 1_000_000


def _number(value, digits: int = 1) -> float | None:
    """Rounded half up (4.25 -> 4.3), as people round by hand."""
    if value is None:
        return None
    return float(Decimal(str(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def _percent(part, whole) -> float | None:
    return _number(Decimal(part) * 100 / Decimal(whole)) if whole else None


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


def _aggregate(f, keys):
    """Counts, mean score, final-assessment counts and last activity per group of `keys` (columns of `f`)."""
    started = f.c.state != "not_started"
    return (select(*keys,
                   func.count().label("enrolled"),
                   func.sum(case((f.c.state == "not_started", 1), else_=0)).label("not_started"),
                   func.sum(case((f.c.state == "in_progress", 1), else_=0)).label("in_progress"),
                   func.sum(case((f.c.state == "completed", 1), else_=0)).label("completed"),
                   func.avg(case((started, f.c.course_score))).label("average_best_score"),
                   func.sum(f.c.final_submitted).label("final_submitted"),
                   func.sum(f.c.final_passed).label("final_passed"),
                   func.max(f.c.last_activity_at).label("last_activity_at"))
            .group_by(*keys).subquery("agg"))


def _medians(f, keys):
    """Median days from enrolment to completion per group of `keys`, with window functions."""
    days = days_between(f.c.completed_at, f.c.enrolled_at)
    window = {"partition_by": keys} if keys else {}
    ranked = (select(*keys, days.label("days"),
                     func.row_number().over(order_by=days, **window).label("rn"),
                     func.count().over(**window).label("n"))
              .where(f.c.state == "completed").subquery("ranked"))
    middle = or_(ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.rn == (ranked.c.n + 2) // 2)
    group = [ranked.c[k.name] for k in keys]
    return select(*group, func.avg(ranked.c.days).label("median_days")).where(middle).group_by(*group).subquery("med")


def _grouped(f, keys):
    """The aggregate of `facts` per group of `keys`, joined with its median."""
    agg, med = _aggregate(f, keys), _medians(f, keys)
    on = and_(*[med.c[k.name] == agg.c[k.name] for k in keys]) if keys else true()
    return agg, med, agg.outerjoin(med, on)


def _row(r, **names) -> CompletionRow:
    return CompletionRow(
        institution_code=names.get("institution_code"), institution_name=names.get("institution_name"),
        country=names.get("country"), course_slug=names.get("course_slug"), course_title=names.get("course_title"),
        enrolled=int(r.enrolled or 0), not_started=int(r.not_started or 0), in_progress=int(r.in_progress or 0),
        completed=int(r.completed or 0), final_submitted=int(r.final_submitted or 0),
        final_passed=int(r.final_passed or 0), average_best_score=_number(r.average_best_score),
        median_days=_number(r.median_days), last_activity_at=r.last_activity_at,
        institution_id=names.get("institution_id"), course_id=names.get("course_id"))


def completion_report(viewer, filters: ReportFilters, now: datetime | None = None, *, limit: int | None = None,
                      offset: int = 0) -> CompletionReport:
    """One row per institution and course in the viewer's scope, and the totals; three queries in all.

    `limit` and `offset` cut a page out of the rows (the API); the totals are always over all of them.
    """
    now = now or clock.now()
    f = facts(viewer, filters, now)
    keys = [f.c.institution_id, f.c.course_id]
    agg, med, joined = _grouped(f, keys)
    query = (select(agg, med.c.median_days, Institution.code, Institution.name, Institution.country,
                    Course.slug, Course.title)
             .select_from(joined.join(Institution, Institution.id == agg.c.institution_id)
                          .join(Course, Course.id == agg.c.course_id))
             .order_by(Institution.code, Course.title, Course.slug, Course.id))
    if limit is not None:
        query = query.limit(limit).offset(offset)
    rows = [_row(r, institution_code=r.code, institution_name=r.name, country=r.country, course_slug=r.slug,
                 course_title=r.title, institution_id=r.institution_id, course_id=r.course_id)
            for r in db.session.execute(query)]
    return CompletionReport(rows, completion_totals(viewer, filters, now), filters)


def count_completion_rows(viewer, filters: ReportFilters, now: datetime | None = None) -> int:
    """How many (institution, course) rows the completion report has."""
    f = facts(viewer, filters, now or clock.now())
    groups = select(f.c.institution_id, f.c.course_id).group_by(f.c.institution_id, f.c.course_id).subquery()
    return int(db.session.scalar(select(func.count()).select_from(groups)) or 0)


def completion_totals(viewer, filters: ReportFilters, now: datetime | None = None) -> CompletionRow:
    """The totals over every enrolment in scope (medians and means over all of them, not of the rows)."""
    f = facts(viewer, filters, now or clock.now())
    agg, med, joined = _grouped(f, [])
    return _row(db.session.execute(select(agg, med.c.median_days).select_from(joined)).one())


def completion_by_institution(viewer, filters: ReportFilters, now: datetime | None = None) -> list[CompletionRow]:
    """One row per institution (all courses that pass the filters), for the completion-rate chart."""
    f = facts(viewer, filters, now or clock.now())
    agg, med, joined = _grouped(f, [f.c.institution_id])
    query = (select(agg, med.c.median_days, Institution.code, Institution.name, Institution.country)
             .select_from(joined.join(Institution, Institution.id == agg.c.institution_id))
             .order_by(Institution.code))
    return [_row(r, institution_code=r.code, institution_name=r.name, country=r.country,
                 institution_id=r.institution_id) for r in db.session.execute(query)]


def completions_per_month(viewer, filters: ReportFilters, now: datetime | None = None) -> list[tuple[str, int]]:
    """(YYYY-MM, completions) for every month from the first to the last completion in scope (UTC)."""
    f = facts(viewer, filters, now or clock.now())
    month = year_month(f.c.completed_at)
    counts = dict(db.session.execute(
        select(month, func.count()).where(f.c.state == "completed").group_by(month).order_by(month)).all())
    if not counts:
        return []
    first, last = min(counts), max(counts)
    months, (year, mon) = [], map(int, first.split("-"))
    while f"{year:04d}-{mon:02d}" <= last:
        key = f"{year:04d}-{mon:02d}"
        months.append((key, int(counts.get(key, 0))))
        year, mon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    return months


# --- Trainee rows: the drill-down, the enrolments export and the API ---

SORTS = ("name", "email", "institution", "course", "status", "progress", "score", "attempts", "enrolled",
         "completed")


@dataclass
class EnrolmentRow:
    """A trainee's current enrolment with its figures."""

    enrolment_id: int
    user_id: int
    name: str
    email: str
    institution_code: str
    institution_name: str
    country: str
    course_slug: str
    course_title: str
    state: str
    progress: int
    course_score: float | None
    attempts: int
    lessons_viewed: int
    quizzes_passed: int
    enrolled_at: datetime
    due_at: datetime | None
    completed_at: datetime | None
    last_activity_at: datetime | None
    certificate_code: str | None

    @property
    def enrolled_on(self):
        """The enrolment date (UTC)."""
        return _utc_date(self.enrolled_at)

    @property
    def due_on(self):
        """The due date (UTC), if any."""
        return _utc_date(self.due_at)

    @property
    def completed_on(self):
        """The completion date (UTC), if completed."""
        return _utc_date(self.completed_at)


def _utc_date(moment: datetime | None):
    return moment.astimezone(UTC).date() if moment is not None else None


def enrolment_rows_query(viewer, filters: ReportFilters, now: datetime | None = None, sort: str = "name",
                         descending: bool = False, user_id: int | None = None, scope=None):
    """SELECT of the trainee rows in scope, sorted (ties by name, then enrolment)."""
    f = facts(viewer, filters, now or clock.now(), user_id=user_id, scope=scope)
    keys = {"name": func.lower(User.name), "email": User.email, "institution": Institution.code,
            "course": Course.slug, "status": state_order(f.c.state), "progress": f.c.progress,
            "score": f.c.course_score, "attempts": f.c.attempts, "enrolled": f.c.enrolled_at,
            "completed": f.c.completed_at}
    key = keys.get(sort, keys["name"])
    key = key.desc() if descending else key.asc()
    return (select(f.c.enrolment_id, f.c.user_id, User.name, User.email,
                   Institution.code.label("institution_code"), Institution.name.label("institution_name"),
                   Institution.country, Course.slug.label("course_slug"), Course.title.label("course_title"),
                   f.c.state, f.c.progress, f.c.course_score, f.c.attempts, f.c.lessons_viewed, f.c.quizzes_passed,
                   f.c.enrolled_at, f.c.due_at, f.c.completed_at, f.c.last_activity_at,
                   Certificate.code.label("certificate_code"))
            .select_from(f)
            .join(User, User.id == f.c.user_id)
            .join(Institution, Institution.id == f.c.institution_id)
            .join(Course, Course.id == f.c.course_id)
            .outerjoin(Certificate, Certificate.enrolment_id == f.c.enrolment_id)
            .order_by(key.nulls_last(), func.lower(User.name), f.c.enrolment_id))


def to_enrolment_row(r) -> EnrolmentRow:
    """An EnrolmentRow from a row of `enrolment_rows_query`."""
    return EnrolmentRow(
        enrolment_id=r.enrolment_id, user_id=r.user_id, name=r.name, email=r.email,
        institution_code=r.institution_code, institution_name=r.institution_name, country=r.country,
        course_slug=r.course_slug, course_title=r.course_title, state=r.state, progress=int(r.progress or 0),
        course_score=_number(r.course_score), attempts=int(r.attempts or 0), lessons_viewed=int(r.lessons_viewed or 0),
        quizzes_passed=int(r.quizzes_passed or 0), enrolled_at=r.enrolled_at, due_at=r.due_at,
        completed_at=r.completed_at, last_activity_at=r.last_activity_at, certificate_code=r.certificate_code)


@dataclass
class Page:
    """A page of rows, shaped like Flask-SQLAlchemy's pagination for the `pager` macro."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.per_page else 1

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def count_enrolments(viewer, filters: ReportFilters, now: datetime | None = None, user_id: int | None = None,
                     scope=None) -> int:
    """How many trainee rows are in scope."""
    f = facts(viewer, filters, now or clock.now(), user_id=user_id, scope=scope)
    return int(db.session.scalar(select(func.count()).select_from(f)) or 0)


def enrolment_page(viewer, filters: ReportFilters, *, sort: str = "name", descending: bool = False, page: int = 1,
                   per_page: int = PER_PAGE, user_id: int | None = None, now: datetime | None = None,
                   scope=None) -> Page:
    """A page of trainee rows, sorted; two queries."""
    now = now or clock.now()
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, min(page, MAX_PAGE))
    total = count_enrolments(viewer, filters, now, user_id, scope)
    query = enrolment_rows_query(viewer, filters, now, sort, descending, user_id, scope)
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page))
    return Page([to_enrolment_row(r) for r in rows], page, per_page, total)


def stream_enrolments(viewer, filters: ReportFilters, now: datetime | None = None, sort: str = "name",
                      descending: bool = False, batch: int = 1000, session=None):
    """Every trainee row in scope, fetched in batches through a server-side cursor (for exports).

    `session` is the database session to read with (a streamed response brings its own)."""
    query = enrolment_rows_query(viewer, filters, now, sort, descending).execution_options(yield_per=batch)
    for r in (session or db.session).execute(query):
        yield to_enrolment_row(r)


# --- Lookups for the pages and the API, scoped by the viewer ---

def visible_institution(viewer, code: str) -> Institution | None:
    """The institution with this code if the viewer may see its reports."""
    if not code or "\x00" in code or len(code) > 32:
        return None
    return db.session.scalar(select(Institution).where(Institution.code == code, visible_institutions(viewer)))


def institution_choices(viewer) -> list[Institution]:
    """Institutions the viewer may pick in the filters."""
    return list(db.session.scalars(select(Institution).where(visible_institutions(viewer)).order_by(Institution.code)))


def country_choices(viewer) -> list[str]:
    """Countries of the institutions the viewer may see."""
    return list(db.session.scalars(select(Institution.country).where(visible_institutions(viewer)).distinct()
                                   .order_by(Institution.country)))


def course_choices() -> list[Course]:
    """Courses to filter by: every course that is not a draft."""
    return list(db.session.scalars(select(Course).where(Course.status != "draft").order_by(Course.title)))


