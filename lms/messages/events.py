"""The messages of events, written in the unit of work of the event (lms.core.signals): an enrolment's
confirmation (one or a bulk enrolment's thousands, in bulk), a run cancelled or its dates moved, a trainee moved
to another run, a place from a run's waiting list, a session cancelled (with its .ics, cancelled), moved (its .ics
updated) or a place from its waiting list (its .ics), a withdrawn enrolment restored, answers received late after an
outage accepted or not (lms.messages.late_answers). What the receivers write is
committed, or rolled back, with the event. Each reads its recipients in a fixed number of statements, and each
message's key names its event, so a retried job or an event repeated tells nobody twice.
"""
from __future__ import annotations

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.attendance.models import SessionSignUp, TrainingSession
from lms.auth.models import User
from lms.catalog.models import Course
from lms.core import clock, signals, when
from lms.extensions import db
from lms.learning.models import Enrolment
from lms.messages.attachments import SessionFiles
from lms.messages.late_answers import tell_decided
from lms.messages.outgoing import Message, course_path, dispatch, links
from lms.messages.reminders import REACHABLE
from lms.runs.models import CourseRun
from lms.runs.queries import waiting_positions_of

# Enrolments read per statement when a bulk enrolment made many (bound parameters stay well within every limit).
CHUNK = 1000


def confirm_enrolments(enrolment_ids: list[int]) -> int:
    """The confirmations of new enrolments: one message per person, listing their new enrolments of this event
    (a bulk enrolment into ten courses is one mail, not ten), each with its run (or its waiting list) and due date;
    returns how many were written. Two statements per thousand enrolments (the enrolments with their trainees and
    courses, their runs), then lms.mail's bulk write. The caller commits."""
    mine: dict[int, list] = {}
    people: dict[int, User] = {}
    for start in range(0, len(enrolment_ids), CHUNK):
        rows = db.session.execute(
            select(Enrolment, User, Course.slug, Course.title)
            .join(User, User.id == Enrolment.user_id).join(Course, Course.id == Enrolment.course_id)
            .where(Enrolment.id.in_(enrolment_ids[start:start + CHUNK]), *REACHABLE)
            .order_by(Enrolment.id).options(selectinload(Enrolment.run)))
        for enrolment, user, slug, title in rows:
            people[user.id] = user
            mine.setdefault(user.id, []).append({"id": enrolment.id, "slug": slug, "course_title": title,
                                                 "run": enrolment.run, "waiting": enrolment.waiting,
                                                 "due_on": enrolment.due_on})
    with links():
        # The key names the event by its first enrolment (which belongs to no other event) and their number.
        return dispatch("enrolment", "enrolment_confirmed", [
            Message(people[user_id], f"enrolment:{items[0]['id']}:{len(items)}", {"enrolments": items},
                    course_path(items[0]["slug"]) if len(items) == 1 else url_for("learning.my_learning"))
            for user_id, items in mine.items()])


def _run_trainees(run_id: int):
    """(enrolment, user) of everyone in a run (a place or its waiting list), not withdrawn. One statement."""
    return db.session.execute(
        select(Enrolment, User).join(User, User.id == Enrolment.user_id)
        .where(Enrolment.run_id == run_id, Enrolment.is_current.is_(True), Enrolment.status != "withdrawn",
               *REACHABLE).order_by(Enrolment.id)).all()


def tell_run_cancelled(run: CourseRun) -> int:
    """Tell a cancelled run's trainees. The caller commits."""
    with links():
        link = course_path(run.course.slug)
        return dispatch("run", "run_cancelled", [
            Message(user, f"run-cancelled:{run.id}:{enrolment.id}", {"run": run, "course_title": run.course.title},
                    link) for enrolment, user in _run_trainees(run.id)])


def tell_run_moved(run: CourseRun, was: tuple) -> int:
    """Tell a run's trainees its new dates (`was`: the dates it had). The caller commits."""
    stamp = when.iso(run.dates_changed_at, when.zone("UTC"))
    with links():
        link = course_path(run.course.slug)
        return dispatch("run", "run_moved", [
            Message(user, f"run-moved:{run.id}:{enrolment.id}:{stamp}",
                    {"run": run, "course_title": run.course.title, "was_starts_on": was[0], "was_ends_on": was[1]},
                    link) for enrolment, user in _run_trainees(run.id)])


