"""The gradebook's reads: every trainee of a course (or of one run) × every graded live item, and the total.

The grid is read in a fixed number of statements whatever the number of trainees and items (nine at most:
the columns, whether the course has sessions, the weights, the rows, the quizzes', assignments' and
practicals' results, the attendance figures, the overrides), then put together in Python. Nothing of it is
stored: the cells come from the quizzes' attempts, the assignments' marks, the practicals' records and the
attendance marks, so they cannot disagree with them.

A cell of
- a quiz: the best percentage of the trainee's closed (submitted or expired) attempts;
- an assignment: the percentage of the current (not superseded) mark of the trainee's latest submission
  once it is released; otherwise its status: "to_mark" (submitted, or put back to be marked again),
  "returned" (for another try), "held" (marked, held back: shown to staff only; a trainee reads "to_mark");
- a practical assessment: the percentage (and passed) of the current record once released, else "held";
- attendance (when the course has sessions): the rate of the held sessions of the trainee's place, as
  lms.sessions.queries counts it, in percent.
An override (lms.gradebook.models.Override) replaces a cell's value or the total, and is flagged.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import String, and_, case, cast, exists, func, literal, select, true, union_all

from lms.assignments.models import Assignment, Mark, Submission
from lms.attendance.models import TrainingSession
from lms.auth.models import User
from lms.catalog.items import live_items
from lms.catalog.models import Course, CourseStaff, Module
from lms.core import clock
from lms.extensions import db
from lms.gradebook import rules
from lms.gradebook.models import Override, Weight
from lms.institutions.models import Institution
from lms.learning.models import Enrolment
from lms.practicals.models import Practical, Record
from lms.quizzes.models import Quiz, QuizAttempt
from lms.runs.models import CourseRun, run_trainers
from lms.sessions.queries import attendance_of_enrolments

ITEM_KINDS = ("quiz", "assignment", "practical")
# Items of different kinds at one position: the order of the outline (lms.catalog.items ranks).
KIND_RANK = {"quiz": 1, "assignment": 2, "practical": 3}


@dataclass(frozen=True)
class GradeColumn:
    """A graded item of the course: its kind and id, slug, title, module (None for attendance) and weight."""

    kind: str
    item_id: int
    slug: str
    title: str
    module_id: int | None
    module_title: str
    weight: Decimal

    @property
    def key(self) -> tuple[str, int]:
        """(kind, item id): how overrides and weights name it."""
        return self.kind, self.item_id


@dataclass(frozen=True)
class CellOverride:
    """A result set by staff: the percentage, the reason, who and when."""

    percent: Decimal
    reason: str
    set_by: str | None
    set_at: datetime


class Cell(NamedTuple):
    """One trainee's result in one item: the value shown (an override's, else the computed one), the computed
    value, a status instead of a value (to_mark, returned, held), passed (None: not known), the override.
    (A tuple: a gradebook of 500 trainees × 20 items makes 10,000 of them.)"""

    value: Decimal | None
    computed: Decimal | None
    status: str | None = None
    passed: bool | None = None
    override: CellOverride | None = None

    @property
    def missing(self) -> bool:
        """No result and nothing with staff: work not done (yet)."""
        return self.value is None and self.status not in rules.WITH_STAFF


EMPTY = Cell(None, None)


@dataclass
class GradeRow:
    """A trainee's row: who, their run, their cells in the columns' order, and the total."""

    enrolment_id: int
    user_id: int
    name: str
    email: str
    institution: str | None
    run_id: int | None
    run_code: str | None
    status: str
    due_at: datetime | None
    cells: list[Cell] = field(default_factory=list)
    total: Decimal | None = None
    computed_total: Decimal | None = None
    total_override: CellOverride | None = None
    graded: int = 0
    missing: int = 0
    overdue: bool = False


@dataclass(frozen=True)
class Gradebook:
    """A course's (or a run's) gradebook: the rule, its columns and its rows."""

    course: Course
    run_id: int | None
    rule: str
    columns: list[GradeColumn]
    rows: list[GradeRow]
    module_weights: dict[int | None, Decimal]


def _item_rows(model, kind: str, course_id: int):
    """SELECT of a kind's live items of the course, with their module, as one branch of the columns' UNION."""
    return (live_items(model, cast(literal(kind), String(12)).label("kind"), model.id.label("item_id"),
                       model.slug.label("slug"), model.title.label("title"), model.module_id.label("module_id"),
                       Module.title.label("module_title"), Module.position.label("module_position"),
                       model.position.label("position"))
            .where(model.course_id == course_id))


def columns(course: Course, weights: dict[tuple[str, int], Decimal] | None = None) -> list[GradeColumn]:
    """The course's graded live items in the outline's order (module, position, kind), then attendance when
    the course has sessions, each with its weight (1 unless set; `weights`: as read already). Three statements
    at most."""
    items = union_all(_item_rows(Quiz, "quiz", course.id), _item_rows(Assignment, "assignment", course.id),
                      _item_rows(Practical, "practical", course.id)).subquery("items")
    found = db.session.execute(select(items).order_by(items.c.module_position, items.c.position,
                                                      items.c.kind, items.c.item_id)).all()
    found.sort(key=lambda r: (r.module_position, r.position, KIND_RANK[r.kind], r.item_id))
    weights = weights_of(course.id) if weights is None else weights
    cols = [GradeColumn(r.kind, r.item_id, r.slug, r.title, r.module_id, r.module_title,
                        weights.get((r.kind, r.item_id), rules.ONE)) for r in found]
    if has_sessions(course.id):
        cols.append(GradeColumn("attendance", 0, "attendance", "", None, "", weights.get(("attendance", 0), rules.ONE)))
    return cols


def has_sessions(course_id: int) -> bool:
    """Whether the course has any session (not cancelled), in any run: its gradebook then has attendance."""
    return bool(db.session.scalar(select(exists().where(TrainingSession.course_id == course_id,
                                                        TrainingSession.cancelled_at.is_(None)))))


def weights_of(course_id: int) -> dict[tuple[str, int], Decimal]:
    """{(kind, item or module id): weight} of the course, as set (items and modules not named weigh 1)."""
    return {(k, i): w for k, i, w in db.session.execute(
        select(Weight.kind, Weight.item_id, Weight.weight).where(Weight.course_id == course_id))}


def _enrolled(course_id: int, run_id: int | None, scope, withdrawn: bool):
    """The conditions of a gradebook's rows: current enrolments of the course (of the run), in place (not on a
    waiting list), not withdrawn unless asked, within `scope` (SQL on Enrolment and User)."""
    conditions = [Enrolment.course_id == course_id, Enrolment.is_current.is_(True), Enrolment.waiting_since.is_(None),
                  scope]
    if run_id is not None:
        conditions.append(Enrolment.run_id == run_id)
    if not withdrawn:
        conditions.append(Enrolment.status != "withdrawn")
    return conditions


def gradebook(course: Course, scope=true(), run_id: int | None = None, withdrawn: bool = False,
              for_trainee: bool = False, now: datetime | None = None) -> Gradebook:
    """The gradebook of `course` (of the run `run_id`, else every run) for the rows within `scope` (an SQL
    condition on Enrolment and User: lms.access.gradebook.gradebook_scope), withdrawn enrolments only when
    asked. `for_trainee`: as the trainee reads their own row (a held-back mark is "to mark", not "held").
    A fixed number of statements, whatever the number of rows and items."""
    now = now or clock.now()
    weights = weights_of(course.id)
    cols = columns(course, weights)
    conditions = _enrolled(course.id, run_id, scope, withdrawn)
    found = db.session.execute(
        select(Enrolment.id, Enrolment.user_id, User.name, User.email, Institution.name, Enrolment.run_id,
               CourseRun.code, Enrolment.status, Enrolment.due_at)
        .join(User, User.id == Enrolment.user_id).outerjoin(Institution, Institution.id == User.institution_id)
        .outerjoin(CourseRun, CourseRun.id == Enrolment.run_id)
        .where(*conditions).order_by(User.name, User.id)).all()
    rows = [GradeRow(*r) for r in found]
    module_weights = {key[1]: w for key, w in weights.items() if key[0] == "module"}
    module_weights[None] = weights.get(("attendance", 0), rules.ONE)
    book = Gradebook(course, run_id, course.grading_rule, cols, rows, module_weights)
    if not rows:
        return book
    enrolled = (select(Enrolment.id).join(User, User.id == Enrolment.user_id).where(*conditions)
                .scalar_subquery())
    cells = _cells(course, cols, enrolled, [r.enrolment_id for r in rows], for_trainee, now)
    overrides = _overrides(enrolled)
    for row in rows:
        _fill(book, row, cells, overrides, now)
    return book


def _cells(course: Course, cols: list[GradeColumn], enrolled, enrolment_ids: list[int], for_trainee: bool,
           now: datetime) -> dict[tuple[int, str, int], Cell]:
    """{(enrolment id, kind, item id): Cell} of every result there is (one statement per kind present)."""
    kinds = {c.kind for c in cols}
    cells: dict[tuple[int, str, int], Cell] = {}
    # Plain rows through the session's connection: no ORM loading of 10,000 rows of numbers.
    run = db.session.connection().execute
    if "quiz" in kinds:
        for e, q, best, passed in run(
                select(QuizAttempt.enrolment_id, QuizAttempt.quiz_id, func.max(QuizAttempt.percent),
                       func.max(case((QuizAttempt.passed.is_(True), 1), else_=0)))
                .where(QuizAttempt.enrolment_id.in_(enrolled), QuizAttempt.status != "in_progress",
                       QuizAttempt.quiz_id.in_(live_items(Quiz).where(Quiz.course_id == course.id)))
                .group_by(QuizAttempt.enrolment_id, QuizAttempt.quiz_id)):
            value = rules.tenth(best if best is not None else 0)
            cells[(e, "quiz", q)] = Cell(value, value, passed=bool(passed))
    if "assignment" in kinds:
        latest = (select(Submission.id, Submission.enrolment_id, Submission.assignment_id, Submission.status,
                         func.row_number().over(partition_by=(Submission.assignment_id, Submission.enrolment_id),
                                                order_by=Submission.number.desc()).label("rn"))
                  .where(Submission.enrolment_id.in_(enrolled), Submission.status != "draft",
                         Submission.assignment_id.in_(live_items(Assignment).where(Assignment.course_id == course.id)))
                  .subquery("latest"))
        for e, a, status, outcome, percent, passed, released in run(
                select(latest.c.enrolment_id, latest.c.assignment_id, latest.c.status, Mark.outcome, Mark.percent,
                       Mark.passed, Mark.is_released)
                .outerjoin(Mark, and_(Mark.submission_id == latest.c.id, Mark.is_current))
                .where(latest.c.rn == 1)):
            cells[(e, "assignment", a)] = _assignment_cell(status, outcome, percent, passed, released, for_trainee)
    if "practical" in kinds:
        for e, p, percent, passed, released in run(
                select(Record.enrolment_id, Record.practical_id, Record.percent, Record.passed,
                       Record.is_released)
                .where(Record.enrolment_id.in_(enrolled), Record.is_current,
                       Record.practical_id.in_(live_items(Practical).where(Practical.course_id == course.id)))
                .order_by(Record.id)):
            if not released:
                cells[(e, "practical", p)] = Cell(None, None, "to_mark" if for_trainee else "held")
            else:
                value = rules.tenth(percent)
                cells[(e, "practical", p)] = Cell(value, value, passed=passed)
    if "attendance" in kinds:
        for e, figures in attendance_of_enrolments(enrolment_ids, now).items():
            if figures.rate is not None:
                value = rules.tenth(figures.rate * 100)
                cells[(e, "attendance", 0)] = Cell(value, value)
    return cells


def _assignment_cell(status, outcome, percent, passed, released, for_trainee: bool) -> Cell:
    """The cell of an assignment from its latest submission's status and current mark."""
    if status == "returned" or outcome == "returned":
        return Cell(None, None, "returned")
    if status == "marked" and outcome == "marked":
        if not released:
            return Cell(None, None, "to_mark" if for_trainee else "held")
        value = rules.tenth(percent if percent is not None else 0)
        return Cell(value, value, passed=passed)
    return Cell(None, None, "to_mark")


