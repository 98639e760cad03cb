"""Trainee rows: the drill-down pages, the enrolments export and the API, built on `facts.facts`."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import DateTime, String, case, func, select, type_coerce

from lms.auth.models import User
from lms.catalog.models import Course
from lms.core import clock, when
from lms.extensions import db
from lms.institutions.models import Institution
from lms.learning.models import Certificate
from lms.reports.facts import certification_order, facts, scoped_enrolments, state_order
from lms.reports.filters import ReportFilters
from lms.reports.queries.common import MAX_PAGE, MAX_PER_PAGE, PER_PAGE, _number
from lms.runs.models import CourseRun
from lms.sessions.queries import attendance_by_enrolment

SORTS = ("name", "email", "institution", "course", "status", "progress", "score", "attempts", "enrolled",
         "completed", "certification")


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
    due_on: date | None
    due_at: datetime | None
    completed_at: datetime | None
    last_activity_at: datetime | None
    certificate_code: str | None
    certification: str = "never"  # `facts.certification`: from the certificates of every cycle
    withdrawn_at: datetime | None = None  # set when the state is "withdrawn"
    run_code: str | None = None  # the course run (intake) of the enrolment, if any
    run_title: str | None = None
    attendance_rate: float | None = None  # percent of the held sessions attended (None: none held)
    hours_attended: float | None = None

    @property
    def enrolled_on(self):
        """The enrolment date, in the viewer's zone."""
        return _local_date(self.enrolled_at)

    @property
    def completed_on(self):
        """The completion date in the viewer's zone, if completed."""
        return _local_date(self.completed_at)

    @property
    def withdrawn_on(self):
        """The withdrawal date in the viewer's zone, if withdrawn."""
        return _local_date(self.withdrawn_at)


def _local_date(moment: datetime | None):
    return when.local(moment).date() if moment is not None else None


def enrolment_rows_query(scope, filters: ReportFilters, now: datetime | None = None, sort: str = "name",
                         descending: bool = False, user_id: int | None = None):
    """SELECT of the trainee rows in scope, sorted (ties by name, then enrolment)."""
    f = facts(scope, filters, now or clock.now(), user_id=user_id)
    keys = {"name": func.lower(User.name), "email": User.email, "institution": Institution.code,
            "course": Course.slug, "status": state_order(f.c.state), "progress": f.c.progress,
            "score": f.c.course_score, "attempts": f.c.attempts, "enrolled": f.c.enrolled_at,
            "completed": f.c.completed_at, "certification": certification_order(f.c.certification)}
    key = keys.get(sort, keys["name"])
    key = key.desc() if descending else key.asc()
    # Attendance at the sessions of the enrolment's place: present or late over held, excused ones left out.
    attendance = attendance_by_enrolment(now or clock.now())
    held = attendance.c.expected - attendance.c.excused
    rate = case((held > 0, attendance.c.attended * 100.0 / held))
    return (select(f.c.enrolment_id, f.c.user_id, User.name, User.email,
                   Institution.code.label("institution_code"), Institution.name.label("institution_name"),
                   Institution.country, Course.slug.label("course_slug"), Course.title.label("course_title"),
                   f.c.state, f.c.progress, f.c.course_score, f.c.attempts, f.c.lessons_viewed, f.c.quizzes_passed,
                   f.c.enrolled_at, f.c.due_on, f.c.due_at, f.c.completed_at, f.c.last_activity_at,
                   Certificate.code.label("certificate_code"), f.c.certification, f.c.withdrawn_at,
                   CourseRun.code.label("run_code"), CourseRun.title.label("run_title"),
                   rate.label("attendance_rate"), (attendance.c.minutes / 60.0).label("hours_attended"))
            .select_from(f)
            .join(User, User.id == f.c.user_id)
            .join(Institution, Institution.id == f.c.institution_id)
            .join(Course, Course.id == f.c.course_id)
            .outerjoin(Certificate, Certificate.enrolment_id == f.c.enrolment_id)
            .outerjoin(CourseRun, CourseRun.id == f.c.run_id)
            .outerjoin(attendance, attendance.c.enrolment_id == f.c.enrolment_id)
            .order_by(key.nulls_last(), func.lower(User.name), f.c.enrolment_id))


