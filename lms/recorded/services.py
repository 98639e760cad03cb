"""Recording training done elsewhere as completed: one completion by hand, or many from a CSV file.

A recorded completion is a completed enrolment of source "recorded" with its details in
`recorded_completions` (day, hours, reason, evidence file). Recording one for a person:

- with no current enrolment in the course (or only a completed one whose certificate has expired), makes
  a new completed enrolment cycle;
- with a current enrolment that is active (or withdrawn before completion), completes that one: its
  source becomes "recorded" (the audit event keeps what it was), it leaves its course run (a recorded
  completion takes no place: the place goes to the first on the waiting list) and its withdrawal, if any,
  is cleared;
- with a current completed enrolment whose certificate is valid (or a completed one later withdrawn), is
  refused ("already_completed").

The completion's instant (`Enrolment.completed_at`) is noon of the day typed in the person's zone (or now,
if that is still to come), so that every report and zone reads the same day. No certificate is issued
unless the caller asks (`issue_certificate`: an admin ticked it); it is then valid from that day.
Whether the actor may record for the person is decided by the caller (`lms.access.can_record_completion`).
The writes go through `write`, for one completion or a file's many alike, in a few statements.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation

from sqlalchemy import insert

from lms.audit import services as audit
from lms.auth.models import User
from lms.catalog.models import Course
from lms.core import clock, when
from lms.extensions import db
from lms.learning import services as learning
from lms.learning.models import Enrolment
from lms.recorded.evidence import Evidence, discard, store
from lms.recorded.models import HOURS_MAX, REASON_MAX, RecordedCompletion
from lms.runs import services as runs

SOURCE = "recorded"
TRAINEE = "trainee"


class RecordError(ValueError):
    """A refused recording; `code` says why, `field` which input it is about."""

    def __init__(self, code: str, field: str, **details):
        super().__init__(code)
        self.code, self.field, self.details = code, field, details


@dataclass
class Completion:
    """One completion to record, checked: the person, the course, their current enrolment there (if any),
    what recording does to it ("new" cycle, or "complete" the current one) and the details."""

    person: User
    course: Course
    existing: Enrolment | None
    action: str
    completed_on: date
    hours: Decimal | None
    reason: str
    certificate: bool = False
    evidence: dict = field(default_factory=dict)  # the evidence_* columns, when a file was stored


# --- the checks, one rule each (the form and the file alike) -----------------------------------------------

def clean_reason(reason: str | None) -> str:
    """The reason, trimmed; RecordError "reason_required" when empty, "reason_too_long" past REASON_MAX."""
    reason = (reason or "").strip()
    if not reason:
        raise RecordError("reason_required", "reason")
    if len(reason) > REASON_MAX:
        raise RecordError("reason_too_long", "reason", max=REASON_MAX)
    return reason


def read_hours(value: str | Decimal | None) -> Decimal | None:
    """Hours as typed ("7.5" or "7,5"; empty: none): more than 0 and at most 1000, two decimals at most."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        text = value.strip().replace(",", ".")
        if len(text) > 12:
            raise RecordError("hours_invalid", "hours")
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise RecordError("hours_invalid", "hours") from None
    if not value.is_finite() or value.as_tuple().exponent < -2:
        raise RecordError("hours_invalid", "hours")
    if not Decimal(0) < value <= HOURS_MAX:
        raise RecordError("hours_range", "hours", max=int(HOURS_MAX))
    return value


def check_day(day: date, person: User) -> date:
    """The day the training was completed: not after today in the person's zone ("day_future")."""
    if day > when.today(when.person_zone(person)):
        raise RecordError("day_future", "completed_on")
    return day


def check_person(person: User) -> None:
    """Completions are recorded for trainees' accounts that are not anonymised ("not_trainee")."""
    if person.role != TRAINEE or person.anonymised_at is not None:
        raise RecordError("not_trainee", "person")


def check_course(course: Course) -> None:
    """A course in the catalogue: published or archived, never a draft ("course_draft")."""
    if course.status == "draft":
        raise RecordError("course_draft", "course")


def action_for(existing: Enrolment | None, expired: bool) -> str:
    """What recording does given the person's current enrolment in the course (see the module docstring)."""
    if existing is None or (existing.status == "completed" and expired):
        return "new"
    if existing.completed_at is not None:
        raise RecordError("already_completed", "course")
    return "complete"


def completed_at(day: date, person: User, now: datetime) -> datetime:
    """The instant of a completion recorded for `day`: its noon in the person's zone, or `now` if earlier."""
    noon = datetime.combine(day, time(12), tzinfo=when.person_zone(person)).astimezone(UTC)
    return min(noon, now)


# --- the writes ---------------------------------------------------------------------------------------------

def recorded_columns(enrolment_id: int, item: Completion, actor, now: datetime) -> dict:
    """The row of `recorded_completions` of one completion."""
    return {"enrolment_id": enrolment_id, "completed_on": item.completed_on, "hours": item.hours,
            "reason": item.reason, "evidence_key": None, "evidence_name": None, "evidence_type": None,
            "evidence_size": None, **item.evidence, "recorded_by_id": getattr(actor, "id", None), "recorded_at": now}