def _overrides(enrolled) -> dict[tuple[int, str, int], CellOverride]:
    """{(enrolment id, kind, item id): CellOverride} of the rows' overrides (item 0: attendance, the total)."""
    return {(e, k, i): CellOverride(rules.tenth(p), reason, who, at) for e, k, i, p, reason, who, at in db.session.execute(
        select(Override.enrolment_id, Override.kind, Override.item_id, Override.percent, Override.reason, User.name,
               Override.set_at)
        .outerjoin(User, User.id == Override.set_by_id).where(Override.enrolment_id.in_(enrolled)))}


def _fill(book: Gradebook, row: GradeRow, cells, overrides, now: datetime) -> None:
    """Put a row's cells in the columns' order, apply its overrides and total it by the course's rule."""
    parts, append, e = [], row.cells.append, row.enrolment_id
    for col in book.columns:
        key = (e, col.kind, col.item_id)
        cell = cells.get(key, EMPTY)
        if overrides:
            override = overrides.get(key)
            if override is not None:
                cell = Cell(override.percent, cell.computed, cell.status, cell.passed, override)
        append(cell)
        # Attendance with nothing held yet is not work missing: there was nothing to attend.
        missing = cell.value is None and cell.status not in rules.WITH_STAFF and col.kind != "attendance"
        parts.append(rules.Part(cell.value, col.module_id, col.weight, missing))
        row.graded += cell.value is not None
        row.missing += missing
    row.overdue = row.due_at is not None and _aware(row.due_at) < now
    row.computed_total = rules.total(book.rule, parts, book.module_weights, row.overdue)
    row.total_override = overrides.get((e, "total", 0))
    row.total = row.total_override.percent if row.total_override is not None else row.computed_total


