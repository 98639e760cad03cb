"""Named reads of training sessions: a place's sessions with their places taken, a person's sessions between two
moments, who comes, the register's people, and the attendance figures (per trainee, per run), in SQL."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache

from sqlalchemy import and_, bindparam, case, exists, func, or_, select, true
from sqlalchemy.orm import selectinload

from lms.attendance.figures import SESSION_MINUTES, hours, of_place
from lms.attendance.models import ATTENDED, AttendanceMark, SessionSignUp, TrainingSession, session_trainers
from lms.auth.models import User
from lms.catalog.models import Course, CourseStaff
from lms.core import clock
from lms.core.reads import plain_rows
from lms.extensions import db
from lms.institutions.models import Institution
from lms.learning.models import Enrolment
from lms.runs.models import CourseRun, run_trainers

LIVE = SessionSignUp.cancelled_at.is_(None)
PLACED = and_(LIVE, SessionSignUp.waiting_since.is_(None))
WAITS = and_(LIVE, SessionSignUp.waiting_since.is_not(None))
# An enrolment whose trainee belongs in its place's sessions: current, not withdrawn, not on the run's waiting list.
IN_PLACE = and_(Enrolment.is_current.is_(True), Enrolment.status != "withdrawn", Enrolment.waiting_since.is_(None))


@dataclass(frozen=True)
class SessionFigures:
    """A session with its places taken and the length of its waiting list."""

    session: TrainingSession
    taken: int
    waiting: int

    @property
    def places_left(self) -> int | None:
        """Free places (None: no limit)."""
        return None if self.session.capacity is None else max(self.session.capacity - self.taken, 0)


@dataclass(frozen=True)
class Attendance:
    """A trainee's attendance figures: sessions attended (present or late), excused, expected (held sessions they
    signed up for or were marked at), the hours attended."""

    attended: int
    excused: int
    expected: int
    minutes: float

    @property
    def held(self) -> int:
        """The divisor of the rate: sessions held they were expected at, excused ones left out."""
        return self.expected - self.excused

    @property
    def rate(self) -> float | None:
        """Attended / held (None: none held yet)."""
        return self.attended / self.held if self.held > 0 else None

    @property
    def hours(self) -> Decimal:
        """Hours attended, one decimal."""
        return hours(round(self.minutes))


NO_ATTENDANCE = Attendance(0, 0, 0, 0.0)


def session_by_id(session_id: int) -> TrainingSession | None:
    """A session by its id."""
    return db.session.get(TrainingSession, session_id)


def _taken_and_waiting():
    return (func.count(case((PLACED, SessionSignUp.id))), func.count(case((WAITS, SessionSignUp.id))))


def sessions_of_place(course_id: int, run_id: int | None, *, cancelled: bool = True) -> list[SessionFigures]:
    """The sessions of a run (or of a course without runs: `run_id` None) by start, each with its places taken
    and waiting, in one statement (their trainers in one more)."""
    rows = db.session.execute(_sessions_of_place_statement(cancelled), {"course_id": course_id, "run_id": run_id})
    return [SessionFigures(s, t, w) for s, t, w in rows.all()]


@cache
def _sessions_of_place_statement(cancelled: bool):
    # Built once (one per `cancelled`): the course page runs it on every view, and building it costs more than
    # running it.
    taken, waiting = _taken_and_waiting()
    query = (select(TrainingSession, taken, waiting).outerjoin(SessionSignUp, SessionSignUp.session_id == TrainingSession.id)
             .where(TrainingSession.course_id == bindparam("course_id"),
                    TrainingSession.run_id.is_not_distinct_from(bindparam("run_id")))
             .group_by(TrainingSession.id).order_by(TrainingSession.starts_at, TrainingSession.id)
             .options(selectinload(TrainingSession.trainers)))
    return query if cancelled else query.where(TrainingSession.cancelled_at.is_(None))


def places_taken(session_id: int) -> int:
    """How many live sign-ups hold a place in the session."""
    return db.session.scalar(select(func.count()).select_from(SessionSignUp)
                             .where(SessionSignUp.session_id == session_id, PLACED))


def first_waiting(session_id: int, limit: int) -> list[SessionSignUp]:
    """The first `limit` on the session's waiting list (who waits longest first)."""
    return list(db.session.scalars(select(SessionSignUp).where(SessionSignUp.session_id == session_id, WAITS)
                                   .order_by(SessionSignUp.waiting_since, SessionSignUp.id).limit(limit)))


