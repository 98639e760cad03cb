"""Writes of a trainee's learning: completing enrolments and issuing certificates."""
from __future__ import annotations

import calendar
import logging
import secrets
from datetime import date, datetime, timedelta
from functools import cache

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from lms.attendance import figures as attendance
from lms.audit import services as audit
from lms.auth.models import User
from lms.catalog.models import Course
from lms.core import clock, signals, when
from lms.core.security import check_password, hash_password
from lms.extensions import db
from lms.learning import completion, figures
from lms.learning.models import Certificate, Enrolment, Feedback, LessonProgress

# A lesson opened again within this time of its last recorded view writes nothing (see record_lesson_view).
VIEW_RECORD_INTERVAL = timedelta(minutes=5)
LOOK_UP = object()  # record_lesson_view: "read the progress row yourself"

log = logging.getLogger("lms.learning")


def add_months(moment: datetime, months: int) -> datetime:
    """`moment` plus whole calendar months (the 31st becomes the month's last day when needed)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def new_certificate_code() -> str:
    """An unguessable verification code: 128 random bits, URL-safe."""
    return secrets.token_urlsafe(16)


def complete_enrolment(enrolment: Enrolment, course: Course, when: datetime | None = None) -> Certificate:
    """Mark an enrolment completed (once) and issue its certificate. The caller commits."""
    when = when or clock.now()
    enrolment.status, enrolment.completed_at = "completed", when
    certificate = issue_certificate(enrolment, course, when, when)
    audit.record("enrolment.completed", target=enrolment, institution_id=enrolment.user.institution_id,
                 course=course.slug)
    return certificate


def issue_certificate(enrolment: Enrolment, course: Course, issued_at: datetime, valid_from: datetime) -> Certificate:
    """The certificate of a completed enrolment, added to the session: issued at `issued_at`, valid for the
    course's validity from `valid_from` (the completion). The one writer of certificates. The caller commits."""
    user = enrolment.user
    months = course.certificate_validity_months
    certificate = Certificate(
        code=new_certificate_code(), enrolment_id=enrolment.id, user_id=user.id, course_id=course.id,
        holder_name=user.name, course_title=course.title,
        institution_name=user.institution.name if user.institution else None, issued_at=issued_at,
        expires_at=add_months(valid_from, months) if months else None,
        attended_hours=(attendance.hours_attended(user.id, course.id, enrolment.run_id)
                        if course.certificate_states_hours else None),
    )
    db.session.add(certificate)
    return certificate


def reevaluate_course(course: Course) -> int:
    """Complete every active enrolment of `course` that now meets the rule; returns how many. The caller commits."""
    ids = completion.enrolments_meeting_rule(course, completion.active_enrolment_ids(course.id))
    if not ids:
        return 0
    enrolments = db.session.scalars(
        select(Enrolment).where(Enrolment.id.in_(ids)).options(selectinload(Enrolment.user))).all()
    for enrolment in enrolments:
        complete_enrolment(enrolment, course)
    log.info("course %s: %d enrolments completed on re-evaluation", course.slug, len(enrolments))
    return len(enrolments)


class EnrolmentError(ValueError):
    """A refused enrolment; `code` says why (see the views for the messages)."""


def current_enrolment(user_id: int, course_id: int) -> Enrolment | None:
    """The user's current enrolment cycle in a course, if any."""
    return db.session.scalar(select(Enrolment).where(
        Enrolment.user_id == user_id, Enrolment.course_id == course_id, Enrolment.is_current.is_(True)))


def enrol(trainee, course: Course, *, actor=None, source: str = "self", due_on: date | None = None,
          key: str | None = None, placement: dict | None = None) -> tuple[Enrolment, bool]:
    """Enrol `trainee` in `course`; returns (enrolment, created). Enrolling twice is harmless.

    A trainee whose completed enrolment's certificate has expired starts a new cycle; the earlier
    enrolment is kept as history. Self-enrolment needs a published course that allows it and, when
    the course has one, its enrolment key.
    """
    enrolment, created, changed = prepare_enrolment(trainee, course, actor=actor, source=source, due_on=due_on,
                                                    key=key, placement=placement)
    if created or changed:
        db.session.commit()
    return enrolment, created


