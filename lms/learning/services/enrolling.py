"""Enrolling: the one writer of enrolments (one at a time here, in bulk through `new_enrolment` and
`insert_enrolments`), their due dates and course-run placement, their audit events, and the course's enrolment key."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import insert, select, update

from lms.audit import services as audit
from lms.auth.models import User
from lms.catalog.models import Course
from lms.core import clock, signals, when
from lms.core.security import check_password, hash_password
from lms.extensions import db
from lms.learning import figures
from lms.learning.models import Enrolment
from lms.learning.services.common import EnrolmentError
from lms.learning.services.completing import _certificate_expired
from lms.learning.services.withdrawal import restore_withdrawn


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
    rows = db.session.execute(statement, enrolments).all()
    # Kept from the start: the course's final assessment, and the certificates of earlier cycles.
    figures.refresh([row.id for row in rows], attempts=False)
    return rows


def enrolment_created(enrolment_id: int, institution_id: int | None, course_slug: str, source: str, cycle: int,
                      actor) -> dict:
    """The audit event of a new enrolment cycle."""
    return audit.event_row("enrolment.created", actor, "enrolments", enrolment_id, institution_id,
                           course=course_slug, source=source, cycle=cycle)


def due_changed(enrolment_id: int, institution_id: int | None, due_on: date, actor) -> dict:
    """The audit event of a moved due date (the date, as typed)."""
    return audit.event_row("enrolment.due_changed", actor, "enrolments", enrolment_id, institution_id,
                           due_on=when.iso(due_on))


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
