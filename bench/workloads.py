"""The workloads of `make bench`, each with its floor, on a generated data set.

The bench's context (the bench accounts and a course to work in) and the workloads of the reports, the
exports and bulk enrolment: the completion reports call the queries the pages call; the exports are
downloaded as the admin downloads them; bulk enrolment calls the services. The pages (`bench.pages`) and the
quiz's POSTs (`bench.quizweb`) have modules of their own. Everything a workload writes (bulk accounts and
enrolments) is deleted again afterwards, so the data set is the same for the next run.
"""
from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bench import exportfloors, floors, sizes
from bench.client import BenchClient
from bench.measure import Workload
from lms.access import report_scope
from lms.extensions import db


@dataclass
class BenchContext:
    """What the workloads work on, found in the generated data."""

    app: object
    engine: object
    trainee_id: int
    admin_id: int
    institution_code: str
    enrolment_id: int
    course_slug: str
    lesson_slug: str
    quiz_slug: str
    final_quiz_id: int
    course_slugs: list[str]
    enrolments: int


def find_context(app) -> BenchContext:
    """Locate the bench trainee, the admin and the trainee's first course (in progress)."""
    from lms.auth.models import User
    from lms.catalog.models import Course
    from lms.institutions.models import Institution
    from lms.learning.models import Enrolment
    from lms.quizzes.models import Quiz

    trainee = db.session.scalar(select(User).where(User.email == sizes.BENCH_TRAINEE))
    admin = db.session.scalar(select(User).where(User.email == sizes.BENCH_ADMIN))
    if trainee is None or admin is None:
        raise RuntimeError("this database has no bench accounts: generate it with `python -m bench generate`")
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == trainee.id, Enrolment.is_current)
                                  .order_by(Enrolment.enrolled_at))
    course = db.session.get(Course, enrolment.course_id)
    final = db.session.scalar(select(Quiz).where(Quiz.course_id == course.id, Quiz.is_final))
    institution = db.session.get(Institution, trainee.institution_id)
    context = BenchContext(
        app=app, engine=db.engine, trainee_id=trainee.id, admin_id=admin.id, institution_code=institution.code,
        enrolment_id=enrolment.id, course_slug=course.slug, lesson_slug="lesson-1-2", quiz_slug="check-1",
        final_quiz_id=final.id,
        course_slugs=list(db.session.scalars(select(Course.slug).where(Course.status == "published")
                                             .order_by(Course.id))),
        enrolments=db.session.scalar(select(func.count(Enrolment.id))))
    db.session.remove()
    return context


def page_urls(context: BenchContext) -> dict[str, str]:
    """The trainee's pages measured (and whose query counts the tests pin)."""
    base = f"/courses/{context.course_slug}"
    return {"catalogue page": "/courses/", "course page": base, "lesson page": f"{base}/lessons/{context.lesson_slug}",
            "quiz page": f"{base}/quizzes/{context.quiz_slug}", "my learning page": "/my"}


def report_workload(context: BenchContext, repeat: int) -> Workload:
    """The completion report for all institutions (with its totals) against one hand-written GROUP BY."""
    from lms.auth.models import User
    from lms.core import clock
    from lms.quizzes.models import GRACE_SECONDS
    from lms.reports import queries
    from lms.reports.filters import ReportFilters

    now = clock.now()

    def report():
        admin = db.session.get(User, context.admin_id)
        value = queries.completion_report(report_scope(admin), ReportFilters(), now)
        db.session.remove()
        return value

    def floor():
        with context.engine.connect() as conn:
            return floors.completion_floor(conn, now - timedelta(seconds=GRACE_SECONDS), now)

    return Workload("completion report, all institutions", report, floor, "hand-written SQL GROUP BY", repeat,
                    check=floors.same_completion_figures,
                    note=f"{context.enrolments / 1000:,.0f}k enrolments")


def charts_workload(context: BenchContext, repeat: int) -> Workload:
    """The figures of the reports' charts page for all institutions (the completion rate per institution, the
    completions per month) against two hand-written GROUP BYs of the same counts."""
    from lms.auth.models import User
    from lms.core import clock
    from lms.reports import queries
    from lms.reports.filters import ReportFilters

    now = clock.now()

    def charts():
        admin = db.session.get(User, context.admin_id)
        value = (queries.completion_rates_by_institution(report_scope(admin), ReportFilters(), now),
                 queries.completions_per_month(report_scope(admin), ReportFilters(), now))
        db.session.remove()
        return value

    def floor():
        with context.engine.connect() as conn:
            return floors.charts_floor(conn)

    return Workload("completion report charts, all institutions", charts, floor, "two hand-written GROUP BYs",
                    repeat, check=floors.same_chart_figures, note=f"{context.enrolments / 1000:,.0f}k enrolments")