def live_sign_up(session_id: int, user_id: int) -> SessionSignUp | None:
    """The person's live sign-up for the session (a place or the waiting list), if any."""
    return db.session.scalar(select(SessionSignUp).where(SessionSignUp.session_id == session_id,
                                                         SessionSignUp.user_id == user_id, LIVE))


def overlapping_sign_up(user_id: int, starts_at: datetime, ends_at: datetime, other_than: int) -> TrainingSession | None:
    """A session (not cancelled, not `other_than`) the person has a live sign-up for that overlaps the times."""
    return db.session.scalar(
        select(TrainingSession).join(SessionSignUp, SessionSignUp.session_id == TrainingSession.id)
        .where(SessionSignUp.user_id == user_id, LIVE, TrainingSession.cancelled_at.is_(None),
               TrainingSession.id != other_than, TrainingSession.starts_at < ends_at, TrainingSession.ends_at > starts_at)
        .limit(1))


def waiting_positions(user_id: int) -> dict[int, int]:
    """The places on sessions' waiting lists of a person's live sign-ups that wait: {session id: position from 1}."""
    ahead = SessionSignUp.__table__.alias("ahead")
    count_ahead = (select(func.count()).select_from(ahead).where(
        ahead.c.session_id == SessionSignUp.session_id, ahead.c.cancelled_at.is_(None), ahead.c.waiting_since.is_not(None),
        or_(ahead.c.waiting_since < SessionSignUp.waiting_since,
            and_(ahead.c.waiting_since == SessionSignUp.waiting_since, ahead.c.id < SessionSignUp.id))).scalar_subquery())
    rows = db.session.execute(select(SessionSignUp.session_id, count_ahead).where(SessionSignUp.user_id == user_id, WAITS))
    return {session_id: n + 1 for session_id, n in rows}


@dataclass(frozen=True)
class PersonSession:
    """A session in a person's list: theirs as a trainee (`sign_up`, or None: enrolled in its place, not signed
    up) or as a trainer."""

    session: TrainingSession
    sign_up: SessionSignUp | None
    trainer: bool = False
    waiting_position: int | None = None


@cache
def course_has_sessions_column():
    """Whether the course has any session, in any of its places (cancelled ones count: the course page says so), as a
    column correlated with `Course`: the course page asks it in its own statement (`lms.learning.queries.
    course_visit`) and reads a place's sessions (`trainee_sessions`) only when the answer is yes. Built once."""
    return exists().where(TrainingSession.course_id == Course.id).label("has_sessions")


def trainee_sessions(user_id: int, course_id: int, run_id: int | None) -> list[PersonSession]:
    """The sessions of an enrolment's place (cancelled ones too, to say so) with the person's live sign-up,
    for the course page; two statements, one when the place has no session (a self-paced course)."""
    place = sessions_of_place(course_id, run_id)
    if not place:
        return []
    sign_ups = {s.session_id: s for s in db.session.scalars(_trainee_sign_ups_statement(),
                                                            {"user_id": user_id, "course_id": course_id})}
    positions = waiting_positions(user_id) if any(s.waiting_since for s in sign_ups.values()) else {}
    return [PersonSession(f.session, sign_ups.get(f.session.id), waiting_position=positions.get(f.session.id))
            for f in place]


@cache
def _trainee_sign_ups_statement():
    # Built once: the course page runs it on every view.
    return (select(SessionSignUp).join(TrainingSession, TrainingSession.id == SessionSignUp.session_id)
            .where(SessionSignUp.user_id == bindparam("user_id"), LIVE,
                   TrainingSession.course_id == bindparam("course_id")))


