"""The named reads of announcements: what a trainee reads, what staff manage, who receives one by mail.

Who an announcement reaches is written once (`audience`): the current, not withdrawn enrolments of its course,
and of its run when it names one (a run's waiting list included: they are that run's trainees, waiting for a
place). The course page, the trainee's list and the mail all read it.
"""
from __future__ import annotations

from functools import cache

from sqlalchemy import ColumnElement, and_, bindparam, exists, false, func, or_, select

from lms.announcements.models import Announcement
from lms.auth.models import User
from lms.catalog.models import Course, CourseStaff
from lms.core.reads import plain_scalar
from lms.extensions import db
from lms.learning.models import Enrolment
from lms.runs.models import CourseRun, run_trainers


def announcement_by_id(announcement_id: int) -> Announcement | None:
    """An announcement by its id (the caller decides who may see it)."""
    return db.session.get(Announcement, announcement_id)


def audience(announcement: Announcement) -> ColumnElement[bool]:
    """SQL condition on `Enrolment`: the enrolments the announcement is for."""
    condition = and_(Enrolment.course_id == announcement.course_id, Enrolment.is_current.is_(True),
                     Enrolment.status != "withdrawn")
    if announcement.run_id is not None:
        condition = and_(condition, Enrolment.run_id == announcement.run_id)
    return condition


def for_enrolment(enrolment: Enrolment | None) -> ColumnElement[bool]:
    """SQL condition on `Announcement`: what the holder of this enrolment reads (the course's and their run's;
    nothing for a withdrawn enrolment or none)."""
    if not _reads_announcements(enrolment):
        return false()
    return _readers_of(enrolment.course_id, enrolment.run_id)


def _reads_announcements(enrolment: Enrolment | None) -> bool:
    return enrolment is not None and enrolment.status != "withdrawn" and enrolment.is_current


def _readers_of(course_id, run_id) -> ColumnElement[bool]:
    # What an enrolment in the course and run reads: the course's announcements for all its trainees, and its run's
    # (with no run, `run_id = NULL` matches nothing). Values, or bound parameters for the statements built once.
    return and_(Announcement.course_id == course_id, or_(Announcement.run_id.is_(None), Announcement.run_id == run_id))


@cache
def course_has_announcements_column():
    """Whether the course has any announcement not withdrawn (for all its trainees or for one of its runs), as a
    column correlated with `Course`: the course page asks it in its own statement (`lms.learning.queries.
    course_visit`) and reads an enrolment's announcements only when the answer is yes. Built once."""
    return exists().where(Announcement.course_id == Course.id, Announcement.withdrawn_at.is_(None)).label(
        "has_announcements")


def enrolment_announcements(enrolment: Enrolment | None, limit: int) -> list[Announcement]:
    """What the holder of this enrolment reads that is not withdrawn (`live_announcements` within
    `for_enrolment`), newest first, at most `limit`: the course page's, in a statement built once."""
    if not _reads_announcements(enrolment):
        return []
    return list(db.session.scalars(_enrolment_statements()[0], {
        "course_id": enrolment.course_id, "run_id": enrolment.run_id, "limit": limit}))


def count_enrolment_announcements(enrolment: Enrolment | None) -> int:
    """How many announcements the holder of this enrolment reads that are not withdrawn."""
    if not _reads_announcements(enrolment):
        return 0
    return plain_scalar(_enrolment_statements()[1], {"course_id": enrolment.course_id, "run_id": enrolment.run_id})


@cache
def _enrolment_statements():
    # Built once: the course page runs the first on every view by an enrolled trainee, and building it (its cache key
    # included) cost more than running it.
    scope = and_(_readers_of(bindparam("course_id"), bindparam("run_id")), Announcement.withdrawn_at.is_(None))
    return (select(Announcement).where(scope).order_by(Announcement.created_at.desc(), Announcement.id.desc())
            .limit(bindparam("limit")),
            select(func.count()).select_from(Announcement).where(scope))


def live_announcements(course_id: int, scope: ColumnElement[bool], limit: int | None = None) -> list[Announcement]:
    """The course's announcements that are not withdrawn, within `scope` (a condition on `Announcement`, from
    `for_enrolment` or lms.access), newest first; at most `limit`."""
    query = (select(Announcement).where(Announcement.course_id == course_id, Announcement.withdrawn_at.is_(None),
                                        scope)
             .order_by(Announcement.created_at.desc(), Announcement.id.desc()))
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def count_live(course_id: int, scope: ColumnElement[bool]) -> int:
    """How many of the course's announcements within `scope` are not withdrawn."""
    return db.session.scalar(select(func.count()).select_from(Announcement).where(
        Announcement.course_id == course_id, Announcement.withdrawn_at.is_(None), scope))


def staff_announcements(course_id: int, scope: ColumnElement[bool]) -> list[Announcement]:
    """Every announcement of the course within `scope` (withdrawn ones too), newest first, for staff."""
    return list(db.session.scalars(
        select(Announcement).where(Announcement.course_id == course_id, scope)
        .order_by(Announcement.created_at.desc(), Announcement.id.desc())))


def trained_run_ids(user_id: int, course_id: int) -> list[int]:
    """The course's runs the person is a trainer of (while on the course's staff), by id."""
    return list(db.session.scalars(
        select(run_trainers.c.run_id).join(CourseRun, CourseRun.id == run_trainers.c.run_id)
        .join(CourseStaff, and_(CourseStaff.course_id == CourseRun.course_id,
                                CourseStaff.user_id == run_trainers.c.user_id))
        .where(run_trainers.c.user_id == user_id, CourseRun.course_id == course_id)
        .order_by(run_trainers.c.run_id)))


def recipients(announcement: Announcement, after_user_id: int | None, limit: int) -> list[User]:
    """The next `limit` people the announcement is for, in the order of their ids after `after_user_id`, in one
    statement: active accounts that are not anonymised (a person has one current enrolment per course, so no
    one comes twice)."""
    query = (select(User).join(Enrolment, Enrolment.user_id == User.id)
             .where(audience(announcement), User.active.is_(True), User.anonymised_at.is_(None))
             .order_by(User.id).limit(limit))
    if after_user_id is not None:
        query = query.where(User.id > after_user_id)
    return list(db.session.scalars(query))


def audience_sizes(announcements: list[Announcement]) -> dict[int, int]:
    """How many trainees each announcement is for, by id, in one statement per course: the course's current
    enrolments counted per run."""
    if not announcements:
        return {}
    course_id = announcements[0].course_id
    per_run = dict(db.session.execute(
        select(Enrolment.run_id, func.count()).where(Enrolment.course_id == course_id, Enrolment.is_current.is_(True),
                                                     Enrolment.status != "withdrawn")
        .group_by(Enrolment.run_id)).all())
    everyone = sum(per_run.values())
    return {a.id: (everyone if a.run_id is None else per_run.get(a.run_id, 0)) for a in announcements}