def coordinator_report_workload(context: BenchContext, repeat: int) -> Workload:
    """The completion report of one institution (the bench trainee's), as its coordinator reads it, against the
    same hand-written GROUP BY over that institution's trainees: it should cost what that institution holds."""
    from lms.auth.models import User
    from lms.core import clock
    from lms.quizzes.models import GRACE_SECONDS
    from lms.reports import queries
    from lms.reports.filters import ReportFilters

    now = clock.now()
    trainee = db.session.get(User, context.trainee_id)
    institution_id = trainee.institution_id
    coordinator_id = db.session.scalar(select(User.id).where(User.role == "coordinator",
                                                             User.institution_id == institution_id))
    db.session.remove()

    def report():
        coordinator = db.session.get(User, coordinator_id)
        value = queries.completion_report(report_scope(coordinator), ReportFilters(), now)
        db.session.remove()
        return value

    def floor():
        with context.engine.connect() as conn:
            return floors.completion_floor(conn, now - timedelta(seconds=GRACE_SECONDS), now, institution_id)

    return Workload("completion report, one institution (coordinator)", report, floor,
                    "hand-written SQL GROUP BY", repeat, check=floors.same_completion_figures,
                    note=f"{context.institution_code}")


def _export_statement(context: BenchContext):
    from lms.auth.models import User
    from lms.core import clock
    from lms.reports import queries
    from lms.reports.filters import ReportFilters

    admin = db.session.get(User, context.admin_id)
    statement = queries.enrolment_rows_query(report_scope(admin), ReportFilters(), clock.now(), sort="institution")
    captured = floors.capture_statement(context.engine, statement)
    db.session.remove()
    return captured


def export_workloads(context: BenchContext, repeat: int, formats=("csv", "xlsx")) -> list[Workload]:
    """The admin's full export (every enrolment in every institution) as CSV and XLSX, downloaded
    through the app into a file. The CSV's floor is a hand-written SELECT giving the cells as text, read and
    written the fastest way for the database (`bench.exportfloors`), its file compared byte for byte with the
    export's after each pair; the XLSX's is the export's own SELECT fed to XlsxWriter directly."""
    admin = BenchClient(context.app).sign_in(sizes.BENCH_ADMIN, sizes.BENCH_PASSWORD)
    sql, parameters = _export_statement(context)
    workloads = []
    if "csv" in formats:
        folder = Path(tempfile.mkdtemp(prefix="bench-csv-"))
        product, floor = folder / "export.csv", folder / "floor.csv"

        def same_bytes(_size, _floor_size):
            exportfloors.same_file(product, floor)

        def remove_files():
            shutil.rmtree(folder, ignore_errors=True)

        copy = "COPY TO STDOUT" if context.engine.dialect.name == "postgresql" else "csv.writer"
        workloads.append(Workload(
            "CSV export, all enrolments", lambda: admin.save("/reports/enrolments/export.csv", product)[0].stat().st_size,
            lambda: exportfloors.csv_floor(context.engine, floor), f"hand SELECT, {copy}", repeat,
            check=same_bytes, memory=True, cleanup=remove_files, note=f"{context.enrolments:,} rows"))
    if "xlsx" in formats:
        workloads.append(Workload(
            "XLSX export, all enrolments", lambda: admin.download("/reports/enrolments/export.xlsx"),
            lambda: floors.xlsx_floor(context.engine, sql, parameters), "XlsxWriter on the same cursor", repeat,
            note=f"{context.enrolments:,} rows"))
    return workloads


def bulk_workload(context: BenchContext, repeat: int, rows: int = 5000, courses: int = 10) -> Workload:
    """Bulk enrolment of `rows` new trainees in `courses` courses each (50,000 enrolments by default)
    through lms.enrolments.services (plan, then apply), against one executemany per table of the
    rows it writes (accounts, set-password links, enrolments, audit events)."""
    from bench.bulk import BulkRun

    bulk = BulkRun(context, rows, context.course_slugs[:courses])
    return Workload(f"bulk enrolment ({rows * min(courses, len(context.course_slugs)):,} enrolments)", bulk.run,
                    bulk.floor, "executemany of the same rows", repeat, setup=bulk.setup, after=bulk.cleanup,
                    floor_setup=bulk.floor_setup, floor_after=bulk.cleanup, check=bulk.check)