def prepare_enrolment(trainee, course: Course, *, actor=None, source: str = "self", due_on: date | None = None,
                      key: str | None = None, placement: dict | None = None) -> tuple[Enrolment, bool, bool]:
    """The work of `enrol` without the commit; returns (enrolment, created, due date changed). The caller
    commits. `due_on` is the due date as typed: a calendar date, which ends in the trainee's zone.

    `placement` (`placement_columns`) puts a new or restored enrolment into a course run, holding a place or
    on its waiting list; whether the run has room was decided by the caller (lms.runs.services, under the
    run's lock). Without it the enrolment is in no run, as for a course without runs."""
    if course.status != "published":
        raise EnrolmentError("not_published")
    if due_is_past(due_on, when.person_zone(trainee)):
        raise EnrolmentError("due_past")
    existing = current_enrolment(trainee.id, course.id)
    now = clock.now()
    expired = existing is not None and existing.status == "completed" and _certificate_expired(existing, now)
    action = enrolment_action(existing, expired, due_on, source)
    if action == "restore":
        if source == "self":
            _check_self_enrolment(course, key)
        moved = due_columns(due_on, when.person_zone(trainee)) if due_on is not None and source != "self" else None
        restore_withdrawn(existing, actor or trainee, due=moved, placement=placement)
        return existing, False, True
    if action == "due":
        set_due(existing, due_on, when.person_zone(trainee))
        audit.record_many([due_changed(existing.id, trainee.institution_id, due_on, actor)], "due date")
        return existing, False, True
    if action == "already":
        return existing, False, False
    if source == "self":
        _check_self_enrolment(course, key)
    cycle = 1
    if existing is not None:
        existing.is_current = False
        cycle = existing.cycle + 1
        db.session.flush()
    [row] = insert_enrolments([new_enrolment(trainee.id, course.id, cycle=cycle, source=source,
                                             due=due_columns(due_on, when.person_zone(trainee)), actor=actor, now=now,
                                             placement=placement)])
    audit.record_many([enrolment_created(row.id, trainee.institution_id, course.slug, source, cycle, actor or trainee)],
                      "enrolment")
    signals.enrolled.send("learning", enrolment_ids=[row.id])  # its confirmation, in this unit of work
    return db.session.get(Enrolment, row.id), True, False


def _check_self_enrolment(course: Course, key: str | None) -> None:
    """Refuse a self-enrolment the course does not allow, or one without its key."""
    if not course.self_enrolment:
        raise EnrolmentError("no_self_enrolment")
    if course.enrolment_key_hash and not check_password(course.enrolment_key_hash, key or ""):
        raise EnrolmentError("wrong_key")


def enrolment_action(existing: Enrolment | None, expired: bool, due_on: date | None, source: str) -> str:
    """What enrolling an account in a course does, given its current enrolment there (or None), whether
    that enrolment's certificate has expired, and the due date asked for: "enrol" (a first cycle, or a
    new one after an expired certificate), "restore" (the current cycle was withdrawn: it is restored,
    no new cycle), "due" (staff move the due date) or "already" (nothing)."""
    if existing is not None and existing.status == "withdrawn":
        return "restore"
    if existing is None or (existing.status == "completed" and expired):
        return "enrol"
    if due_on is not None and source != "self" and existing.due_on != due_on:
        return "due"
    return "already"


def due_is_past(due_on: date | None, zone) -> bool:
    """Whether a due date is already over: before today in `zone`, the trainee's. Such a date is refused
    wherever one is set (a person's page, a bulk file)."""
    return due_on is not None and due_on < when.today(zone)


