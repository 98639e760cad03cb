"""Named reads of course runs: a course's runs with their places taken and waiting, a trainee's place."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

from sqlalchemy import and_, bindparam, case, exists, func, or_, select
from sqlalchemy.orm import selectinload

from lms.auth.models import User
from lms.catalog.models import Course
from lms.core.reads import plain_rows, plain_scalar
from lms.extensions import db
from lms.institutions.models import Institution
from lms.learning.models import Enrolment
from lms.runs.models import CourseRun, course_run_institutions, run_assessors

# An enrolment that holds a place in its run: current, not withdrawn, not waiting. Completed ones keep
# theirs (they were taught in the run).
HOLDS_PLACE = and_(Enrolment.is_current.is_(True), Enrolment.status != "withdrawn", Enrolment.waiting_since.is_(None))
# One on the waiting list of its run.
WAITS = and_(Enrolment.is_current.is_(True), Enrolment.status != "withdrawn", Enrolment.waiting_since.is_not(None))


@dataclass(frozen=True)
class RunFigures:
    """A run with its places taken and the length of its waiting list."""

    run: CourseRun
    taken: int
    waiting: int

    @property
    def places_left(self) -> int | None:
        """Free places (None: unlimited)."""
        return None if self.run.capacity is None else max(self.run.capacity - self.taken, 0)


def run_by_id(run_id: int) -> CourseRun | None:
    """A run by its id."""
    return db.session.get(CourseRun, run_id)


def course_has_runs(course_id: int) -> bool:
    """Whether the course has any run (cancelled ones count: its enrolments are in runs)."""
    return plain_scalar(_has_runs_statement(), {"course_id": course_id}) is not None


@cache
def _has_runs_statement():
    # Built once: the enrolment pages run it.
    return select(CourseRun.id).where(CourseRun.course_id == bindparam("course_id")).limit(1)


@cache
def course_has_runs_column():
    """`course_has_runs` as a column correlated with `Course`, asked in the course page's own statement
    (`lms.learning.queries.course_visit`); built once."""
    return exists().where(CourseRun.course_id == Course.id).label("has_runs")


def _figures(*conditions) -> list[RunFigures]:
    """Runs matching `conditions`, by course, start date and code, each with its places taken and waiting, in one
    statement (and their institutions in one more, not one per run)."""
    taken = func.count(case((HOLDS_PLACE, Enrolment.id)))
    waiting = func.count(case((WAITS, Enrolment.id)))
    query = (select(CourseRun, taken, waiting)
             .outerjoin(Enrolment, Enrolment.run_id == CourseRun.id)
             .where(*conditions)
             .group_by(CourseRun.id)
             .order_by(CourseRun.course_id, CourseRun.starts_on, CourseRun.code)
             .options(selectinload(CourseRun.institutions)))
    return [RunFigures(run, n_taken, n_waiting) for run, n_taken, n_waiting in db.session.execute(query).all()]


def runs_of(course_id: int, *, cancelled: bool = True) -> list[RunFigures]:
    """The course's runs by start date, each with its places taken and waiting."""
    conditions = [CourseRun.course_id == course_id]
    if not cancelled:
        conditions.append(CourseRun.cancelled_at.is_(None))
    return _figures(*conditions)


def staff_choices(course_ids: list[int], institution_id: int | None, day: date) -> dict[int, list[RunFigures]]:
    """The runs staff may enrol a person of the institution into, by course: not cancelled, not ended on `day`,
    open to the institution (staff enrol outside the enrolment window). Courses without such runs are left out."""
    if not course_ids:
        return {}
    by_course: dict[int, list[RunFigures]] = {}
    for figures in _figures(CourseRun.course_id.in_(course_ids), CourseRun.cancelled_at.is_(None),
                            CourseRun.ends_on >= day, runs_open_to_institution(institution_id)):
        by_course.setdefault(figures.run.course_id, []).append(figures)
    return by_course


def courses_with_runs(course_ids: list[int]) -> set[int]:
    """Of these courses, those that have any run (cancelled ones count)."""
    if not course_ids:
        return set()
    return set(db.session.scalars(select(CourseRun.course_id).where(CourseRun.course_id.in_(course_ids)).distinct()))