def tell_enrolment_moved(enrolment: Enrolment, old_run_id: int | None, moved_at) -> int:
    """Tell a trainee they were moved into another run (a place, or its waiting list). The caller commits."""
    if not enrolment.user.active or enrolment.user.anonymised_at is not None:
        return 0
    # By their ids: the enrolment's `run` may still be the one it held before the move.
    run = db.session.get(CourseRun, enrolment.run_id)
    old = db.session.get(CourseRun, old_run_id) if old_run_id is not None else None
    with links():
        return dispatch("run", "run_transfer", [Message(
            enrolment.user, f"run-transfer:{enrolment.id}:{run.id}:{when.iso(moved_at, when.zone('UTC'))}",
            {"run": run, "old_run": old, "course_title": enrolment.course.title,
             "waiting": enrolment.waiting, "due_on": enrolment.due_on}, course_path(enrolment.course.slug))])


def tell_session_cancelled(session: TrainingSession) -> int:
    """Tell those signed up for a cancelled session (a place or its waiting list), with its .ics marked cancelled.
    One statement. The caller commits."""
    rows = db.session.execute(
        select(SessionSignUp, User).join(User, User.id == SessionSignUp.user_id)
        .where(SessionSignUp.session_id == session.id, SessionSignUp.cancelled_at.is_(None), *REACHABLE)
        .order_by(SessionSignUp.id)).all()
    files = SessionFiles()
    with links():
        link = course_path(session.course.slug)
        return dispatch("session", "session_cancelled", [
            Message(user, f"session-cancelled:{session.id}:{user.id}",
                    {"session": session, "course_title": session.course.title}, link,
                    (files.of(session, sign_up, user),)) for sign_up, user in rows])


def _stamp(moment) -> str:
    """A moment in a key: the same text whoever reads it (UTC)."""
    return when.iso(moment, when.zone("UTC")) or "-"


def _chunks(ids: list[int]):
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def tell_run_promoted(run: CourseRun, promoted: list[tuple[int, object]]) -> int:
    """Tell trainees promoted from a run's waiting list that they now have a place (the run, its dates, their due
    date). `promoted`: (enrolment id, waiting since); the key names the wait, so one wait is told once. One
    statement per thousand. The caller commits."""
    waited = dict(promoted)
    messages = []
    with links():
        link = course_path(run.course.slug)
        for ids in _chunks(sorted(waited)):
            for enrolment, user in db.session.execute(
                    select(Enrolment, User).join(User, User.id == Enrolment.user_id)
                    .where(Enrolment.id.in_(ids), *REACHABLE).order_by(Enrolment.id)):
                messages.append(Message(user, f"run-promoted:{run.id}:{enrolment.id}:{_stamp(waited[enrolment.id])}",
                                        {"run": run, "course_title": run.course.title, "due_on": enrolment.due_on},
                                        link))
        return dispatch("run", "run_promoted", messages)


def _session_people(session: TrainingSession, *where):
    """(sign-up, user) of a session's live sign-ups (a place or its waiting list), reachable. One statement."""
    return db.session.execute(
        select(SessionSignUp, User).join(User, User.id == SessionSignUp.user_id)
        .where(SessionSignUp.session_id == session.id, SessionSignUp.cancelled_at.is_(None), *REACHABLE, *where)
        .order_by(SessionSignUp.id)).all()


def tell_session_promoted(session: TrainingSession, promoted: list[tuple[int, object]]) -> int:
    """Tell people promoted from a session's waiting list that they now have a place, with its .ics (confirmed).
    `promoted`: (sign-up id, waiting since); the key names the wait. One statement (none for a session that has
    ended: staff closing its register tell nobody of a place in the past). The caller commits."""
    if session.ends_at <= clock.now():
        return 0
    waited = dict(promoted)
    files = SessionFiles()
    with links():
        link = course_path(session.course.slug)
        return dispatch("session", "session_promoted", [
            Message(user, f"session-promoted:{session.id}:{sign_up.id}:{_stamp(waited[sign_up.id])}",
                    {"session": session, "course_title": session.course.title}, link,
                    (files.of(session, sign_up, user),))
            for sign_up, user in _session_people(session, SessionSignUp.id.in_(list(waited)))])