def due_columns(due_on: date | None, zone) -> dict:
    """The due date's two columns, the one rule that writes them: `due_on`, the date as typed, and `due_at`,
    the instant it ends (midnight at the end of that date in `zone`, the trainee's: `when.person_zone`)."""
    return {"due_on": due_on, "due_at": when.end_of_day(due_on, zone)}


def set_due(enrolment: Enrolment, due_on: date | None, zone) -> None:
    """Give an enrolment a due date (`due_columns`). The caller audits and commits."""
    for column, value in due_columns(due_on, zone).items():
        setattr(enrolment, column, value)


def placement_columns(run_id: int | None, waiting_since: datetime | None = None) -> dict:
    """The columns that place an enrolment in a course run: the run, and since when it waits for a place
    (None: it holds one). The one rule that writes them, for new, restored and moved enrolments."""
    return {"run_id": run_id, "waiting_since": waiting_since if run_id is not None else None}


def new_enrolment(user_id: int, course_id: int, *, cycle: int, source: str, due: dict | None, actor,
                  now: datetime, placement: dict | None = None) -> dict:
    """The columns of a new enrolment cycle; `due` is `due_columns(...)` (None: no due date), `placement`
    `placement_columns(...)` (None: in no run)."""
    return {"user_id": user_id, "course_id": course_id, "cycle": cycle, "source": source,
            **(due or due_columns(None, None)), **(placement or placement_columns(None)),
            "enrolled_by_id": getattr(actor, "id", None), "enrolled_at": now}


def insert_enrolments(enrolments: list[dict]):
    """Insert enrolments (`new_enrolment` columns) in one statement; returns (id, user_id, course_id, cycle)
    of each, in no particular order (a unique index keeps one current enrolment per account and course,
    which identifies each; the account's earlier cycle there must have stopped being current first)."""
    table = Enrolment.__table__
    statement = insert(table).returning(table.c.id, table.c.user_id, table.c.course_id, table.c.cycle)
    return db.session.execute(statement, enrolments).all()


def enrolment_created(enrolment_id: int, institution_id: int | None, course_slug: str, source: str, cycle: int,
                      actor) -> dict:
    """The audit event of a new enrolment cycle."""
    return audit.event_row("enrolment.created", actor, "enrolments", enrolment_id, institution_id,
                           course=course_slug, source=source, cycle=cycle)


def due_changed(enrolment_id: int, institution_id: int | None, due_on: date, actor) -> dict:
    """The audit event of a moved due date (the date, as typed)."""
    return audit.event_row("enrolment.due_changed", actor, "enrolments", enrolment_id, institution_id,
                           due_on=when.iso(due_on))


def certificate_expired(enrolment: Enrolment, now: datetime) -> bool:
    """Whether the enrolment's certificate has lapsed at `now` (its holder may then start a new cycle)."""
    return _certificate_expired(enrolment, now)


def _certificate_expired(enrolment: Enrolment, now: datetime) -> bool:
    certificate = db.session.scalar(select(Certificate).where(Certificate.enrolment_id == enrolment.id))
    return certificate is not None and certificate.lapsed(now)


def touch(enrolment_id: int, now: datetime) -> None:
    """Note activity on an enrolment: its first (if none yet) and last activity become `now`.

    One UPDATE on the session's connection and transaction, without loading the enrolment (a quiz
    answer saved needs nothing else of it); an enrolment object already in the session is given the
    same values, so what it says stays true. The caller commits.
    """
    db.session.connection().execute(_touch_statement(), {"enrolment_id": enrolment_id, "now": now})
    enrolment = db.session.identity_map.get(db.session.identity_key(Enrolment, enrolment_id))
    if enrolment is not None:
        if enrolment.started_at is None:
            set_committed_value(enrolment, "started_at", now)
        set_committed_value(enrolment, "last_activity_at", now)


@cache
def _touch_statement():
    table = Enrolment.__table__
    now = bindparam("now", type_=table.c.last_activity_at.type)
    return update(table).where(table.c.id == bindparam("enrolment_id")).values(
        started_at=func.coalesce(table.c.started_at, now), last_activity_at=now)


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


