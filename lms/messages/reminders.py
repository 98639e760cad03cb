"""The reminders: who is told what on a date, found in SQL, a fixed number of statements per scan whatever the
number of people (never a query per enrolment), then sent through lms.mail in bulk (`outgoing.dispatch`).

A date is the recipient's: "due in 7 days" means the due date is 7 days after today in the trainee's zone, "a
session tomorrow" that it starts on tomorrow's date there. Each scan reads the rows that can qualify in some zone
(UTC's date ± a day) and keeps those that qualify in their person's. Every message has an idempotency key naming
what it is about (the enrolment and its due date, the session and its start, the certificate and the stage):
the scans run every hour (lms.messages.jobs) and from `lms messages send-reminders`, and a message already sent
is never sent again, while a date that moves makes a new reminder.
"""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.attendance.models import SessionSignUp, TrainingSession
from lms.auth.models import User
from lms.catalog.models import Course
from lms.core import clock, when
from lms.extensions import db
from lms.learning.models import Certificate, Enrolment
from lms.mail.queries import used_keys
from lms.messages.attachments import SessionFiles
from lms.messages.outgoing import Message, course_path, dispatch, links
from lms.reports.filters import ExpiringFilters
from lms.reports.queries import expiring_query
from lms.runs.models import CourseRun

log = logging.getLogger("lms.messages")

DUE_DAYS = (7, 1)  # a due date this many days ahead
EXPIRY_DAYS = (60, 14)  # a certificate expiring this many days ahead (and a message when it has expired)
EXPIRED_WITHIN = timedelta(days=2)  # "it has expired" is sent in the first days after, not for older ones
DIGEST_WEEKDAY, DIGEST_HOUR = 0, 7  # the coordinators' digest: Mondays from 07:00 in their zone
DIGEST_ROWS = 50  # rows listed in one digest (it says how many more, and links to the full list)
# Whom the platform writes to: active accounts that were not anonymised (lms.mail checks again).
REACHABLE = (User.active.is_(True), User.anonymised_at.is_(None))


def days_ahead(day: date, user: User, now: datetime) -> int:
    """Calendar days from today in the person's zone to `day`."""
    return (day - when.local(now, when.person_zone(user)).date()).days


def _dates_around(now: datetime, ahead: tuple[int, ...]) -> list[date]:
    """The dates that are `ahead` days after today in some zone (UTC's today ± one day)."""
    today = now.date()
    return sorted({today + timedelta(days=n + shift) for n in ahead for shift in (-1, 0, 1)})


def due_messages(now: datetime) -> list[Message]:
    """Open enrolments (current, active, holding their place) due in 7 or 1 days in the trainee's zone. One
    statement."""
    rows = db.session.execute(
        select(Enrolment.id, Enrolment.due_on, User, Course.slug, Course.title)
        .join(User, User.id == Enrolment.user_id).join(Course, Course.id == Enrolment.course_id)
        .where(*REACHABLE, Enrolment.is_current.is_(True), Enrolment.status == "active",
               Enrolment.waiting_since.is_(None), Enrolment.due_on.in_(_dates_around(now, DUE_DAYS)))
        .order_by(Enrolment.id))
    messages = []
    for enrolment_id, due_on, user, slug, title in rows:
        days = days_ahead(due_on, user, now)
        if days in DUE_DAYS:
            messages.append(Message(user, f"due{days}:{enrolment_id}:{when.iso(due_on)}",
                                    {"course_title": title, "due_on": due_on, "days": days}, course_path(slug)))
    return messages


def session_messages(now: datetime) -> list[Message]:
    """Sign-ups holding a place in a session (not cancelled, nor its run) that starts tomorrow in the person's
    zone, each with the session's .ics. Two statements (the sessions' courses in the second)."""
    rows = db.session.execute(
        select(TrainingSession, SessionSignUp, User)
        .join(SessionSignUp, SessionSignUp.session_id == TrainingSession.id)
        .join(User, User.id == SessionSignUp.user_id)
        .outerjoin(CourseRun, CourseRun.id == TrainingSession.run_id)
        .where(*REACHABLE, TrainingSession.cancelled_at.is_(None), CourseRun.cancelled_at.is_(None),
               TrainingSession.starts_at > now, TrainingSession.starts_at <= now + timedelta(days=2),
               SessionSignUp.cancelled_at.is_(None), SessionSignUp.waiting_since.is_(None))
        .order_by(TrainingSession.starts_at, SessionSignUp.id)
        .options(selectinload(TrainingSession.course)))
    files, messages = SessionFiles(), []
    for session, sign_up, user in rows:
        day = when.local(session.starts_at, when.person_zone(user)).date()
        if days_ahead(day, user, now) == 1:
            messages.append(Message(user, f"session1:{session.id}:{user.id}:{int(session.starts_at.timestamp())}",
                                    {"session": session, "course_title": session.course.title},
                                    course_path(session.course.slug), (files.of(session, sign_up, user),)))
    return messages


