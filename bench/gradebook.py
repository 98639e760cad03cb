"""The gradebook workload of `make bench` (issue 22): the gradebook page of a run with TRAINEES trainees × 20
graded items (quizzes, assignments and practical assessments mixed, in four modules), rendered through the app
as the bench admin sees it, against a floor: one hand-written pivot query giving the same cells (one row per
trainee, a value and a status column per item), fetched.

The generated data has no assessed work: the workload adds its own course (its modules and items, one run, its
trainees and their results) before the first repetition and deletes all of it afterwards, so the data set is
the same for the next workload and the next run. The statements of the page are counted as for every workload;
they do not grow with the trainees or the items (tests/gradebook). The cells of the app's gradebook and the
floor's are compared after each pair (untimed).
"""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import delete, insert, select, text

from bench import sizes
from bench.client import BenchClient
from bench.measure import Workload
from lms.extensions import db

TRAINEES = 500
SLUG = "bench-gradebook"
# Per module: the kinds of its five items, in their order (4 modules: 20 items).
MODULE_ITEMS = ("quiz", "assignment", "practical", "quiz", "assignment")
MODULES = 4

# Per (enrolment, item): the value or status, as lms.gradebook.queries defines them, in plain SQL.
CELLS = """
SELECT a.enrolment_id AS eid, 'quiz' AS kind, a.quiz_id AS item, max(a.percent) AS value, NULL AS status
FROM quiz_attempts a JOIN enrolments e ON e.id = a.enrolment_id
WHERE e.run_id = :run AND a.status <> 'in_progress'
GROUP BY a.enrolment_id, a.quiz_id
UNION ALL
SELECT s.enrolment_id, 'assignment', s.assignment_id,
       CASE WHEN s.status = 'marked' AND m.released_at IS NOT NULL THEN m.percent END,
       CASE WHEN s.status = 'returned' THEN 'returned' WHEN s.status = 'marked' AND m.released_at IS NULL THEN 'held'
            WHEN s.status = 'marked' THEN NULL ELSE 'to_mark' END
FROM assignment_submissions s JOIN enrolments e ON e.id = s.enrolment_id
LEFT JOIN assignment_marks m ON m.submission_id = s.id AND m.superseded_at IS NULL
WHERE e.run_id = :run AND s.status <> 'draft' AND s.number = (
    SELECT max(s2.number) FROM assignment_submissions s2
    WHERE s2.assignment_id = s.assignment_id AND s2.enrolment_id = s.enrolment_id AND s2.status <> 'draft')
UNION ALL
SELECT r.enrolment_id, 'practical', r.practical_id, CASE WHEN r.released_at IS NOT NULL THEN r.percent END,
       CASE WHEN r.released_at IS NULL THEN 'held' END
FROM practical_records r JOIN enrolments e ON e.id = r.enrolment_id
WHERE e.run_id = :run AND r.superseded_at IS NULL
"""