@cache
def person_has_sessions_column():
    """Whether the person whose id is the statement's `user_id` has a live sign-up for any session, or trains any
    session or run: when not, `sessions_of_person` finds nothing at any dates. A column for "my learning" to ask in
    its own statement (`lms.learning.queries.my_learning_read`); built once."""
    user_id = bindparam("user_id")
    return or_(exists().where(SessionSignUp.user_id == user_id, LIVE),
               exists().where(session_trainers.c.user_id == user_id),
               exists().where(run_trainers.c.user_id == user_id)).label("has_sessions")


def sessions_of_person(user_id: int, start: datetime, end: datetime) -> list[PersonSession]:
    """The sessions of a person that overlap [start, end), by start: those they have a live sign-up for (on the
    waiting list too), and those they train (as the session's or the run's trainer); cancelled sessions
    included (a calendar says they are cancelled). Two statements. The calendar and reports read this."""
    values = {"user_id": user_id, "start": start, "end": end}
    signed_up, trains = _sessions_of_person_statements()
    signed = db.session.execute(signed_up, values).all()
    positions = waiting_positions(user_id) if any(s.waiting_since for _t, s in signed) else {}
    found = {t.id: PersonSession(t, s, waiting_position=positions.get(t.id)) for t, s in signed}
    for session in db.session.scalars(trains, values):
        found.setdefault(session.id, PersonSession(session, None, trainer=True))
    return sorted(found.values(), key=lambda p: (p.session.starts_at, p.session.id))


@cache
def _sessions_of_person_statements():
    # Built once: "my learning" and the calendar run them on every view, and building them costs more than
    # running them. The sessions signed up for, and those trained.
    user_id = bindparam("user_id")
    in_range = and_(TrainingSession.starts_at < bindparam("end"), TrainingSession.ends_at > bindparam("start"))
    signed_up = (select(TrainingSession, SessionSignUp)
                 .join(SessionSignUp, SessionSignUp.session_id == TrainingSession.id)
                 .where(SessionSignUp.user_id == user_id, LIVE, in_range)
                 .options(selectinload(TrainingSession.course), selectinload(TrainingSession.run)))
    trains = select(TrainingSession).where(in_range, or_(
        TrainingSession.id.in_(select(session_trainers.c.session_id).where(session_trainers.c.user_id == user_id)),
        TrainingSession.run_id.in_(select(run_trainers.c.run_id).where(run_trainers.c.user_id == user_id))))
    return signed_up, trains.options(selectinload(TrainingSession.course))


@dataclass(frozen=True)
class RegisterRow:
    """A person on a session's register: signed up (or on its waiting list), or enrolled in its place; their
    mark; their institution."""

    user: User
    institution: str | None
    status: str | None
    signed_up: bool
    waiting: bool


def register_rows(session: TrainingSession, scope) -> list[RegisterRow]:
    """The people of a session's register within `scope` (SQL condition on User, `lms.access.register_scope`),
    by name: those with a live sign-up, those enrolled in its place (and holding their place there), and anyone
    already marked; with their mark. One statement."""
    signed = select(SessionSignUp.user_id).where(SessionSignUp.session_id == session.id, LIVE)
    enrolled = select(Enrolment.user_id).where(Enrolment.course_id == session.course_id,
                                               Enrolment.run_id.is_not_distinct_from(session.run_id), IN_PLACE)
    marked = select(AttendanceMark.user_id).where(AttendanceMark.session_id == session.id)
    rows = db.session.execute(
        select(User, Institution.name, AttendanceMark.status, SessionSignUp.id, SessionSignUp.waiting_since)
        .outerjoin(Institution, Institution.id == User.institution_id)
        .outerjoin(AttendanceMark, and_(AttendanceMark.session_id == session.id, AttendanceMark.user_id == User.id))
        .outerjoin(SessionSignUp, and_(SessionSignUp.session_id == session.id, SessionSignUp.user_id == User.id, LIVE))
        .where(or_(User.id.in_(signed), User.id.in_(enrolled), User.id.in_(marked)), scope)
        .order_by(User.name, User.id)).all()
    return [RegisterRow(u, inst, status, sign_up_id is not None, waiting is not None)
            for u, inst, status, sign_up_id, waiting in rows]


