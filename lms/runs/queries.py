"""Named reads of course runs: a course's runs with their places taken and waiting, a trainee's place."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import selectinload

from lms.extensions import db
from lms.institutions.models import Institution
from lms.learning.models import Enrolment
from lms.runs.models import CourseRun, course_run_institutions

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
    return db.session.scalar(select(CourseRun.id).where(CourseRun.course_id == course_id).limit(1)) is not None


def runs_of(course_id: int, *, cancelled: bool = True) -> list[RunFigures]:
    """The course's runs by start date, each with its places taken and waiting, in one statement (and their
    institutions in one more, not one per run)."""
    taken = func.count(case((HOLDS_PLACE, Enrolment.id)))
    waiting = func.count(case((WAITS, Enrolment.id)))
    query = (select(CourseRun, taken, waiting)
             .outerjoin(Enrolment, Enrolment.run_id == CourseRun.id)
             .where(CourseRun.course_id == course_id)
             .group_by(CourseRun.id)
             .order_by(CourseRun.starts_on, CourseRun.code)
             .options(selectinload(CourseRun.institutions)))
    if not cancelled:
        query = query.where(CourseRun.cancelled_at.is_(None))
    return [RunFigures(run, n_taken, n_waiting) for run, n_taken, n_waiting in db.session.execute(query).all()]


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
    ahead = Enrolment.__table__.alias("ahead")
    count_ahead = (select(func.count()).select_from(ahead).where(
        ahead.c.run_id == Enrolment.run_id, ahead.c.is_current.is_(True), ahead.c.status != "withdrawn",
        ahead.c.waiting_since.is_not(None),
        or_(ahead.c.waiting_since < Enrolment.waiting_since,
            and_(ahead.c.waiting_since == Enrolment.waiting_since, ahead.c.id < Enrolment.id))).scalar_subquery())
    rows = db.session.execute(select(Enrolment.id, count_ahead).where(Enrolment.user_id == user_id, WAITS))
    return {enrolment_id: n + 1 for enrolment_id, n in rows}
