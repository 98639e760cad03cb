"""Learning's answers to the events of the features below (lms.core.signals): activity noted, completion decided,
figures kept (an attempt started or closed: added), due dates moved; `connect_signals` connects them."""
from __future__ import annotations

from datetime import datetime

from lms.catalog.models import Course
from lms.core import signals
from lms.extensions import db
from lms.learning import adding, figures
from lms.learning.models import Enrolment
from lms.learning.services.completing import check_completion
from lms.learning.services.enrolling import recompute_due
from lms.learning.services.progress import touch


def _on_activity(_sender, *, enrolment_id: int, when: datetime) -> None:
    touch(enrolment_id, when)


def _on_quiz_passed(_sender, *, enrolment_id: int, quiz_id: int) -> None:
    enrolment = db.session.get(Enrolment, enrolment_id)
    check_completion(enrolment, db.session.get(Course, enrolment.course_id))


def _on_work_changed(_sender, *, enrolment_ids: list[int]) -> None:
    figures.refresh(enrolment_ids)


def _on_attempt_started(_sender, *, enrolment_id: int, quiz_id: int, when: datetime) -> None:
    adding.count_started_attempt(enrolment_id, quiz_id, when)


def _on_attempt_closed(_sender, *, enrolment_id: int, quiz_id: int, percent, passed: bool,
                       active_at: datetime | None) -> None:
    adding.count_closed_attempt(enrolment_id, quiz_id, percent, passed, active_at)


def _on_zone_changed(_sender, *, user_ids: list[int] | None = None, institution_id: int | None = None) -> None:
    recompute_due(user_ids=user_ids, institution_id=institution_id)


def connect_signals() -> None:
    """Note the trainee's activity and decide completion when the quiz engine says so, keep the enrolments'
    figures when the features below say their work changed, and move due dates when a zone changes (called once
    by the application; connecting again changes nothing)."""
    signals.activity.connect(_on_activity)
    signals.quiz_passed.connect(_on_quiz_passed)
    signals.zone_changed.connect(_on_zone_changed)
    signals.work_changed.connect(_on_work_changed)
    signals.attempt_started.connect(_on_attempt_started)
    signals.attempt_closed.connect(_on_attempt_closed)