def run_messages(now: datetime) -> list[Message]:
    """Trainees holding a place in a run (not cancelled) that starts tomorrow in their zone. One statement."""
    rows = db.session.execute(
        select(Enrolment.id, CourseRun, User, Course.slug, Course.title)
        .join(CourseRun, CourseRun.id == Enrolment.run_id).join(User, User.id == Enrolment.user_id)
        .join(Course, Course.id == CourseRun.course_id)
        .where(*REACHABLE, CourseRun.cancelled_at.is_(None), CourseRun.starts_on.in_(_dates_around(now, (1,))),
               Enrolment.is_current.is_(True), Enrolment.status == "active", Enrolment.waiting_since.is_(None))
        .order_by(Enrolment.id))
    return [Message(user, f"run1:{run.id}:{enrolment_id}:{when.iso(run.starts_on)}",
                    {"run": run, "course_title": title}, course_path(slug))
            for enrolment_id, run, user, slug, title in rows if days_ahead(run.starts_on, user, now) == 1]


def expiry_messages(now: datetime) -> list[Message]:
    """Trainees whose certification in a course (their best certificate: the reports' one definition,
    `expiring_query`) expires in 60 or 14 days in their zone, or has just expired. One statement."""
    query = (expiring_query(User.id.is_not(None), ExpiringFilters(within=max(EXPIRY_DAYS) + 1, expired="show"), now)
             .add_columns(Certificate.id.label("certificate_id"), User)
             .where(Certificate.expires_at > now - EXPIRED_WITHIN))
    messages = []
    for row in db.session.execute(query):
        user = row.User
        if row.expires_at <= now:
            stage = 0
        else:
            stage = days_ahead(when.local(row.expires_at, when.person_zone(user)).date(), user, now)
            if stage not in EXPIRY_DAYS:
                continue
        messages.append(Message(user, f"expiry{stage}:{row.certificate_id}",
                                {"course_title": row.course_title, "expires_at": row.expires_at, "days": stage},
                                course_path(row.course_slug)))
    return messages


def _digest_key(coordinator: User, now: datetime) -> str | None:
    """The key of this week's digest for the coordinator, or None when it is not (yet) their digest day."""
    local = when.local(now, when.person_zone(coordinator))
    if local.weekday() != DIGEST_WEEKDAY or local.hour < DIGEST_HOUR:
        return None
    year, week, _day = local.isocalendar()
    return f"digest:{coordinator.id}:{year}-W{week:02d}"


def digest_messages(now: datetime) -> list[Message]:
    """Each coordinator's weekly digest of their institution's certificates expiring within its notice period
    (the expiring certificates page's rows), on their digest day; none when nothing expires. Three statements at
    most: the coordinators, the digests already sent this week, then the rows of the institutions still due."""
    coordinators = db.session.scalars(select(User).where(*REACHABLE, User.role == "coordinator",
                                                         User.institution_id.is_not(None)).order_by(User.id)).all()
    keys = {key: c for c in coordinators if (key := _digest_key(c, now)) is not None}
    if not keys:
        return []
    sent = used_keys(list(keys))
    due = {key: c for key, c in keys.items() if key not in sent}
    if not due:
        return []
    rows_of: dict[int, list] = {}
    for row in db.session.execute(expiring_query(User.institution_id.in_({c.institution_id for c in due.values()}),
                                                 ExpiringFilters(), now).add_columns(User.institution_id)):
        rows_of.setdefault(row.institution_id, []).append(row)
    link = url_for("reports.expiring")
    return [Message(c, key, {"rows": rows_of[c.institution_id][:DIGEST_ROWS], "total": len(rows_of[c.institution_id]),
                             "institution": c.institution}, link)
            for key, c in due.items() if rows_of.get(c.institution_id)]


# (name, kind, template, scan): each scan's messages go out as one kind, through one pair of templates.
SCANS = (
    ("due", "due", "reminder_due", due_messages),
    ("session", "session", "reminder_session", session_messages),
    ("run", "run", "reminder_run", run_messages),
    ("expiry", "expiry", "reminder_expiry", expiry_messages),
    ("coordinator_digest", "coordinator_digest", "coordinator_digest", digest_messages),
)


def send_reminders(now: datetime | None = None) -> dict[str, int]:
    """Run every scan once at `now` (default: the clock's) and send what is due; returns how many new messages
    each scan wrote (those sent before are not sent again). One unit of work: it commits."""
    now = now or clock.now()
    counts = {}
    with links():
        for name, kind, template, scan in SCANS:
            counts[name] = dispatch(kind, template, scan(now))
    db.session.commit()
    log.info("reminders: %s", ", ".join(f"{n} {name}" for name, n in counts.items()))
    return counts
