"""The counting of attendance that completion and certificates need, in SQL, knowing no enrolment model.

An enrolment's sessions are the sessions of its place: its course and its run (`run_id` the same, NULL
matching NULL: a course without runs), not cancelled. Learning asks here whether enrolments meet the
course's attendance rule and how many hours a trainee attended; the pages' figures (rates per trainee and
per run) are in `lms.sessions.queries`, on top of these expressions.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Float, and_, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from lms.attendance.models import ATTENDED, AttendanceMark, TrainingSession
from lms.extensions import db

ATTENDANCE_RULES = ("none", "all", "at_least", "named")


class minutes_between(FunctionElement):  # noqa: N801 - an SQL function, named as SQL names them
    """SQL: the minutes from one stored instant to another (PostgreSQL and SQLite alike)."""

    type = Float()
    inherit_cache = True
    name = "minutes_between"


@compiles(minutes_between, "postgresql")
def _minutes_pg(element, compiler, **kw):
    start, end = list(element.clauses)
    return f"(EXTRACT(EPOCH FROM ({compiler.process(end, **kw)} - {compiler.process(start, **kw)})) / 60.0)"


@compiles(minutes_between)
def _minutes_sqlite(element, compiler, **kw):
    # SQLite keeps UTC instants as ISO text, which julianday() reads; days x 1440 = minutes.
    start, end = list(element.clauses)
    return f"((julianday({compiler.process(end, **kw)}) - julianday({compiler.process(start, **kw)})) * 1440.0)"


SESSION_MINUTES = minutes_between(TrainingSession.starts_at, TrainingSession.ends_at)


def of_place(course_id, run_id):
    """SQL condition on TrainingSession: a live session of the place (course, run) given as values or columns."""
    return and_(TrainingSession.course_id == course_id, TrainingSession.run_id.is_not_distinct_from(run_id),
                TrainingSession.cancelled_at.is_(None))


def hours(minutes) -> Decimal:
    """Minutes as hours with one decimal (what a certificate and a page show)."""
    return (Decimal(str(minutes or 0)) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def hours_attended(user_id: int, course_id: int, run_id: int | None) -> Decimal:
    """The hours of the sessions of the place the person was marked present or late at, in one statement."""
    minutes = db.session.scalar(
        select(func.sum(SESSION_MINUTES)).select_from(TrainingSession)
        .join(AttendanceMark, AttendanceMark.session_id == TrainingSession.id)
        .where(of_place(course_id, run_id), AttendanceMark.user_id == user_id, AttendanceMark.status.in_(ATTENDED)))
    return hours(round(minutes or 0))


def meeting_rule(course, places: list[tuple[int, int, int | None]]) -> set[int]:
    """Of these enrolments, given as (enrolment id, user id, run id) of `course`, the ids that meet its attendance
    rule: "all" its place's sessions, "at_least" N of them, or every "named" (required) one, marked present or
    late. "all" and "named" need at least one such session (a run without sessions completes nobody by
    attendance). Two statements for any number of enrolments."""
    rule = course.completion_attendance
    if rule == "none" or not places:
        return {enrolment_id for enrolment_id, _u, _r in places}
    live = and_(TrainingSession.course_id == course.id, TrainingSession.cancelled_at.is_(None))
    if rule == "named":
        live = and_(live, TrainingSession.required.is_(True))
    needed = {run_id: n for run_id, n in db.session.execute(
        select(TrainingSession.run_id, func.count()).where(live).group_by(TrainingSession.run_id))}
    users = {user_id for _e, user_id, _r in places}
    attended = {(user_id, run_id): n for user_id, run_id, n in db.session.execute(
        select(AttendanceMark.user_id, TrainingSession.run_id, func.count())
        .join(TrainingSession, TrainingSession.id == AttendanceMark.session_id)
        .where(live, AttendanceMark.user_id.in_(users), AttendanceMark.status.in_(ATTENDED))
        .group_by(AttendanceMark.user_id, TrainingSession.run_id))}
    met = set()
    for enrolment_id, user_id, run_id in places:
        done = attended.get((user_id, run_id), 0)
        if rule == "at_least":
            ok = done >= (course.completion_attendance_min or 1)
        else:
            ok = needed.get(run_id, 0) > 0 and done >= needed[run_id]
        if ok:
            met.add(enrolment_id)
    return met
