"""The run report workload of `make bench`: the reports' per-run view (`lms.reports.queries.run_report`) over
every enrolment of the data set spread over four runs per course, against one hand-written GROUP BY.

The generated data has no runs: the workload adds them before its first repetition (each current enrolment
goes into one of its course's four runs by its id) and takes them away again afterwards, so the data set is
the same for the next workload and the next run."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import bindparam, delete, insert, select, text, update

from bench.floors import plan_in_parallel
from bench.measure import Workload
from lms.access import report_scope
from lms.extensions import db

RUNS_PER_COURSE = 4

FLOOR = """
SELECT r.code, c.slug,
       count(CASE WHEN e.status <> 'withdrawn' THEN 1 END) AS enrolled,
       count(CASE WHEN e.status <> 'withdrawn' AND e.waiting_since IS NOT NULL THEN 1 END) AS waiting,
       count(CASE WHEN e.status = 'completed' THEN 1 END) AS completed,
       count(CASE WHEN e.status = 'completed' AND (e.due_at IS NULL OR e.completed_at <= e.due_at) THEN 1 END),
       count(CASE WHEN e.status = 'completed' AND e.completed_at > e.due_at THEN 1 END),
       count(CASE WHEN e.status = 'active' AND e.waiting_since IS NULL AND e.due_at < :now THEN 1 END)
FROM enrolments e
JOIN users u ON u.id = e.user_id
JOIN institutions i ON i.id = u.institution_id
JOIN course_runs r ON r.id = e.run_id
JOIN courses c ON c.id = r.course_id
WHERE e.is_current AND u.role = 'trainee' AND e.status <> 'withdrawn'
GROUP BY r.id, r.code, c.slug
"""


def add_runs(engine) -> None:
    """Four runs per course, and every current enrolment in one of them (by its id)."""
    from lms.catalog.models import Course
    from lms.core import clock
    from lms.learning.models import Enrolment
    from lms.runs.models import CourseRun

    start = date(2024, 1, 1)
    with engine.begin() as conn:
        course_ids = list(conn.scalars(select(Course.id)))
        conn.execute(insert(CourseRun), [
            {"course_id": course_id, "code": f"bench-{n}", "title": f"Bench run {n}",
             "starts_on": start + timedelta(days=90 * n), "ends_on": start + timedelta(days=90 * n + 60),
             "open_to_all": True, "created_at": clock.now()}
            for course_id in course_ids for n in range(RUNS_PER_COURSE)])
        runs = conn.execute(select(CourseRun.id, CourseRun.course_id, CourseRun.code)).all()
        for run_id, course_id, code in runs:
            n = int(code.rsplit("-", 1)[1])
            conn.execute(update(Enrolment).where(Enrolment.course_id == course_id, Enrolment.is_current,
                                                 Enrolment.id % RUNS_PER_COURSE == n).values(run_id=run_id))
    analyze_enrolments(engine)


def analyze_enrolments(engine) -> None:
    """Bring the planner's statistics of the enrolments up to date after the bench moved them in or out of runs, as
    autovacuum soon would on a site: planned with the earlier statistics (no enrolment in any run), PostgreSQL
    expects one row where there are 2 million at XL and loops over them (5.5 s instead of 0.7 s)."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE enrolments")


def remove_runs(engine) -> None:
    """Take the bench's runs away again."""
    from lms.learning.models import Enrolment
    from lms.runs.models import CourseRun

    with engine.begin() as conn:
        conn.execute(update(Enrolment).where(Enrolment.run_id.is_not(None)).values(run_id=None, waiting_since=None))
        conn.execute(delete(CourseRun).where(CourseRun.code.like("bench-%")))
    analyze_enrolments(engine)


def same_run_figures(report, floor_rows) -> None:
    """The report and the floor agree on every run's figures."""
    mine = sorted((r.run_code, r.course_slug, r.enrolled, r.waiting, r.completed, r.on_time, r.late, r.overdue)
                  for r in report)
    theirs = sorted(tuple(int(v) if isinstance(v, int) or str(v).isdigit() else v for v in row) for row in floor_rows)
    if mine != theirs:
        raise AssertionError(f"the run report and its floor differ: {mine[:3]} ... vs {theirs[:3]} ...")


def run_report_workload(context, repeat: int) -> Workload:
    """The per-run report for all institutions against one hand-written GROUP BY."""
    from lms.auth.models import User
    from lms.core import clock
    from lms.core.types import UTCDateTime
    from lms.reports import queries
    from lms.reports.filters import ReportFilters

    now = clock.now()
    state = {"ready": False}

    def ready():
        if not state["ready"]:
            add_runs(context.engine)
            state["ready"] = True

    def report():
        admin = db.session.get(User, context.admin_id)
        value = queries.run_report(report_scope(admin), ReportFilters(), now)
        db.session.remove()
        return value

    def floor():
        with context.engine.connect() as conn:
            plan_in_parallel(conn)
            return list(conn.execute(text(FLOOR).bindparams(bindparam("now", type_=UTCDateTime)), {"now": now}))

    return Workload("run report, all institutions", report, floor, "hand-written SQL GROUP BY", repeat,
                    setup=ready, floor_setup=ready, cleanup=lambda: remove_runs(context.engine),
                    check=same_run_figures,
                    note=f"{context.enrolments / 1000:,.0f}k enrolments in {RUNS_PER_COURSE} runs per course")