def check_completion(enrolment: Enrolment, course: Course) -> Certificate | None:
    """Complete the enrolment if it is active, holds its place (not on a run's waiting list) and now meets the
    rule. The caller commits."""
    if enrolment.status != "active" or not enrolment.is_current or enrolment.waiting_since is not None:
        return None
    if completion.enrolments_meeting_rule(course, [enrolment.id]):
        return complete_enrolment(enrolment, course)
    return None


# Withdrawal ----------------------------------------------------------------------------------------------
WITHDRAWAL_REASON_MAX = 1000  # characters; the reason is shown on the record and kept in the audit log


def clean_withdrawal_reason(reason: str | None) -> str:
    """The reason with its spaces trimmed; EnrolmentError("reason_required") when empty,
    ("reason_too_long") past WITHDRAWAL_REASON_MAX characters."""
    reason = (reason or "").strip()
    if not reason:
        raise EnrolmentError("reason_required")
    if len(reason) > WITHDRAWAL_REASON_MAX:
        raise EnrolmentError("reason_too_long")
    return reason


def withdraw(enrolment: Enrolment, reason: str, actor) -> None:
    """Withdraw an enrolment, saying why; audited as "enrolment.withdrawn" with the reason.

    The trainee keeps what they did (progress, attempts, certificates: a certificate stays valid unless
    revoked on its own) but may start no new quiz attempt until the enrolment is restored. Whether
    `actor` may withdraw it (completed ones: admins only) is decided by the caller
    (`lms.access.can_withdraw_enrolment`).
    """
    if enrolment.status == "withdrawn":
        raise EnrolmentError("already_withdrawn")
    reason = clean_withdrawal_reason(reason)
    previous = enrolment.status
    enrolment.status, enrolment.withdrawn_at, enrolment.withdrawal_reason = "withdrawn", clock.now(), reason
    audit.record("enrolment.withdrawn", actor=actor, target=enrolment, institution_id=enrolment.user.institution_id,
                 course=enrolment.course.slug, cycle=enrolment.cycle, was=previous, reason=reason)
    db.session.flush()
    signals.place_freed.send("learning", enrolment=enrolment, actor=actor)
    db.session.commit()


def restore(enrolment: Enrolment, actor) -> None:
    """Undo a withdrawal; audited as "enrolment.restored". See `restore_withdrawn`."""
    if enrolment.status != "withdrawn":
        raise EnrolmentError("not_withdrawn")
    restore_withdrawn(enrolment, actor)
    db.session.commit()


def restore_withdrawn(enrolment: Enrolment, actor, due: dict | None = None, placement: dict | None = None) -> None:
    """The work of `restore` without the commit (re-enrolling a withdrawn enrolment does it too): the same
    cycle becomes "completed" again if it was completed, else "active" (and may then complete, if its
    course's rule is now met); the withdrawal's date and reason are cleared (the audit log keeps them).
    `due` (`due_columns`), when given, moves the due date as well; `placement` (`placement_columns`) its
    place in a run. The trainee is told (signal `enrolments_restored`). The caller commits."""
    withdrawn_at = enrolment.withdrawn_at
    reinstate(enrolment, due)
    for column, value in (placement or {}).items():
        setattr(enrolment, column, value)
    audit.record_many([enrolment_restored(enrolment.id, enrolment.user.institution_id, enrolment.course.slug,
                                          enrolment.cycle, actor)], "enrolment")
    db.session.flush()
    check_completion(enrolment, enrolment.course)
    signals.enrolments_restored.send("learning", restored=[(enrolment.id, withdrawn_at)])  # told, in this unit