def completion_recorded(enrolment_id: int, item: Completion, before: dict | None, actor) -> dict:
    """The audit event "completion.recorded": the enrolment as it was (`before`, None for a new cycle) and
    what it became."""
    after = {"status": "completed", "source": SOURCE, "completed_on": when.iso(item.completed_on),
             "hours": None if item.hours is None else str(item.hours), "evidence": bool(item.evidence),
             "certificate": item.certificate}
    return audit.event_row("completion.recorded", actor, "enrolments", enrolment_id, item.person.institution_id,
                           course=item.course.slug, reason=item.reason, before=before, after=after)


def write(items: list[Completion], actor, now: datetime) -> list[int]:
    """Record checked completions (one, or a file's many) and their audit events; returns the enrolments'
    ids in the items' order. A few statements whatever their number; places freed in course runs go to
    the waiting. The caller issues certificates and commits."""
    befores: list[dict | None] = []
    freed: set[int] = set()
    for item in items:
        existing = item.existing
        if item.action == "new":
            befores.append(None)
            if existing is not None:
                existing.is_current = False  # a new cycle after an expired certificate
            continue
        befores.append({"status": existing.status, "source": existing.source, "run_id": existing.run_id})
        if existing.run_id is not None and existing.waiting_since is None and existing.status == "active":
            freed.add(existing.run_id)
        existing.status, existing.source = "completed", SOURCE
        existing.completed_at = completed_at(item.completed_on, item.person, now)
        existing.run_id = existing.waiting_since = None
        existing.withdrawn_at = existing.withdrawal_reason = None
    db.session.flush()
    new = [(index, item) for index, item in enumerate(items) if item.action == "new"]
    ids = {index: item.existing.id for index, item in enumerate(items) if item.action == "complete"}
    if new:
        rows = learning.insert_enrolments([
            {**learning.new_enrolment(item.person.id, item.course.id,
                                      cycle=item.existing.cycle + 1 if item.existing is not None else 1,
                                      source=SOURCE, due=None, actor=actor, now=now),
             "status": "completed", "completed_at": completed_at(item.completed_on, item.person, now)}
            for _index, item in new])
        by_key = {(user_id, course_id): id_ for id_, user_id, course_id, _cycle in rows}
        ids.update({index: by_key[(item.person.id, item.course.id)] for index, item in new})
    ordered = [ids[index] for index in range(len(items))]
    db.session.execute(insert(RecordedCompletion.__table__),
                       [recorded_columns(ordered[i], item, actor, now) for i, item in enumerate(items)])
    events = [completion_recorded(ordered[i], item, befores[i], actor) for i, item in enumerate(items)]
    audit.record_many(events, "recorded completions")
    for run_id in sorted(freed):  # always in one order: no deadlock between two writers
        runs.place_left(run_id, actor)
    return ordered


def prepare(person: User, course: Course, completed_on: date, hours, reason: str | None,
            certificate: bool = False) -> Completion:
    """Check one completion to record for `person` in `course` (RecordError naming the input at fault)."""
    check_person(person)
    check_course(course)
    check_day(completed_on, person)
    hours = read_hours(hours)
    reason = clean_reason(reason)
    existing = learning.current_enrolment(person.id, course.id)
    expired = existing is not None and existing.status == "completed" and learning.certificate_expired(
        existing, clock.now())
    return Completion(person, course, existing, action_for(existing, expired), completed_on, hours, reason,
                      certificate)


def record_completion(person: User, course: Course, completed_on: date, hours, reason: str | None,
                      evidence: Evidence | None, issue_certificate: bool, actor) -> Enrolment:
    """Record that `person` completed `course` elsewhere on `completed_on` (see the module docstring);
    audited as "completion.recorded". `hours` (text or Decimal, optional), `reason` (required), `evidence`
    (a checked file, `lms.recorded.evidence.read_evidence`, or None), `issue_certificate` (an admin's
    choice: the caller decides who may). Returns the completed enrolment; RecordError when refused."""
    item = prepare(person, course, completed_on, hours, reason, issue_certificate)
    key = store(evidence) if evidence is not None else None
    if key is not None:
        item.evidence = {"evidence_key": key, "evidence_name": evidence.name, "evidence_type": evidence.mime_type,
                         "evidence_size": evidence.size}
    now = clock.now()
    try:
        [enrolment_id] = write([item], actor, now)
        enrolment = db.session.get(Enrolment, enrolment_id)
        if issue_certificate:
            learning.issue_certificate(enrolment, course, now, enrolment.completed_at)
        db.session.commit()
    except Exception:
        db.session.rollback()
        discard(key)  # the row naming it was not written
        raise
    return enrolment


def evidence_downloaded(recorded: RecordedCompletion, actor) -> None:
    """Note that `actor` downloaded the evidence of a recorded completion: audited as "export.evidence" (it is
    personal data, listed with the other exports)."""
    enrolment = recorded.enrolment
    audit.record("export.evidence", actor=actor, target=enrolment, institution_id=enrolment.user.institution_id,
                 course=enrolment.course.slug)
    db.session.commit()
