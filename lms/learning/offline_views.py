"""The writer of lesson views read on a device without a connection and sent when it returned.

A lesson kept on the trainee's device (lms.offline) opens from the browser's store when the network fails; the
page's script queues the view with the device's time and sends it later. The view counts as any other
(`LessonProgress`, then completion), at the time the device gave, within bounds: never in the future beyond a
small clock skew, never before the enrolment. Sending the same view again changes nothing: the first view
becomes the earliest of the times and the last view the latest, so replays and reordering agree.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select

from lms.catalog.models import Course
from lms.core import clock
from lms.extensions import db
from lms.learning.models import Enrolment, LessonProgress
from lms.learning.services import first_view, touch

# A device's clock may run a little ahead of the server's: a view up to this far in the future is taken as now.
CLOCK_SKEW = timedelta(minutes=5)

log = logging.getLogger("lms.learning")


class ViewTimeRefused(Exception):
    """A device time outside the bounds: "future" (past the skew) or "before_enrolment"."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def record_offline_view(enrolment: Enrolment, lesson, course: Course, viewed_at: datetime) -> bool:
    """Record a view of `lesson` made on the device at `viewed_at` (aware); decide completion as a view does.

    Returns True when the view was new (the lesson had no view in this enrolment), False when it only moved the
    first or last time of an existing one (or changed nothing: a replay). Raises ViewTimeRefused outside the
    bounds. The caller has checked that the lesson is open to the enrolment. Commits."""
    now = clock.now()
    if viewed_at > now + CLOCK_SKEW:
        raise ViewTimeRefused("future")
    if viewed_at < enrolment.enrolled_at:
        raise ViewTimeRefused("before_enrolment")
    viewed_at = min(viewed_at, now)
    progress = db.session.scalar(select(LessonProgress).where(
        LessonProgress.enrolment_id == enrolment.id, LessonProgress.lesson_id == lesson.id))
    if progress is not None:
        progress.first_viewed_at = min(progress.first_viewed_at, viewed_at)
        progress.last_viewed_at = max(progress.last_viewed_at, viewed_at)
        if enrolment.last_activity_at is None or enrolment.last_activity_at < viewed_at:
            touch(enrolment.id, viewed_at)
        db.session.commit()
        return False
    later = enrolment.last_activity_at is None or enrolment.last_activity_at < viewed_at
    if not first_view(enrolment, lesson, course, viewed_at, touch_enrolment=later):
        # The same lesson's view sent twice at once (two tabs emptying the device's queue when the connection
        # returns): the other request inserted the row; this view moves its times as a replay does.
        record_offline_view(enrolment, lesson, course, viewed_at)
        return False
    log.info("offline lesson view recorded", extra={"enrolment_id": enrolment.id, "lesson_id": lesson.id})
    return True