@dataclass(frozen=True)
class ComingRow:
    """A live sign-up on the "who comes" list, with the person's institution, attendance figures in the place."""

    sign_up: SessionSignUp
    user: User
    institution: str | None


def who_comes(session: TrainingSession, scope=true()) -> list[ComingRow]:
    """The session's live sign-ups within `scope` (SQL condition on User): places first in the order they were
    taken, then the waiting list in its order. One statement."""
    rows = db.session.execute(
        select(SessionSignUp, User, Institution.name).join(User, User.id == SessionSignUp.user_id)
        .outerjoin(Institution, Institution.id == User.institution_id)
        .where(SessionSignUp.session_id == session.id, LIVE, scope)
        .order_by(SessionSignUp.waiting_since.is_not(None), SessionSignUp.waiting_since, SessionSignUp.signed_up_at,
                  SessionSignUp.id)).all()
    return [ComingRow(s, u, i) for s, u, i in rows]


def _attendance_columns():
    """The grouped figures of the rows (enrolment x held session of its place where they were signed up with a
    place or marked)."""
    attended = AttendanceMark.status.in_(ATTENDED)
    return (func.count(case((attended, 1))), func.count(case((AttendanceMark.status == "excused", 1))),
            func.count(TrainingSession.id), func.coalesce(func.sum(case((attended, SESSION_MINUTES))), 0))


def _attendance_rows(now: datetime):
    """SELECT (enrolment id, attended, excused, expected, minutes) over every enrolment; the caller filters."""
    return (select(Enrolment.id, *_attendance_columns()).select_from(Enrolment)
            .join(TrainingSession, and_(of_place(Enrolment.course_id, Enrolment.run_id), TrainingSession.starts_at < now))
            .outerjoin(AttendanceMark, and_(AttendanceMark.session_id == TrainingSession.id,
                                            AttendanceMark.user_id == Enrolment.user_id))
            .outerjoin(SessionSignUp, and_(SessionSignUp.session_id == TrainingSession.id,
                                           SessionSignUp.user_id == Enrolment.user_id, PLACED))
            .where(or_(AttendanceMark.id.is_not(None), SessionSignUp.id.is_not(None)))
            .group_by(Enrolment.id))


def attendance_by_enrolment(now: datetime):
    """A subquery of every enrolment's attendance figures, for the reports to join on their enrolments:
    columns enrolment_id, attended, excused, expected, minutes (an enrolment with nothing held has no row)."""
    rows = _attendance_rows(now)
    return rows.with_only_columns(*[column.label(name) for column, name in zip(
        rows.selected_columns, ("enrolment_id", "attended", "excused", "expected", "minutes"), strict=True)]
                                  ).subquery("attendance")


def attendance_of_enrolments(enrolment_ids: list[int], now: datetime | None = None) -> dict[int, Attendance]:
    """Attendance figures of these enrolments: {enrolment id: Attendance} (missing: nothing held yet), in one
    statement. Held = not cancelled and started before `now`; the rate's divisor leaves excused sessions out."""
    if not enrolment_ids:
        return {}
    rows = plain_rows(_attendance_of_enrolments_statement(), {"now": now or clock.now(), "ids": list(enrolment_ids)})
    return {e: Attendance(a, x, n, float(m or 0)) for e, a, x, n, m in rows}


@cache
def _attendance_of_enrolments_statement():
    # Built once: the course page runs it on every view, and building it took three times as long as running it.
    return _attendance_rows(bindparam("now")).where(Enrolment.id.in_(bindparam("ids", expanding=True)))


@dataclass(frozen=True)
class TraineeAttendance:
    """A trainee of a run with their attendance figures."""

    enrolment_id: int
    user: User
    institution: str | None
    attendance: Attendance


