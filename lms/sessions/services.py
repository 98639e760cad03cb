"""The writes of training sessions: create, change and cancel a session; the trainers of a run.

Sign-ups and attendance marks are written by `lms.sessions.signups`. Every write is audited with who did it;
a change with what it was. Times come in as the wall-clock time of the place and its IANA zone, and are stored
in UTC (a time that does not exist there, in the hour skipped by summer time, is refused).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from sqlalchemy import delete, func, insert, select

from lms.attendance.models import SESSION_KINDS, TrainingSession
from lms.audit import services as audit
from lms.auth.models import User
from lms.catalog.models import Course, CourseStaff
from lms.core import clock, signals, when
from lms.extensions import db
from lms.runs import queries as run_queries
from lms.runs.models import CourseRun, run_trainers
from lms.sessions import places, queries

log = logging.getLogger("lms.sessions")

TITLE_MAX, LOCATION_MAX, URL_MAX, DESCRIPTION_MAX = 200, 300, 500, 20_000
CUTOFF_MAX = 24 * 60  # hours: two months


class SessionError(ValueError):
    """A refused write; `code` (the message) says why (the views word it for people)."""

    @property
    def code(self) -> str:
        return self.args[0]


@dataclass
class SessionFields:
    """What staff type for a session: the times as the wall clock of the place reads them, and its zone."""

    kind: str
    title: str
    starts_local: datetime  # naive: the time at the place
    ends_local: datetime
    zone: str
    location: str = ""
    online_url: str | None = None
    capacity: int | None = None
    description: str = ""
    required: bool = False
    cutoff_hours: int | None = None
    trainer_ids: tuple[int, ...] = field(default_factory=tuple)


def to_utc(moment: datetime, zone_name: str) -> datetime:
    """A wall-clock time at the place as an instant in UTC; SessionError("unknown_zone" | "no_such_time") for a
    zone this machine does not know or a time the place skips (summer time)."""
    where = when.zone(zone_name)
    if where is None or zone_name not in when.all_zones():
        raise SessionError("unknown_zone")
    instant = moment.replace(tzinfo=where).astimezone(UTC)
    if instant.astimezone(where).replace(tzinfo=None) != moment:
        raise SessionError("no_such_time")
    return instant


def safe_url(url: str | None) -> str | None:
    """An online link with its spaces trimmed, or None; SessionError("bad_url") unless it is http(s) with a host."""
    url = (url or "").strip()
    if not url:
        return None
    if len(url) > URL_MAX:
        raise SessionError("bad_url")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url):
        raise SessionError("bad_url")
    return url


def check_fields(fields: SessionFields) -> tuple[datetime, datetime, str | None]:
    """Refuse fields that make no session; returns (starts_at, ends_at) in UTC and the clean link.
    SessionError("title_required" | "title_too_long" | "kind_unknown" | "unknown_zone" | "no_such_time" |
    "ends_before_start" | "bad_url" | "capacity_not_positive" | "cutoff_out_of_range" | "too_long")."""
    if not fields.title.strip():
        raise SessionError("title_required")
    if len(fields.title.strip()) > TITLE_MAX:
        raise SessionError("title_too_long")
    if fields.kind not in SESSION_KINDS:
        raise SessionError("kind_unknown")
    starts_at, ends_at = to_utc(fields.starts_local, fields.zone), to_utc(fields.ends_local, fields.zone)
    if ends_at <= starts_at:
        raise SessionError("ends_before_start")
    url = safe_url(fields.online_url)
    if fields.capacity is not None and fields.capacity < 1:
        raise SessionError("capacity_not_positive")
    if fields.cutoff_hours is not None and not 0 <= fields.cutoff_hours <= CUTOFF_MAX:
        raise SessionError("cutoff_out_of_range")
    if len(fields.location) > LOCATION_MAX or len(fields.description) > DESCRIPTION_MAX:
        raise SessionError("too_long")
    return starts_at, ends_at, url


def _apply(session: TrainingSession, fields: SessionFields, starts_at: datetime, ends_at: datetime,
           url: str | None) -> None:
    session.kind, session.title = fields.kind, fields.title.strip()
    session.starts_at, session.ends_at, session.zone = starts_at, ends_at, fields.zone
    session.location, session.online_url = fields.location.strip(), url
    session.capacity, session.description = fields.capacity, fields.description
    session.required, session.cutoff_hours = fields.required, fields.cutoff_hours
    session.trainers = list(db.session.scalars(select(User).where(User.id.in_(fields.trainer_ids),
                                                                  User.role == "instructor")))


def _described(session: TrainingSession) -> dict:
    """What the audit log keeps of a session."""
    return {"title": session.title, "kind": session.kind, "starts_at": when.iso(session.starts_at),
            "ends_at": when.iso(session.ends_at), "zone": session.zone, "capacity": session.capacity,
            "required": session.required, "cutoff_hours": session.cutoff_hours}


def create_session(course: Course, run: CourseRun | None, fields: SessionFields, actor) -> TrainingSession:
    """Add a session to a run (or to a course without runs: `run` None); audited as "session.created".
    SessionError (see `check_fields`, and "run_cancelled", "run_required", "other_course")."""
    starts_at, ends_at, url = check_fields(fields)
    if run is None and run_queries.course_has_runs(course.id):
        raise SessionError("run_required")
    if run is not None and run.course_id != course.id:
        raise SessionError("other_course")
    if run is not None and run.cancelled_at is not None:
        raise SessionError("run_cancelled")
    session = TrainingSession(course_id=course.id, run_id=run.id if run else None)
    _apply(session, fields, starts_at, ends_at, url)
    db.session.add(session)
    db.session.flush()
    audit.record("session.created", actor=actor, target=session, course=course.slug,
                 run=run.code if run else None, **_described(session))
    db.session.commit()
    return session


def update_session(session: TrainingSession, fields: SessionFields, actor) -> None:
    """Change a session; audited as "session.updated" with what it was. New times are noted for its trainees
    (`rescheduled_at`) and told to them (signal `session_rescheduled`); a capacity below the places taken is
    refused ("capacity_below_signed_up"); a larger one promotes from the waiting list at once. A cancelled session
    cannot change ("cancelled")."""
    starts_at, ends_at, url = check_fields(fields)
    session = places.lock(session.id)
    if session.cancelled_at is not None:
        raise SessionError("cancelled")
    if fields.capacity is not None and fields.capacity < queries.places_taken(session.id):
        raise SessionError("capacity_below_signed_up")
    before = _described(session)
    was = (session.starts_at, session.ends_at)
    moved = (starts_at, ends_at) != was
    if moved:
        session.rescheduled_at = clock.now()
    _apply(session, fields, starts_at, ends_at, url)
    db.session.flush()
    audit.record("session.updated", actor=actor, target=session, course=session.course.slug, was=before,
                 **_described(session))
    places.promote(session, actor)
    if moved:  # after the promotions: those promoted by a larger capacity read that they have a place
        signals.session_rescheduled.send("sessions", session=session, was=was, actor=actor)
    db.session.commit()


def cancel_session(session: TrainingSession, actor) -> None:
    """Cancel a session: it takes no more sign-ups and counts in no figure; its sign-ups stay, and its trainees
    read that it is cancelled. Audited as "session.cancelled". SessionError("already_cancelled")."""
    session = places.lock(session.id)
    if session.cancelled_at is not None:
        raise SessionError("already_cancelled")
    session.cancelled_at = clock.now()
    audit.record("session.cancelled", actor=actor, target=session, course=session.course.slug, title=session.title,
                 starts_at=when.iso(session.starts_at))
    db.session.flush()
    signals.session_cancelled.send("sessions", session=session, actor=actor)
    db.session.commit()


# Trainers of a run ---------------------------------------------------------------------------------------
def add_trainer(run: CourseRun, user: User, actor) -> None:
    """Make an instructor a trainer of the run: they see its trainees and mark its sessions' attendance, and join
    the course's staff as "trainer" unless they are on it already. Audited as "run.trainer_added".
    SessionError("not_instructor")."""
    if user.role != "instructor" or not user.active:
        raise SessionError("not_instructor")
    if queries.is_run_trainer(user.id, run.id):
        return
    if db.session.scalar(select(func.count()).select_from(run_trainers).where(
            run_trainers.c.run_id == run.id, run_trainers.c.user_id == user.id)) == 0:
        db.session.execute(insert(run_trainers).values(run_id=run.id, user_id=user.id))
    if db.session.get(CourseStaff, (run.course_id, user.id)) is None:
        db.session.add(CourseStaff(course_id=run.course_id, user_id=user.id, role="trainer"))
    audit.record("run.trainer_added", actor=actor, target=run, course=run.course.slug, run=run.code, user_id=user.id)
    db.session.commit()


def remove_trainer(run: CourseRun, user_id: int, actor) -> None:
    """Take a trainer off a run; one who trains no other run of the course leaves its staff (if they were on it
    only as a trainer). Audited as "run.trainer_removed"."""
    removed = db.session.execute(delete(run_trainers).where(run_trainers.c.run_id == run.id,
                                                            run_trainers.c.user_id == user_id)).rowcount
    if not removed:
        return
    other_runs = db.session.scalar(select(func.count()).select_from(run_trainers).join(
        CourseRun, CourseRun.id == run_trainers.c.run_id).where(run_trainers.c.user_id == user_id,
                                                               CourseRun.course_id == run.course_id))
    member = db.session.get(CourseStaff, (run.course_id, user_id))
    if not other_runs and member is not None and member.role == "trainer":
        db.session.delete(member)
    audit.record("run.trainer_removed", actor=actor, target=run, course=run.course.slug, run=run.code, user_id=user_id)
    db.session.commit()
