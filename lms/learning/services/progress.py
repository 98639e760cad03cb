"""A trainee's progress: lessons viewed (online, and sent from a device) and the enrolment's activity."""
from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError

from lms.catalog.models import Course
from lms.core import clock
from lms.extensions import db
from lms.learning import activity, figures
from lms.learning.models import Enrolment, LessonProgress
from lms.learning.services.completing import check_completion

# A lesson opened again within this time of its last recorded view writes nothing (see record_lesson_view).
VIEW_RECORD_INTERVAL = timedelta(minutes=5)
LOOK_UP = object()  # record_lesson_view: "read the progress row yourself"


def touch(enrolment_id: int, now: datetime) -> None:
    """Note activity on an enrolment: its first (if none yet) and last activity become `now`
    (`lms.learning.activity`).

    One UPDATE on the session's connection and transaction, without loading the enrolment (a quiz
    answer saved needs nothing else of it); an enrolment object already in the session is given the
    same values, so what it says stays true. The caller commits.
    """
    db.session.connection().execute(_touch_statement(), {"enrolment_id": enrolment_id, "now": now})
    activity.note_in_session(enrolment_id, now)


@cache
def _touch_statement():
    table = Enrolment.__table__
    now = bindparam("now", type_=table.c.last_activity_at.type)
    return update(table).where(table.c.id == bindparam("enrolment_id")).values(activity.activity_values(now))


def record_lesson_view(enrolment: Enrolment, lesson, course: Course, progress=LOOK_UP) -> None:
    """The trainee opened a lesson: count it as viewed, then decide completion.

    Opening a lesson again only moves its last-viewed time and the enrolment's last activity, and
    not more often than every VIEW_RECORD_INTERVAL: reading back and forth writes nothing, and a
    lesson seen before cannot newly complete the course. `progress` is the enrolment's
    LessonProgress row for the lesson (or None) when the caller has already read it.
    """
    now = clock.now()
    if progress is LOOK_UP:
        progress = db.session.scalar(select(LessonProgress).where(
            LessonProgress.enrolment_id == enrolment.id, LessonProgress.lesson_id == lesson.id))
    if progress is not None:
        if _recent(progress.last_viewed_at, now) and _recent(enrolment.last_activity_at, now):
            return
        progress.last_viewed_at = now
        touch(enrolment.id, now)
        db.session.commit()
        return
    first_view(enrolment, lesson, course, now)


def first_view(enrolment: Enrolment, lesson, course: Course, at: datetime, touch_enrolment: bool = True) -> bool:
    """Record the enrolment's first view of `lesson` at `at`, count its figures again, decide completion and
    commit: the one writer of a new view, online (`record_lesson_view`) and sent from a device
    (`offline_views`). Returns False, with the session rolled back, when another request recorded the same
    view first (the same lesson opened twice at once, or two tabs sending a device's queue)."""
    db.session.add(LessonProgress(enrolment_id=enrolment.id, lesson_id=lesson.id, first_viewed_at=at,
                                  last_viewed_at=at))
    if touch_enrolment:
        touch(enrolment.id, at)
    try:
        # The insert meets the other request's at the flush already where that one committed first (PostgreSQL
        # waits on the unique index, then refuses), at the commit on SQLite.
        db.session.flush()
        figures.refresh([enrolment.id], attempts=False)
        check_completion(enrolment, course)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def _recent(moment: datetime | None, now: datetime) -> bool:
    return moment is not None and now - VIEW_RECORD_INTERVAL <= moment <= now
