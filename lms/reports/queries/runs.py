"""The per-run view of the reports: one row per course run (intake) with the enrolments in scope that pass the
filters: enrolled, waiting, completed and the completion rate, completed on time or late, overdue, the attendance
rate at its sessions (present or late over held, excused ones left out) and the hours attended. One grouped
statement whatever the number of runs; enrolments in no run are left out (they are in the completion report)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, case, func, select

from lms.catalog.models import Course
from lms.core import clock
from lms.core.db import not_by_index, parallel_plans
from lms.extensions import db
from lms.learning.models import Enrolment
from lms.reports.facts import scoped_enrolments
from lms.reports.filters import ReportFilters
from lms.reports.queries.common import _number, _percent
from lms.runs.models import CourseRun
from lms.sessions.queries import attendance_by_enrolment


@dataclass
class RunRow:
    """A run with its figures over the enrolments in scope."""

    run_id: int
    course_slug: str
    course_title: str
    run_code: str
    run_title: str
    starts_on: date
    ends_on: date
    cancelled: bool
    enrolled: int  # current, not withdrawn, holding a place or waiting
    waiting: int
    completed: int
    on_time: int  # completed by the due date (or without one)
    late: int  # completed after the due date
    overdue: int  # not completed, due date passed
    withdrawn: int
    attended: int = 0  # sessions attended (present or late), summed over the trainees
    held: int = 0  # sessions held they were expected at, excused ones left out, summed
    minutes: float = 0

    @property
    def attendance_rate(self) -> float | None:
        """Attended over held, in percent, over every trainee of the run (None: no session held)."""
        return _percent(self.attended, self.held)

    @property
    def hours_attended(self) -> float:
        """The hours attended by all its trainees together."""
        return _number(float(self.minutes or 0) / 60)

    @property
    def completion_rate(self) -> float | None:
        """Completed of those holding a place, in percent."""
        return _percent(self.completed, self.enrolled - self.waiting)


#: The figures of a run, in the order of RunRow's fields.
FIGURES = ("enrolled", "waiting", "completed", "on_time", "late", "overdue", "withdrawn", "attended", "held", "minutes")


def run_report(scope, filters: ReportFilters, now: datetime | None = None, limit: int = 1000) -> list[RunRow]:
    """The runs with enrolments in scope passing `filters`, by course and start date; one statement."""
    now = now or clock.now()
    active = Enrolment.status != "withdrawn"
    waiting = and_(active, Enrolment.waiting_since.is_not(None))
    completed = Enrolment.status == "completed"
    late = and_(completed, Enrolment.due_at.is_not(None), Enrolment.completed_at > Enrolment.due_at)
    overdue = and_(Enrolment.status == "active", Enrolment.waiting_since.is_(None), Enrolment.due_at.is_not(None),
                   Enrolment.due_at < now)

    def count(condition):
        return func.count(case((condition, Enrolment.id)))

    def sum_of(column):
        return func.coalesce(func.sum(column), 0)

    # The enrolments in scope grouped by their run, in one pass over them, then each run's row joined to its course:
    # the names are read once per run, not carried through the grouping with every enrolment (at XL, 2 million).
    # The run as SQLite's planner cannot read it from its index (`not_by_index`): the scan in the table's order is
    # twice as fast as walking the index and fetching each enrolment.
    attendance, run = attendance_by_enrolment(now), not_by_index(Enrolment.run_id)
    figures = (scoped_enrolments(scope, filters, courses=False)
               .where(run.is_not(None))
               .outerjoin(attendance, attendance.c.enrolment_id == Enrolment.id)
               .with_only_columns(run.label("run_id"), *(figure.label(name) for figure, name in zip(
                   (count(active), count(waiting), count(completed), count(and_(completed, ~late)), count(late),
                    count(overdue), count(~active), sum_of(attendance.c.attended),
                    sum_of(attendance.c.expected) - sum_of(attendance.c.excused), sum_of(attendance.c.minutes)),
                   FIGURES, strict=True)), maintain_column_froms=True)
               .group_by(run)
               .subquery("run_figures"))
    query = (select(CourseRun.id, Course.slug, Course.title, CourseRun.code, CourseRun.title, CourseRun.starts_on,
                    CourseRun.ends_on, CourseRun.cancelled_at, *(figures.c[name] for name in FIGURES))
             .select_from(figures)
             .join(CourseRun, CourseRun.id == figures.c.run_id)
             .join(Course, Course.id == CourseRun.course_id)
             .order_by(Course.title, CourseRun.starts_on, CourseRun.code)
             .limit(limit))
    with parallel_plans(db.session):
        result = db.session.execute(query).all()
    return [RunRow(run_id, slug, title, code, run_title, starts, ends, cancelled is not None, *map(int, figures[:7]),
                   int(figures[7]), int(figures[8]), float(figures[9] or 0))
            for run_id, slug, title, code, run_title, starts, ends, cancelled, *figures in result]