class GradebookRun:
    """State shared by the workload's steps: the course, run, items and trainees it made."""

    def __init__(self, context, trainees: int):
        self.context, self.trainees = context, trainees
        self.made = False
        self.course_id = self.run_id = None
        self.items: list[tuple[str, int]] = []
        self.client: BenchClient | None = None
        self.url = ""
        self.pivot = None

    # Set-up and clean-up (untimed) ---------------------------------------------------------------------------
    def setup(self) -> None:
        if self.made:
            return
        self._make()
        self.made = True
        self.client = BenchClient(self.context.app).sign_in(sizes.BENCH_ADMIN, sizes.BENCH_PASSWORD)
        self.url = f"/courses/{SLUG}/gradebook?run={self.run_id}"
        columns = []
        for n, (kind, item) in enumerate(self.items):
            match = f"c.kind = '{kind}' AND c.item = {int(item)}"
            columns.append(f"max(CASE WHEN {match} THEN c.value END) AS v{n}")
            columns.append(f"max(CASE WHEN {match} THEN c.status END) AS s{n}")
        # The pivot: one row per trainee of the run (by name), a value and a status column per item.
        # The cells once (MATERIALIZED: PostgreSQL would otherwise join the UNION's groups again per trainee).
        self.pivot = text(f"""
            WITH c AS MATERIALIZED ({CELLS})
            SELECT e.id, u.name, {', '.join(columns)}
            FROM enrolments e JOIN users u ON u.id = e.user_id LEFT JOIN c ON c.eid = e.id
            WHERE e.run_id = :run AND e.is_current AND e.status <> 'withdrawn' AND e.waiting_since IS NULL
            GROUP BY e.id, u.id, u.name ORDER BY u.name, u.id""")

    def _make(self) -> None:
        """The course, its run, TRAINEES trainees and their results, written in a few executemany statements."""
        from lms.assignments.models import Assignment, Mark, Submission
        from lms.auth.models import User
        from lms.catalog.models import Course, Module
        from lms.core import clock
        from lms.learning.models import Enrolment
        from lms.practicals.models import Practical, Record
        from lms.quizzes.models import Quiz, QuizAttempt
        from lms.runs.models import CourseRun

        now, today = clock.now(), clock.now().date()
        models = {"quiz": Quiz, "assignment": Assignment, "practical": Practical}
        with self.context.engine.begin() as conn:
            institution = conn.scalar(select(User.institution_id).where(User.id == self.context.trainee_id))
            self.course_id = conn.execute(insert(Course).values(
                slug=SLUG, title="Bench gradebook", summary="Bench.", language="en", status="published",
                outcomes=[], created_at=now, updated_at=now).returning(Course.id)).scalar_one()
            self.run_id = conn.execute(insert(CourseRun).values(
                course_id=self.course_id, code="bench-gb", title="Bench gradebook run", starts_on=today,
                ends_on=today + timedelta(days=60), open_to_all=True, created_at=now).returning(CourseRun.id)
            ).scalar_one()
            for m in range(MODULES):
                module_id = conn.execute(insert(Module).values(course_id=self.course_id, slug=f"m{m}", position=m + 1,
                                                               title=f"Module {m + 1}").returning(Module.id)).scalar_one()
                for p, kind in enumerate(MODULE_ITEMS, start=1):
                    item_id = conn.execute(insert(models[kind]).values(
                        course_id=self.course_id, module_id=module_id, slug=f"{kind}-{m}-{p}", position=p,
                        title=f"{kind.title()} {m + 1}.{p}").returning(models[kind].id)).scalar_one()
                    self.items.append((kind, item_id))
            conn.execute(insert(User), [{"email": f"gradebook-{i}@bench.invalid", "name": f"Gradebook trainee {i:04d}",
                                         "role": "trainee", "institution_id": institution, "active": True,
                                         "created_at": now} for i in range(self.trainees)])
            users = conn.execute(select(User.id).where(User.email.like("gradebook-%@bench.invalid"))
                                 .order_by(User.id)).scalars().all()
            conn.execute(insert(Enrolment), [{"user_id": u, "course_id": self.course_id, "run_id": self.run_id,
                                              "cycle": 1, "is_current": True, "source": "admin", "status": "active",
                                              "enrolled_at": now, "due_on": today + timedelta(days=60)}
                                             for u in users])
            enrolments = conn.execute(select(Enrolment.id, Enrolment.user_id)
                                      .where(Enrolment.course_id == self.course_id)).all()
            attempts, submissions, records = [], [], []
            for n, (eid, uid) in enumerate(enrolments):
                for k, (kind, item) in enumerate(self.items):
                    score = Decimal((n * 7 + k * 13) % 101)
                    if kind == "quiz":
                        attempts += [{"quiz_id": item, "enrolment_id": eid, "user_id": uid, "number": 1,
                                      "status": "submitted", "submitted_at": now, "draw": [], "percent": score,
                                      "passed": score >= 70}]
                    elif kind == "assignment" and (n + k) % 10:
                        submissions.append({"assignment_id": item, "enrolment_id": eid, "user_id": uid, "number": 1,
                                            "status": "submitted" if (n + k) % 10 == 1 else "marked",
                                            "submitted_at": now})
                    elif kind == "practical":
                        records.append({"practical_id": item, "enrolment_id": eid, "user_id": uid,
                                        "assessed_on": today, "percent": score, "passed": score >= 50,
                                        "released_at": now if (n + k) % 7 else None, "signed_at": now})
            conn.execute(insert(QuizAttempt), attempts)
            conn.execute(insert(Submission), submissions)
            conn.execute(insert(Record), records)
            marked = conn.execute(select(Submission.id).join(Assignment, Assignment.id == Submission.assignment_id)
                                  .where(Assignment.course_id == self.course_id, Submission.status == "marked")
                                  ).scalars().all()
            conn.execute(insert(Mark), [{"submission_id": s, "outcome": "marked", "percent": Decimal(s % 101),
                                         "passed": s % 101 >= 50, "released_at": now if s % 5 else None,
                                         "created_at": now} for s in marked])

    def cleanup(self) -> None:
        """Delete everything the workload made."""
        from lms.assignments.models import Assignment, Mark, Submission
        from lms.auth.models import User
        from lms.catalog.models import Course, Module
        from lms.learning.models import Enrolment
        from lms.practicals.models import Practical, Record
        from lms.quizzes.models import Quiz, QuizAttempt
        from lms.runs.models import CourseRun

        if self.course_id is None:
            return
        mine = select(Enrolment.id).where(Enrolment.course_id == self.course_id)
        with self.context.engine.begin() as conn:
            conn.execute(delete(Mark).where(Mark.submission_id.in_(
                select(Submission.id).where(Submission.enrolment_id.in_(mine)))))
            for model in (Submission, Record, QuizAttempt):
                conn.execute(delete(model).where(model.enrolment_id.in_(mine)))
            conn.execute(delete(Enrolment).where(Enrolment.course_id == self.course_id))
            for model in (Quiz, Assignment, Practical, Module, CourseRun):
                conn.execute(delete(model).where(model.course_id == self.course_id))
            conn.execute(delete(Course).where(Course.id == self.course_id))
            conn.execute(delete(User).where(User.email.like("gradebook-%@bench.invalid")))

    # The workload and its floor (timed) ----------------------------------------------------------------------
    def run(self) -> int:
        """The gradebook page of the run, as the admin opens it."""
        return self.client.page(self.url)

    def floor(self) -> list:
        """The pivot query, fetched."""
        with self.context.engine.connect() as conn:
            return conn.execute(self.pivot, {"run": self.run_id}).all()

    def check(self, _page_bytes: int, floor_rows: list) -> None:
        """The app's gradebook and the floor hold the same cells (values and statuses), trainee by trainee."""
        from lms.catalog.models import Course
        from lms.gradebook import queries

        with self.context.app.app_context():
            course = db.session.get(Course, self.course_id)
            book = queries.gradebook(course, run_id=self.run_id)
            mine = [[(None if c.value is None else float(c.value), c.status) for c in row.cells] for row in book.rows]
            db.session.remove()
        theirs = [[(None if row[2 + 2 * n] is None else round(float(row[2 + 2 * n]), 1), row[3 + 2 * n])
                   for n in range(len(self.items))] for row in floor_rows]
        if len(mine) != self.trainees or mine != theirs:
            raise AssertionError(f"the gradebook and its floor differ: {len(mine)} / {len(theirs)} rows; "
                                 f"{mine[:1]} vs {theirs[:1]}")


def gradebook_workload(context, repeat: int, trainees: int = TRAINEES) -> Workload:
    """The gradebook page of a run of `trainees` × 20 items against a hand-written pivot query."""
    book = GradebookRun(context, trainees)
    return Workload(f"gradebook page ({trainees} × 20 items)", book.run, book.floor, "hand-written pivot query",
                    repeat, setup=book.setup, floor_setup=book.setup, cleanup=book.cleanup, check=book.check,
                    note=f"{trainees} trainees × {len(MODULE_ITEMS) * MODULES} items of one run, as the admin sees it")