def to_enrolment_row(r) -> EnrolmentRow:
    """An EnrolmentRow from a row of `enrolment_rows_query`."""
    return EnrolmentRow(
        enrolment_id=r.enrolment_id, user_id=r.user_id, name=r.name, email=r.email,
        institution_code=r.institution_code, institution_name=r.institution_name, country=r.country,
        course_slug=r.course_slug, course_title=r.course_title, state=r.state, progress=int(r.progress or 0),
        course_score=_number(r.course_score), attempts=int(r.attempts or 0), lessons_viewed=int(r.lessons_viewed or 0),
        quizzes_passed=int(r.quizzes_passed or 0), enrolled_at=r.enrolled_at, due_on=r.due_on, due_at=r.due_at,
        completed_at=r.completed_at, last_activity_at=r.last_activity_at, certificate_code=r.certificate_code,
        certification=r.certification, withdrawn_at=r.withdrawn_at, run_code=r.run_code, run_title=r.run_title,
        attendance_rate=_number(r.attendance_rate), hours_attended=_number(r.hours_attended))


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


def count_enrolments(scope, filters: ReportFilters, now: datetime | None = None, user_id: int | None = None) -> int:
    """How many trainee rows are in scope."""
    f = facts(scope, filters, now or clock.now(), user_id=user_id)
    return int(db.session.scalar(select(func.count()).select_from(f)) or 0)


def enrolment_page(scope, filters: ReportFilters, *, sort: str = "name", descending: bool = False, page: int = 1,
                   per_page: int = PER_PAGE, user_id: int | None = None, now: datetime | None = None) -> Page:
    """A page of trainee rows, sorted; two queries."""
    now = now or clock.now()
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, min(page, MAX_PAGE))
    total = count_enrolments(scope, filters, now, user_id)
    query = enrolment_rows_query(scope, filters, now, sort, descending, user_id)
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page))
    return Page([to_enrolment_row(r) for r in rows], page, per_page, total)


def stream_enrolments(scope, filters: ReportFilters, now: datetime | None = None, sort: str = "name",
                      descending: bool = False, batch: int = 1000, session=None):
    """Every trainee row in scope, fetched in batches through a server-side cursor (for exports).

    `session` is the database session to read with (a streamed response brings its own)."""
    query = enrolment_rows_query(scope, filters, now, sort, descending).execution_options(yield_per=batch)
    for r in (session or db.session).execute(query):
        yield to_enrolment_row(r)


def enrolment_export_batches(scope, filters: ReportFilters, now: datetime | None = None, sort: str = "name",
                             descending: bool = False, batch: int = 1000, session=None):
    """Every trainee row in scope as batches of plain rows in the order of `exports.ENROLMENT_COLUMNS`,
    fetched through a server-side cursor (the CSV export: no object is built per row).

    The values are an `EnrolmentRow`'s, except that each date is the timestamp it is the UTC day of,
    and the score is not rounded yet (the export's columns do both as they write the cells). The
    timestamps are aware datetimes, or on SQLite the UTC text it stores them as."""
    # The session's connection, not the session: Core rows, without the ORM's loading step per row.
    connection = (session or db.session).connection()
    query = enrolment_rows_query(scope, filters, now, sort, descending)
    c = query.selected_columns
    # Timestamps are only printed again: SQLite's text is taken as it is, PostgreSQL's timestamptz as the
    # driver's aware datetimes, without UTCDateTime's step per value (the cells convert to UTC).
    stamp = String() if connection.dialect.name == "sqlite" else DateTime(timezone=True)
    enrolled, completed, last, withdrawn = (
        type_coerce(column, stamp) for column in (c.enrolled_at, c.completed_at, c.last_activity_at, c.withdrawn_at))
    due = c.due_on  # a date, as it was set
    query = query.with_only_columns(
        c.institution_code, c.institution_name, c.country, c.course_slug, c.course_title, c.name, c.email, c.state,
        func.coalesce(c.progress, 0), c.course_score, func.coalesce(c.attempts, 0), enrolled, due, completed, last,
        c.certificate_code, c.certification, withdrawn, c.run_code, c.attendance_rate, c.hours_attended
    ).execution_options(yield_per=batch)
    result = connection.execute(query)
    try:
        yield from result.partitions()
    finally:
        result.close()


def count_export_enrolments(scope, filters: ReportFilters) -> int:
    """How many trainee rows an export of `filters` has, as `count_enrolments` counts them, but from the
    enrolments in scope alone: `facts` has one row per such enrolment, and computing its figures only to
    count them took a third of the whole export's time on SQLite. A certification filter needs the
    certificates, so it is counted from the facts."""
    if filters.certification:
        return count_enrolments(scope, filters)
    return int(db.session.scalar(select(func.count()).select_from(scoped_enrolments(scope, filters).subquery()))
               or 0)
