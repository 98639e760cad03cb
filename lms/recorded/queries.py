"""Named reads of recorded completions."""
from __future__ import annotations

from sqlalchemy import select

from lms.extensions import db
from lms.learning.models import Enrolment
from lms.recorded.models import RecordedCompletion


def recorded_completion(enrolment_id: int) -> RecordedCompletion | None:
    """The details of the completion recorded for this enrolment, if it was recorded by hand (its enrolment
    loads with it)."""
    return db.session.scalar(select(RecordedCompletion).join(Enrolment, Enrolment.id == RecordedCompletion.enrolment_id)
                             .where(RecordedCompletion.enrolment_id == enrolment_id))


def recorded_of_person(user_id: int) -> list[tuple[RecordedCompletion, Enrolment]]:
    """Every completion recorded for a person, with its enrolment, oldest first."""
    return list(db.session.execute(
        select(RecordedCompletion, Enrolment).join(Enrolment, Enrolment.id == RecordedCompletion.enrolment_id)
        .where(Enrolment.user_id == user_id).order_by(RecordedCompletion.recorded_at, Enrolment.id)).all())