def tell_session_rescheduled(session: TrainingSession, was: tuple) -> int:
    """Tell those signed up for a session (a place or its waiting list) its new time, with its .ics (the same UID, a
    higher SEQUENCE: calendar apps move the event they have). `was`: the (starts_at, ends_at) it had. The key names
    the change (`rescheduled_at`). One statement (none when its new time has passed: staff correcting the record of
    a session held tell nobody). The caller commits."""
    if session.ends_at <= clock.now():
        return 0
    files = SessionFiles()
    stamp = _stamp(session.rescheduled_at)
    with links():
        link = course_path(session.course.slug)
        return dispatch("session", "session_rescheduled", [
            Message(user, f"session-moved:{session.id}:{user.id}:{stamp}",
                    {"session": session, "course_title": session.course.title, "was_starts_at": was[0],
                     "was_ends_at": was[1], "waiting": sign_up.waiting_since is not None}, link,
                    (files.of(session, sign_up, user),)) for sign_up, user in _session_people(session)])


def tell_restored(restored: list[tuple[int, object]]) -> int:
    """Tell trainees whose withdrawn enrolments were restored that they are back on the course: their run (a place,
    or their position on its waiting list) and due date. `restored`: (enrolment id, withdrawn at); the key names
    the withdrawal, so one restoration is told once. Three statements per thousand (the enrolments with their
    trainees and courses, their runs, the waiting positions). The caller commits."""
    withdrawn = dict(restored)
    messages = []
    with links():
        for ids in _chunks(sorted(withdrawn)):
            rows = db.session.execute(
                select(Enrolment, User, Course.slug, Course.title)
                .join(User, User.id == Enrolment.user_id).join(Course, Course.id == Enrolment.course_id)
                .where(Enrolment.id.in_(ids), Enrolment.status != "withdrawn", *REACHABLE)
                .order_by(Enrolment.id).options(selectinload(Enrolment.run))).all()
            positions = waiting_positions_of([enrolment.id for enrolment, *_rest in rows if enrolment.waiting])
            for enrolment, user, slug, title in rows:
                messages.append(Message(
                    user, f"restored:{enrolment.id}:{_stamp(withdrawn[enrolment.id])}",
                    {"course_title": title, "run": enrolment.run, "position": positions.get(enrolment.id),
                     "completed": enrolment.status == "completed", "due_on": enrolment.due_on}, course_path(slug)))
        return dispatch("enrolment", "enrolment_restored", messages)


# Receivers (lms.core.signals) ------------------------------------------------------------------------------
def _on_enrolled(_sender, *, enrolment_ids: list[int]) -> None:
    confirm_enrolments(enrolment_ids)


def _on_run_cancelled(_sender, *, run: CourseRun, actor) -> None:
    tell_run_cancelled(run)


def _on_run_dates_changed(_sender, *, run: CourseRun, was: tuple, actor) -> None:
    tell_run_moved(run, was)


def _on_enrolment_moved(_sender, *, enrolment: Enrolment, old_run_id: int | None, actor) -> None:
    tell_enrolment_moved(enrolment, old_run_id, clock.now())


def _on_session_cancelled(_sender, *, session: TrainingSession, actor) -> None:
    tell_session_cancelled(session)


def _on_run_promoted(_sender, *, run: CourseRun, promoted: list, actor) -> None:
    tell_run_promoted(run, promoted)


def _on_session_promoted(_sender, *, session: TrainingSession, promoted: list, actor) -> None:
    tell_session_promoted(session, promoted)


def _on_session_rescheduled(_sender, *, session: TrainingSession, was: tuple, actor) -> None:
    tell_session_rescheduled(session, was)


def _on_enrolments_restored(_sender, *, restored: list) -> None:
    tell_restored(restored)


def _on_late_answers_decided(_sender, *, item, attempt) -> None:
    tell_decided(item, attempt)


def connect_signals() -> None:
    """Send the messages of enrolments, runs and sessions when their services say what happened (called once by
    the application; connecting again changes nothing)."""
    signals.enrolled.connect(_on_enrolled)
    signals.run_cancelled.connect(_on_run_cancelled)
    signals.run_dates_changed.connect(_on_run_dates_changed)
    signals.enrolment_moved.connect(_on_enrolment_moved)
    signals.session_cancelled.connect(_on_session_cancelled)
    signals.run_promoted.connect(_on_run_promoted)
    signals.session_promoted.connect(_on_session_promoted)
    signals.session_rescheduled.connect(_on_session_rescheduled)
    signals.enrolments_restored.connect(_on_enrolments_restored)
    signals.late_answers_decided.connect(_on_late_answers_decided)