def open_to(run: CourseRun, institution_id: int | None) -> bool:
    """Whether people of the institution may enrol in the run (a run open to a list refuses people of none)."""
    if run.open_to_all:
        return True
    return institution_id is not None and any(i.id == institution_id for i in run.institutions)


def window_open(run: CourseRun, day: date) -> bool:
    """Whether `day` is inside the run's enrolment window (and not after the run's end)."""
    return ((run.enrol_opens_on is None or run.enrol_opens_on <= day)
            and (run.enrol_closes_on is None or day <= run.enrol_closes_on) and day <= run.ends_on)


def enrollable_runs(course_id: int, institution_id: int | None, day: date) -> list[RunFigures]:
    """The runs of a course a person of the institution may enrol in themselves on `day`: not cancelled,
    open to them, inside their window."""
    return [f for f in runs_of(course_id, cancelled=False) if open_to(f.run, institution_id) and window_open(f.run, day)]


def places_taken(run_id: int) -> int:
    """How many enrolments hold a place in the run."""
    return db.session.scalar(select(func.count()).select_from(Enrolment).where(Enrolment.run_id == run_id, HOLDS_PLACE))


def first_waiting(run_id: int, limit: int) -> list[Enrolment]:
    """The first `limit` on the run's waiting list, in order (who waits longest first)."""
    return list(db.session.scalars(select(Enrolment).where(Enrolment.run_id == run_id, WAITS)
                                   .order_by(Enrolment.waiting_since, Enrolment.id).limit(limit)))


def waiting_position(enrolment: Enrolment) -> int | None:
    """The enrolment's place on its run's waiting list, from 1 (None: not waiting)."""
    if not enrolment.waiting:
        return None
    ahead = db.session.scalar(select(func.count()).select_from(Enrolment).where(
        Enrolment.run_id == enrolment.run_id, WAITS,
        or_(Enrolment.waiting_since < enrolment.waiting_since,
            and_(Enrolment.waiting_since == enrolment.waiting_since, Enrolment.id < enrolment.id))))
    return ahead + 1


def runs_open_to_institution(institution_id: int | None):
    """SQL condition on CourseRun: open to the institution's people."""
    listed = select(course_run_institutions.c.run_id).where(course_run_institutions.c.institution_id == institution_id)
    return or_(CourseRun.open_to_all.is_(True), CourseRun.id.in_(listed))


def institution_choices() -> list[tuple[int, str]]:
    """Every active institution as (id, name), for the institutions a run is open to."""
    return [(i.id, i.name) for i in db.session.scalars(
        select(Institution).where(Institution.active.is_(True)).order_by(Institution.name))]


def waiting_positions(user_id: int) -> dict[int, int]:
    """The places on waiting lists of a person's current enrolments that wait: {enrolment id: position from 1},
    in one statement."""
    return _positions(_positions_statement("person"), user_id)


def waiting_positions_of(enrolment_ids: list[int]) -> dict[int, int]:
    """The places on their waiting lists of these enrolments (those that wait): {enrolment id: position from 1},
    in one statement."""
    return _positions(_positions_statement("enrolments"), list(enrolment_ids)) if enrolment_ids else {}


def _positions(statement, key) -> dict[int, int]:
    return {enrolment_id: n + 1 for enrolment_id, n in plain_rows(statement, {"key": key})}


@cache
def _positions_statement(of: str):
    # Built once per kind of key ("person": a user id; "enrolments": a list of enrolment ids): "my learning"
    # runs it on every view, and building it costs more than running it.
    condition = (Enrolment.user_id == bindparam("key") if of == "person"
                 else Enrolment.id.in_(bindparam("key", expanding=True)))
    ahead = Enrolment.__table__.alias("ahead")
    count_ahead = (select(func.count()).select_from(ahead).where(
        ahead.c.run_id == Enrolment.run_id, ahead.c.is_current.is_(True), ahead.c.status != "withdrawn",
        ahead.c.waiting_since.is_not(None),
        or_(ahead.c.waiting_since < Enrolment.waiting_since,
            and_(ahead.c.waiting_since == Enrolment.waiting_since, ahead.c.id < Enrolment.id))).scalar_subquery())
    return select(Enrolment.id, count_ahead).where(condition, WAITS)