def reinstate(enrolment: Enrolment, due: dict | None = None) -> None:
    """The columns of a restored enrolment (one at a time and in bulk): its status back, the withdrawal
    cleared, the due date moved when one is given. The caller records `enrolment_restored` and commits."""
    enrolment.status = "completed" if enrolment.completed_at is not None else "active"
    enrolment.withdrawn_at = enrolment.withdrawal_reason = None
    for column, value in (due or {}).items():
        setattr(enrolment, column, value)


def enrolment_restored(enrolment_id: int, institution_id: int | None, course_slug: str, cycle: int, actor) -> dict:
    """The audit event of a withdrawn enrolment restored (by hand or by enrolling again)."""
    return audit.event_row("enrolment.restored", actor, "enrolments", enrolment_id, institution_id,
                           course=course_slug, cycle=cycle)


def save_feedback(enrolment: Enrolment, rating: int, comment: str) -> None:
    """Record or change the trainee's end-of-course feedback."""
    if enrolment.status != "completed":
        raise EnrolmentError("not_completed")
    feedback = db.session.scalar(select(Feedback).where(Feedback.enrolment_id == enrolment.id))
    if feedback is None:
        feedback = Feedback(enrolment_id=enrolment.id, course_id=enrolment.course_id, rating=rating)
        db.session.add(feedback)
    feedback.rating, feedback.comment = rating, comment.strip()
    db.session.commit()


def revoke_certificate(certificate: Certificate, reason: str, actor) -> None:
    """Revoke a certificate with a reason; it then verifies as revoked."""
    if certificate.revoked_at is not None:
        return
    certificate.revoked_at, certificate.revoked_reason, certificate.revoked_by_id = clock.now(), reason.strip(), actor.id
    audit.record("certificate.revoked", actor=actor, target=certificate, reason=reason.strip(), code=certificate.code)
    db.session.commit()


def set_enrolment_key(course: Course, key: str | None, actor) -> None:
    """Set (or clear, with an empty key) the key trainees need to enrol themselves."""
    course.enrolment_key_hash = hash_password(key) if key else None
    audit.record("course.enrolment_key_set" if key else "course.enrolment_key_cleared", actor=actor, target=course)
    db.session.commit()


def recompute_due(*, user_ids: list[int] | None = None, institution_id: int | None = None) -> int:
    """Write again the end (`due_at`) of the open enrolments' due dates of some people (`user_ids`) or of an
    institution's people, from each trainee's zone as it is now; returns how many moved. The due date
    itself (`due_on`) stays. Completed and withdrawn enrolments keep theirs (what was due then). The
    caller commits (the zone's change and this are one unit of work)."""
    if user_ids is None and institution_id is None:
        return 0
    who = User.id.in_(user_ids) if user_ids is not None else User.institution_id == institution_id
    rows = db.session.execute(
        select(Enrolment.id, Enrolment.due_on, Enrolment.due_at, User.id.label("user_id"))
        .join(User, User.id == Enrolment.user_id)
        .where(who, Enrolment.due_on.is_not(None), Enrolment.is_current.is_(True),
               Enrolment.status.not_in(("completed", "withdrawn")))).all()
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_({r.user_id for r in rows})))}
    moved = [{"id": r.id, "due_at": when.end_of_day(r.due_on, when.person_zone(people[r.user_id]))} for r in rows]
    moved = [m for m, r in zip(moved, rows, strict=True) if m["due_at"] != r.due_at]
    if moved:
        db.session.execute(update(Enrolment), moved)  # one executemany, by primary key
    return len(moved)


# Events of the features below (lms.core.signals) --------------------------------------------------------
def _on_activity(_sender, *, enrolment_id: int, when: datetime) -> None:
    touch(enrolment_id, when)


def _on_quiz_passed(_sender, *, enrolment_id: int, quiz_id: int) -> None:
    enrolment = db.session.get(Enrolment, enrolment_id)
    check_completion(enrolment, db.session.get(Course, enrolment.course_id))


def _on_work_changed(_sender, *, enrolment_ids: list[int]) -> None:
    figures.refresh(enrolment_ids)


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