def _aware(moment: datetime) -> datetime:
    # SQLite hands stored instants back naive (they are UTC); PostgreSQL aware.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=clock.now().tzinfo)


def own_row(course: Course, enrolment: Enrolment, now: datetime | None = None) -> tuple[Gradebook, GradeRow | None]:
    """A trainee's own row of the course's gradebook (withdrawn or not), as they read it."""
    book = gradebook(course, Enrolment.id == enrolment.id, withdrawn=True, for_trainee=True, now=now)
    return book, (book.rows[0] if book.rows else None)


def staff_row(course: Course, enrolment: Enrolment) -> tuple[Gradebook, GradeRow | None]:
    """One trainee's row of the course's gradebook as staff read it (the override form's)."""
    book = gradebook(course, Enrolment.id == enrolment.id, withdrawn=True)
    return book, (book.rows[0] if book.rows else None)


def enrolment_of_course(course_id: int, enrolment_id: int) -> Enrolment | None:
    """The enrolment if it is a current one of the course (the override form's), else None."""
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.course_id != course_id or not enrolment.is_current:
        return None
    return enrolment


def override_of(enrolment_id: int, kind: str, item_id: int) -> Override | None:
    """The override of one cell (or of the total: kind "total", item 0), if any."""
    return db.session.scalar(select(Override).where(Override.enrolment_id == enrolment_id, Override.kind == kind,
                                                    Override.item_id == item_id))


