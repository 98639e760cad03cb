"""The workloads of `make bench`, each with its floor, on a generated data set.

Pages go through the app as the signed-in bench trainee (Flask's test client, in this process)
against the bare route; quiz grading, the completion report and bulk enrolment call the services
and queries the pages call; the exports are downloaded as the admin downloads them. Everything a
workload writes (attempts, bulk accounts and enrolments) is deleted again afterwards, so the data
set is the same for the next run.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select, update

from bench import floors, sizes
from bench.app import BARE_PATH
from bench.client import BenchClient
from bench.content import right_and_wrong
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


def page_workloads(context: BenchContext, repeat: int) -> list[Workload]:
    """Each page as the signed-in trainee against the bare route of the same app."""
    trainee = BenchClient(context.app).sign_in(sizes.BENCH_TRAINEE, sizes.BENCH_PASSWORD)
    anonymous = BenchClient(context.app)
    return [Workload(name, lambda url=url: trainee.page(url), lambda: anonymous.page(BARE_PATH), "bare route",
                     repeat) for name, url in page_urls(context).items()]


def _half_right(draw: list[dict]) -> dict:
    """Responses to a drawn attempt: the first half right, the rest wrong (a fail, every time)."""
    responses = {}
    for i, item in enumerate(draw):
        right, wrong = right_and_wrong(item)
        responses[item["slug"]] = right if i < len(draw) // 2 else wrong
    return responses


def quiz_workload(context: BenchContext, repeat: int) -> Workload:
    """Submitting and grading a 20-question attempt through lms.quizzes.services, against one
    executemany of the same 20 graded answers."""
    from lms.learning.models import Enrolment
    from lms.quizzes import grading, services
    from lms.quizzes.models import AttemptAnswer, Quiz, QuizAttempt

    first_id = db.session.scalar(select(func.max(QuizAttempt.id))) or 0
    db.session.remove()
    state: dict = {}

    def start():
        enrolment = db.session.get(Enrolment, context.enrolment_id)
        quiz = db.session.get(Quiz, context.final_quiz_id)
        attempt = services.start_attempt(enrolment, quiz, random.Random(0))
        state["attempt"], state["responses"] = attempt, _half_right(attempt.draw)

    def submit():
        services.submit_attempt(state["attempt"], state["responses"])

    def floor_setup():
        start()
        attempt, now = state["attempt"], state["attempt"].started_at
        state["rows"] = []
        for item in attempt.draw:
            response = state["responses"][item["slug"]]
            points = grading.score_question(item, response)
            state["rows"].append({"attempt_id": attempt.id, "question_id": item["question_id"],
                                  "question_slug": item["slug"], "response": response, "saved_at": now,
                                  "points": points, "correct": points == 1})
        state["attempt_id"] = attempt.id
        db.session.remove()

    def floor():
        with context.engine.begin() as conn:
            floors.insert_rows(conn, AttemptAnswer.__table__, state["rows"])

    def floor_after():
        with context.engine.begin() as conn:
            conn.execute(update(QuizAttempt).where(QuizAttempt.id == state["attempt_id"])
                         .values(status="submitted", submitted_at=state["rows"][0]["saved_at"]))

    def cleanup():
        db.session.remove()
        with context.engine.begin() as conn:
            conn.execute(delete(AttemptAnswer).where(AttemptAnswer.attempt_id > first_id))
            conn.execute(delete(QuizAttempt).where(QuizAttempt.id > first_id))

    return Workload("quiz submit + grading (20 questions)", submit, floor, "executemany of the 20 answers", repeat,
                    setup=start, after=db.session.remove, floor_setup=floor_setup, floor_after=floor_after,
                    cleanup=cleanup)


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
    through the app, against the same SELECT fed to csv.writer / XlsxWriter directly."""
    admin = BenchClient(context.app).sign_in(sizes.BENCH_ADMIN, sizes.BENCH_PASSWORD)
    sql, parameters = _export_statement(context)
    workloads = []
    if "csv" in formats:
        def rows_equal(lines, floor_rows):
            if lines - 1 != floor_rows:
                raise AssertionError(f"the CSV export has {lines - 1} rows, the floor {floor_rows}")

        workloads.append(Workload(
            "CSV export, all enrolments", lambda: admin.download("/reports/enrolments/export.csv", lines=True),
            lambda: floors.csv_floor(context.engine, sql, parameters), "csv.writer on the same cursor", repeat,
            check=rows_equal, memory=True, note=f"{context.enrolments:,} rows"))
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