def attendance_per_trainee(course_id: int, run_id: int | None, scope=true(), now: datetime | None = None
                           ) -> list[TraineeAttendance]:
    """Every trainee of a run (or of a course without runs) within `scope` (SQL condition on User), by name, with
    their attendance figures; two statements whatever their number. The reports use it."""
    enrolments = db.session.execute(
        select(Enrolment.id, User, Institution.name).join(User, User.id == Enrolment.user_id)
        .outerjoin(Institution, Institution.id == User.institution_id)
        .where(Enrolment.course_id == course_id, Enrolment.run_id.is_not_distinct_from(run_id), IN_PLACE, scope)
        .order_by(User.name, User.id)).all()
    figures = attendance_of_enrolments([e for e, _u, _i in enrolments], now)
    return [TraineeAttendance(e, u, i, figures.get(e, NO_ATTENDANCE)) for e, u, i in enrolments]


@dataclass(frozen=True)
class RunAttendance:
    """A run's attendance in aggregate: trainees, sessions held, marks attended over expected, hours."""

    trainees: int
    sessions_held: int
    attended: int
    held: int
    minutes: float

    @property
    def rate(self) -> float | None:
        """Attended over held, over every trainee (None: none held)."""
        return self.attended / self.held if self.held > 0 else None

    @property
    def hours(self) -> Decimal:
        """The hours attended by all its trainees together."""
        return hours(round(self.minutes))


def run_attendance(course_id: int, run_id: int | None, scope=true(), now: datetime | None = None) -> RunAttendance:
    """A run's (or a course's without runs) attendance in aggregate, within `scope` (SQL condition on User), in
    two statements (the figures grouped per enrolment, then summed in SQL). The reports use it."""
    now = now or clock.now()
    per = (_attendance_rows(now).join(User, User.id == Enrolment.user_id)
           .where(Enrolment.course_id == course_id, Enrolment.run_id.is_not_distinct_from(run_id), IN_PLACE, scope)
           .subquery())
    cols = list(per.c)
    attended, excused, expected, minutes = (func.coalesce(func.sum(c), 0) for c in cols[1:])
    a, x, n, m = db.session.execute(select(attended, excused, expected, minutes)).one()
    trainees = db.session.scalar(select(func.count()).select_from(Enrolment).join(User, User.id == Enrolment.user_id)
                                 .where(Enrolment.course_id == course_id,
                                        Enrolment.run_id.is_not_distinct_from(run_id), IN_PLACE, scope))
    held = db.session.scalar(select(func.count()).select_from(TrainingSession)
                             .where(of_place(course_id, run_id), TrainingSession.starts_at < now))
    return RunAttendance(trainees, held, int(a), int(n) - int(x), float(m or 0))


def is_run_trainer(user_id: int, run_id: int | None) -> bool:
    """Whether the person is a trainer of the run and on its course's staff (a trainer removed from the staff
    trains nothing)."""
    if run_id is None:
        return False
    return bool(db.session.scalar(select(exists().where(
        run_trainers.c.run_id == run_id, run_trainers.c.user_id == user_id, CourseRun.id == run_trainers.c.run_id,
        CourseStaff.user_id == run_trainers.c.user_id, CourseStaff.course_id == CourseRun.course_id))))


def is_session_trainer(user_id: int, session_id: int) -> bool:
    """Whether the person is named a trainer of the session."""
    return bool(db.session.scalar(select(exists().where(session_trainers.c.session_id == session_id,
                                                        session_trainers.c.user_id == user_id))))


def trainer_choices() -> list[tuple[int, str]]:
    """Active instructors as (id, "name (email)"), for the trainers of runs and sessions."""
    return [(u.id, f"{u.name} ({u.email})") for u in db.session.scalars(
        select(User).where(User.role == "instructor", User.active.is_(True)).order_by(User.name))]


def trainers_of(run: CourseRun) -> list[User]:
    """The run's trainers, by name."""
    return list(run.trainers)

