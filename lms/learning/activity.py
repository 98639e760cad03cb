"""The trainee's activity on an enrolment (`Enrolment.started_at`, `Enrolment.last_activity_at`): its first and last
moments of work. The rule is written once here; `lms.learning.services.progress.touch` writes it alone (answers saved,
a lesson viewed), and the counts of a quiz attempt started or closed (`lms.learning.figures`) write it in the same
UPDATE of the enrolment as their figures, so that a quiz's start and submission update the enrolment's row once.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlalchemy.orm.attributes import set_committed_value

from lms.extensions import db
from lms.learning.models import Enrolment

_TABLE = Enrolment.__table__


def activity_values(now) -> dict:
    """The enrolment's columns noting activity at `now` (a value or a bound parameter): the first activity, if
    none yet, and the last."""
    return {"started_at": func.coalesce(_TABLE.c.started_at, now), "last_activity_at": now}


def note_in_session(enrolment_id: int, now: datetime) -> None:
    """After the UPDATE: an enrolment object already in the session is given the same values, so what it says
    stays true (without loading it when it is not there)."""
    enrolment = db.session.identity_map.get(db.session.identity_key(Enrolment, enrolment_id))
    if enrolment is not None:
        if enrolment.started_at is None:
            set_committed_value(enrolment, "started_at", now)
        set_committed_value(enrolment, "last_activity_at", now)