def overrides_of_user(user_id: int) -> list[tuple[Override, str]]:
    """Every override of the person's enrolments, with the course's title (the personal-data download)."""
    return [(o, t) for o, t in db.session.execute(
        select(Override, Course.title).join(Enrolment, Enrolment.id == Override.enrolment_id)
        .join(Course, Course.id == Enrolment.course_id).where(Enrolment.user_id == user_id).order_by(Override.id))]


def trained_run_ids(user_id: int, course_id: int) -> list[int]:
    """The course's runs the person trains (given to them, while they are on the course's staff)."""
    return list(db.session.scalars(
        select(run_trainers.c.run_id).join(CourseRun, CourseRun.id == run_trainers.c.run_id)
        .join(CourseStaff, and_(CourseStaff.user_id == run_trainers.c.user_id,
                                CourseStaff.course_id == CourseRun.course_id))
        .where(run_trainers.c.user_id == user_id, CourseRun.course_id == course_id).order_by(run_trainers.c.run_id)))


def current_enrolment(user_id: int, course_id: int) -> Enrolment | None:
    """The person's current enrolment in the course, if any (their own grades)."""
    return db.session.scalar(select(Enrolment).where(Enrolment.user_id == user_id, Enrolment.course_id == course_id,
                                                     Enrolment.is_current.is_(True)))
