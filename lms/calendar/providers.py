"""The sources of calendar events, one `Provider` per kind: due dates, course runs, training sessions. To add a kind, write its
two reads here, following `_due_between` / `_due_one`, and add its `Provider` to `PROVIDERS`: the month page,
the agenda, the feed and the download of one event (/calendar/event/<kind>/<id>.ics) all follow.

Each read takes the person and answers only their own events, in a fixed number of statements.
"""
from __future__ import annotations

from datetime import date, timedelta, tzinfo

from flask_babel import gettext as _
from sqlalchemy import select

from lms.calendar.events import Event, Provider, revision
from lms.catalog.models import Course
from lms.core.urls import external_url
from lms.core.when import person_zone, start_of_day
from lms.extensions import db
from lms.learning.models import Enrolment
from lms.runs.models import CourseRun
from lms.sessions.queries import PersonSession, session_by_id, sessions_of_person

# A due date is shown while the course is to be done: a current enrolment, neither completed nor withdrawn.
_DUE_OPEN = (Enrolment.is_current.is_(True), Enrolment.status == "active", Enrolment.due_on.is_not(None))
# A run is on the calendar of each person enrolled in it (or waiting for a place), not withdrawn.
_IN_RUN = (Enrolment.is_current.is_(True), Enrolment.status != "withdrawn")


def _due_event(user, enrolment: Enrolment, slug: str, title: str) -> Event:
    """The due date of an enrolment: an all-day event on the date, which ends in the trainee's zone."""
    return Event(kind="due", source_id=enrolment.id, title=_("Due: %(course)s", course=title),
                 first_day=enrolment.due_on, last_day=enrolment.due_on,
                 url=external_url("learning.course", slug=slug),
                 description=_("Finish the course by the end of this day (%(zone)s).", zone=person_zone(user).key))


def _due_statement(user):
    return (select(Enrolment, Course.slug, Course.title).join(Course, Course.id == Enrolment.course_id)
            .where(Enrolment.user_id == user.id, *_DUE_OPEN))


def _due_between(user, first: date, last: date, where: tzinfo) -> list[Event]:
    rows = db.session.execute(_due_statement(user).where(Enrolment.due_on >= first, Enrolment.due_on <= last))
    return [_due_event(user, enrolment, slug, title) for enrolment, slug, title in rows]


def _due_one(user, enrolment_id: int) -> Event | None:
    row = db.session.execute(_due_statement(user).where(Enrolment.id == enrolment_id)).first()
    return _due_event(user, *row) if row else None


def _run_event(run: CourseRun, waiting: bool, slug: str, title: str) -> Event:
    """A course run the person is in: an all-day event over its days."""
    notes = [_("Course run %(run)s (%(code)s).", run=run.title, code=run.code)]
    if run.cancelled:
        notes.append(_("This run is cancelled."))
    elif waiting:
        notes.append(_("You are on the waiting list of this run."))
    return Event(kind="run", source_id=run.id, title=_("%(course)s: %(run)s", course=title, run=run.title),
                 first_day=run.starts_on, last_day=run.ends_on, url=external_url("learning.course", slug=slug),
                 description=" ".join(notes), cancelled=run.cancelled, tentative=waiting and not run.cancelled)


def _run_statement(user):
    return (select(CourseRun, Enrolment.waiting_since.is_not(None), Course.slug, Course.title)
            .join(Enrolment, Enrolment.run_id == CourseRun.id).join(Course, Course.id == CourseRun.course_id)
            .where(Enrolment.user_id == user.id, *_IN_RUN))


def _run_between(user, first: date, last: date, where: tzinfo) -> list[Event]:
    rows = db.session.execute(_run_statement(user).where(CourseRun.starts_on <= last, CourseRun.ends_on >= first))
    return [_run_event(*row) for row in rows]


def _run_one(user, run_id: int) -> Event | None:
    row = db.session.execute(_run_statement(user).where(CourseRun.id == run_id)).first()
    return _run_event(*row) if row else None


def session_event(found: PersonSession) -> Event:
    """A training session of the person (signed up, waiting, or training it): a timed event in the zone of its
    place, with where it is (the room, or the online link) and what it is."""
    session = found.session
    kinds = {"in_person": _("In person"), "online": _("Online"), "practical": _("Practical")}
    notes = [kinds.get(session.kind, session.kind) + "."]
    if session.cancelled_at is not None:
        notes.append(_("This session is cancelled."))
    elif found.trainer:
        notes.append(_("You are a trainer of this session."))
    elif found.sign_up is not None and found.sign_up.waiting_since is not None:
        notes.append(_("You are on the waiting list of this session."))
    if session.online_url:
        notes.append(session.online_url)
    if session.description:
        notes.append(session.description)
    waiting = found.sign_up is not None and found.sign_up.waiting_since is not None and not found.trainer
    return Event(kind="session", source_id=session.id, title=_("%(course)s: %(session)s", course=session.course.title,
                                                                 session=session.title),
                 starts_at=session.starts_at, ends_at=session.ends_at, zone=session.zone,
                 location=session.location or session.online_url or "",
                 url=external_url("learning.course", slug=session.course.slug), description="\n\n".join(notes),
                 cancelled=session.cancelled_at is not None, tentative=waiting and session.cancelled_at is None,
                 sequence=revision(session.rescheduled_at, session.cancelled_at))


def _session_between(user, first: date, last: date, where: tzinfo) -> list[Event]:
    start, end = start_of_day(first, where), start_of_day(last + timedelta(days=1), where)
    return [session_event(found) for found in sessions_of_person(user.id, start, end)]


def _session_one(user, session_id: int) -> Event | None:
    session = session_by_id(session_id)
    if session is None:
        return None
    found = [f for f in sessions_of_person(user.id, session.starts_at, session.ends_at) if f.session.id == session_id]
    return session_event(found[0]) if found else None


DUE = Provider("due", _due_between, _due_one)
RUN = Provider("run", _run_between, _run_one)
SESSION = Provider("session", _session_between, _session_one)

# Every kind of event, in the order a day lists them when all else is equal.
PROVIDERS: tuple[Provider, ...] = (DUE, RUN, SESSION)
