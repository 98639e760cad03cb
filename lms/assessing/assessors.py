"""The assessors of a course and the runs given to them: an instructor added to the course's staff as
"assessor" (the staff page, lms.authoring) marks the work of the whole course, or only of the runs given to
them here (`run_assessors`). Audited."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, insert, select

from lms.audit import services as audit
from lms.auth.models import User
from lms.catalog.models import Course, CourseStaff
from lms.extensions import db
from lms.runs.models import CourseRun, run_assessors


class AssessorError(ValueError):
    """"not_assessor": the person is not on the course's staff as an assessor; "other_course": a run named is
    not the course's."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Assessor:
    """An assessor of the course and the ids of the runs given to them (empty: the whole course)."""

    user: User
    run_ids: tuple[int, ...]


def assessors_of(course: Course) -> list[Assessor]:
    """The course's assessors by name, each with the runs given to them. Two statements."""
    people = list(db.session.scalars(select(User).join(CourseStaff, CourseStaff.user_id == User.id).where(
        CourseStaff.course_id == course.id, CourseStaff.role == "assessor").order_by(User.name)))
    given: dict[int, list[int]] = {}
    for user_id, run_id in db.session.execute(
            select(run_assessors.c.user_id, run_assessors.c.run_id)
            .join(CourseRun, CourseRun.id == run_assessors.c.run_id)
            .where(CourseRun.course_id == course.id).order_by(run_assessors.c.run_id)):
        given.setdefault(user_id, []).append(run_id)
    return [Assessor(user, tuple(given.get(user.id, ()))) for user in people]


def assessor_of(course: Course, user_id: int) -> Assessor | None:
    """One assessor of the course, or None when the person is not one."""
    return next((a for a in assessors_of(course) if a.user.id == user_id), None)


def set_runs(course: Course, user: User, run_ids: list[int], actor: User) -> None:
    """Give an assessor of the course exactly these runs (none: the whole course's work). Audited as
    "course.assessor_runs" with the runs' codes. Commits."""
    member = db.session.get(CourseStaff, (course.id, user.id))
    if member is None or member.role != "assessor":
        raise AssessorError("not_assessor")
    wanted = sorted(set(run_ids))
    runs = list(db.session.scalars(select(CourseRun).where(CourseRun.id.in_(wanted), CourseRun.course_id == course.id)
                                   .order_by(CourseRun.starts_on, CourseRun.id))) if wanted else []
    if len(runs) != len(wanted):
        raise AssessorError("other_course")
    of_course = select(CourseRun.id).where(CourseRun.course_id == course.id)
    db.session.execute(delete(run_assessors).where(run_assessors.c.user_id == user.id,
                                                   run_assessors.c.run_id.in_(of_course)))
    if runs:
        db.session.execute(insert(run_assessors), [{"run_id": run.id, "user_id": user.id} for run in runs])
    audit.record("course.assessor_runs", actor=actor, target=course, user_id=user.id,
                 runs=[run.code for run in runs])
    db.session.commit()