@dataclass(frozen=True)
class EnrolmentTarget:
    """What staff may enrol a person into for one course: the course itself when it has no runs (`runs` None),
    else one of its runs open to them (`runs`, possibly empty: then nothing)."""

    course: object
    runs: list[RunFigures] | None

    @property
    def choosable(self) -> bool:
        return self.runs is None or bool(self.runs)


def enrolment_targets(courses: list, institution_id: int | None, day: date) -> list[EnrolmentTarget]:
    """The enrolment choices staff have for a person of the institution on `day` (their date), course by course,
    in two statements whatever the number of courses."""
    ids = [c.id for c in courses]
    with_runs = courses_with_runs(ids)
    choices = staff_choices(sorted(with_runs), institution_id, day)
    return [EnrolmentTarget(c, choices.get(c.id, []) if c.id in with_runs else None) for c in courses]


@dataclass(frozen=True)
class RunTrainee:
    """A trainee of a run (or of the course outside any run), as the staff list shows them."""

    enrolment: Enrolment
    name: str
    email: str
    institution: str | None
    waiting_position: int | None


def trainees_of(course_id: int, run_id: int | None, limit: int = 2000) -> list[RunTrainee]:
    """The current enrolments of a run (`run_id` None: those of the course in no run), those holding a place by
    name, then the waiting list in its order, then the withdrawn; in one statement (the waiting positions by a
    window function)."""
    position = case((WAITS, func.row_number().over(
        partition_by=case((WAITS, 1), else_=0), order_by=(Enrolment.waiting_since, Enrolment.id))))
    order = case((Enrolment.status == "withdrawn", 2), (WAITS, 1), else_=0)
    query = (select(Enrolment, User.name, User.email, Institution.name, position)
             .join(User, User.id == Enrolment.user_id)
             .outerjoin(Institution, Institution.id == User.institution_id)
             .where(Enrolment.course_id == course_id, Enrolment.is_current.is_(True),
                    Enrolment.run_id == run_id if run_id is not None else Enrolment.run_id.is_(None))
             .order_by(order, Enrolment.waiting_since, User.name, User.id).limit(limit))
    return [RunTrainee(e, name, email, institution, pos) for e, name, email, institution, pos in db.session.execute(query)]


def enrolments_in_no_run(course_id: int) -> int:
    """How many current enrolments of the course, not withdrawn, are in no run (made before it had runs)."""
    return db.session.scalar(select(func.count()).select_from(Enrolment).where(
        Enrolment.course_id == course_id, Enrolment.is_current.is_(True), Enrolment.status != "withdrawn",
        Enrolment.run_id.is_(None)))


def runs_by_code(course_ids: list[int]) -> dict[tuple[int, str], CourseRun]:
    """Every run of these courses by (course id, code), in one statement (with their institutions in one more)."""
    if not course_ids:
        return {}
    return {(r.course_id, r.code): r for r in db.session.scalars(
        select(CourseRun).where(CourseRun.course_id.in_(course_ids)).options(selectinload(CourseRun.institutions)))}


def places_taken_in(run_ids: list[int]) -> dict[int, int]:
    """How many enrolments hold a place in each of these runs, in one statement."""
    if not run_ids:
        return {}
    rows = db.session.execute(select(Enrolment.run_id, func.count()).where(Enrolment.run_id.in_(run_ids), HOLDS_PLACE)
                              .group_by(Enrolment.run_id))
    return {run_id: 0 for run_id in run_ids} | dict(rows.all())


def run_codes(limit: int = 500) -> list[str]:
    """The codes of the runs there are (of every course), sorted: what the report filters offer."""
    return list(db.session.scalars(select(CourseRun.code).distinct().order_by(CourseRun.code).limit(limit)))


def assessor_run_ids(user_id: int, course_id: int) -> list[int]:
    """The runs of the course given to an assessor (none: the assessor marks the whole course's work)."""
    return list(db.session.scalars(
        select(run_assessors.c.run_id).join(CourseRun, CourseRun.id == run_assessors.c.run_id)
        .where(run_assessors.c.user_id == user_id, CourseRun.course_id == course_id)
        .order_by(run_assessors.c.run_id)))
