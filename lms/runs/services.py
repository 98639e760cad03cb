"""The writes of course runs: create, change and cancel a run; enrol into a run (a place, or the waiting
list, never over capacity); promote from the waiting list when a place frees; move a trainee between runs.

Enrolments are written by learning's one writer (`learning.services.prepare_enrolment`, given a placement);
this module decides the placement under a lock on the run's row, so that concurrent enrolments cannot take
more places than the run has (PostgreSQL: SELECT ... FOR UPDATE; SQLite writes one transaction at a time).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from lms.audit import services as audit
from lms.catalog.models import Course
from lms.core import clock, signals, when
from lms.extensions import db
from lms.institutions.models import Institution
from lms.learning import services as learning
from lms.learning.models import Enrolment
from lms.runs import queries
from lms.runs.models import CourseRun

log = logging.getLogger("lms.runs")

CODE_MAX, TITLE_MAX = 32, 200


class RunError(ValueError):
    """A refused change or enrolment; `code` (the message) says why (the views word it for people)."""

    @property
    def code(self) -> str:
        return self.args[0]


@dataclass
class RunFields:
    """What staff type for a run (the form's or the command line's)."""

    code: str
    title: str
    starts_on: date
    ends_on: date
    enrol_opens_on: date | None = None
    enrol_closes_on: date | None = None
    capacity: int | None = None
    open_to_all: bool = True
    institution_ids: tuple[int, ...] = ()


def check_fields(fields: RunFields) -> None:
    """Refuse fields that make no run: RunError("code_required" | "code_too_long" | "title_required" |
    "title_too_long" | "ends_before_start" | "window_after_end" | "window_reversed" | "capacity_not_positive"
    | "no_institutions")."""
    if not fields.code.strip():
        raise RunError("code_required")
    if len(fields.code.strip()) > CODE_MAX:
        raise RunError("code_too_long")
    if not fields.title.strip():
        raise RunError("title_required")
    if len(fields.title.strip()) > TITLE_MAX:
        raise RunError("title_too_long")
    if fields.ends_on < fields.starts_on:
        raise RunError("ends_before_start")
    if fields.enrol_closes_on is not None and fields.enrol_closes_on > fields.ends_on:
        raise RunError("window_after_end")
    if (fields.enrol_opens_on is not None and fields.enrol_closes_on is not None
            and fields.enrol_opens_on > fields.enrol_closes_on):
        raise RunError("window_reversed")
    if fields.capacity is not None and fields.capacity < 1:
        raise RunError("capacity_not_positive")
    if not fields.open_to_all and not fields.institution_ids:
        raise RunError("no_institutions")


def _apply(run: CourseRun, fields: RunFields) -> None:
    run.code, run.title = fields.code.strip(), fields.title.strip()
    run.starts_on, run.ends_on = fields.starts_on, fields.ends_on
    run.enrol_opens_on, run.enrol_closes_on = fields.enrol_opens_on, fields.enrol_closes_on
    run.capacity, run.open_to_all = fields.capacity, fields.open_to_all
    run.institutions = [] if fields.open_to_all else list(db.session.scalars(
        select(Institution).where(Institution.id.in_(fields.institution_ids))))


def _code_taken(course_id: int, code: str, run_id: int | None) -> bool:
    query = select(CourseRun.id).where(CourseRun.course_id == course_id, CourseRun.code == code.strip())
    if run_id is not None:
        query = query.where(CourseRun.id != run_id)
    return db.session.scalar(query) is not None


def create_run(course: Course, fields: RunFields, actor) -> CourseRun:
    """Add a run to a course; audited as "run.created". RunError (see `check_fields`, and "code_taken")."""
    check_fields(fields)
    if _code_taken(course.id, fields.code, None):
        raise RunError("code_taken")
    run = CourseRun(course_id=course.id)
    _apply(run, fields)
    db.session.add(run)
    db.session.flush()
    audit.record("run.created", actor=actor, target=run, course=course.slug, code=run.code,
                 starts_on=when.iso(run.starts_on), ends_on=when.iso(run.ends_on), capacity=run.capacity)
    db.session.commit()
    return run


def update_run(run: CourseRun, fields: RunFields, actor) -> None:
    """Change a run; audited as "run.updated" with what it was. New dates are noted for its trainees
    (`dates_changed_at`). A capacity below the places taken is refused ("capacity_below_enrolled"); a larger one
    promotes from the waiting list at once."""
    check_fields(fields)
    if _code_taken(run.course_id, fields.code, run.id):
        raise RunError("code_taken")
    _lock(run.id)
    if fields.capacity is not None and fields.capacity < queries.places_taken(run.id):
        raise RunError("capacity_below_enrolled")
    before = {"code": run.code, "starts_on": when.iso(run.starts_on), "ends_on": when.iso(run.ends_on),
              "capacity": run.capacity, "open_to_all": run.open_to_all}
    was = (run.starts_on, run.ends_on)
    if (fields.starts_on, fields.ends_on) != was:
        run.dates_changed_at = clock.now()  # its trainees read "the dates changed on ..." on their pages
    _apply(run, fields)
    db.session.flush()
    audit.record("run.updated", actor=actor, target=run, course=run.course.slug, was=before, code=run.code,
                 starts_on=when.iso(run.starts_on), ends_on=when.iso(run.ends_on), capacity=run.capacity)
    _promote(run, actor)
    if (run.starts_on, run.ends_on) != was:
        signals.run_dates_changed.send("runs", run=run, was=was, actor=actor)
    db.session.commit()


def cancel_run(run: CourseRun, actor) -> None:
    """Cancel a run: it takes no more enrolments; its trainees stay in it until staff move them (a run with
    enrolments is never deleted). Audited as "run.cancelled"."""
    if run.cancelled_at is not None:
        raise RunError("already_cancelled")
    run.cancelled_at = clock.now()
    audit.record("run.cancelled", actor=actor, target=run, course=run.course.slug, code=run.code)
    db.session.flush()
    signals.run_cancelled.send("runs", run=run, actor=actor)
    db.session.commit()


def _lock(run_id: int) -> CourseRun:
    """Take the run's row lock for the rest of the transaction (PostgreSQL: FOR UPDATE; SQLite serialises
    writing transactions) and read it afresh."""
    return db.session.scalars(select(CourseRun).where(CourseRun.id == run_id).with_for_update()
                              .execution_options(populate_existing=True)).one()


def lock_runs_of(course_ids: list[int]) -> None:
    """Take the row locks of every run of these courses, in the order of their ids (no deadlock), for the rest of
    the transaction: a bulk enrolment plans its places under them (PostgreSQL; SQLite serialises writers)."""
    if course_ids:
        db.session.execute(select(CourseRun.id).where(CourseRun.course_id.in_(course_ids))
                           .order_by(CourseRun.id).with_for_update())


def placement_for(run: CourseRun) -> dict:
    """Where a newcomer goes in the run, under its lock: a place, or the waiting list when it is full."""
    full = run.capacity is not None and queries.places_taken(run.id) >= run.capacity
    return learning.placement_columns(run.id, clock.now() if full else None)


def enrol_in_run(trainee, run: CourseRun, *, actor=None, source: str = "self", due_on: date | None = None,
                 key: str | None = None) -> tuple[Enrolment, bool]:
    """Enrol `trainee` in a run of its course: a place while there is one, else the waiting list (never over
    capacity); returns (enrolment, created). Already enrolled in the course: nothing changes (staff move
    people between runs). Self-enrolment needs the window open (in the trainee's zone) and the run open to
    the trainee's institution; staff enrol outside the window, but only people the run is open to. The due
    date defaults to the run's end. RunError("cancelled" | "window_closed" | "not_open_to") or
    learning's EnrolmentError."""
    run = _lock(run.id)
    if run.cancelled_at is not None:
        raise RunError("cancelled")
    if not queries.open_to(run, trainee.institution_id):
        raise RunError("not_open_to")
    if source == "self" and not queries.window_open(run, when.today(when.person_zone(trainee))):
        raise RunError("window_closed")
    placement = placement_for(run)
    enrolment, created, changed = learning.prepare_enrolment(
        trainee, run.course, actor=actor, source=source, due_on=due_on or run.ends_on, key=key, placement=placement)
    if (created or changed) and enrolment.run_id == run.id:
        audit.record("run.joined", actor=actor or trainee, target=enrolment, institution_id=trainee.institution_id,
                     course=run.course.slug, run=run.code, waiting=placement["waiting_since"] is not None)
    if created or changed:
        db.session.commit()
    return enrolment, created


def restore(enrolment: Enrolment, actor) -> None:
    """Undo a withdrawal (learning's `restore`), for an enrolment in a run too: it takes a place again only when
    the run has one free (under the run's lock), else it joins the waiting list at its end (the place it
    left at its withdrawal went to someone else); a completed one keeps its place. learning.EnrolmentError("not_withdrawn")."""
    if enrolment.run_id is None:
        learning.restore(enrolment, actor)
        return
    if enrolment.status != "withdrawn":
        raise learning.EnrolmentError("not_withdrawn")
    run = _lock(enrolment.run_id)
    # A completed one comes back completed: it was taught in the run and keeps its place there.
    placement = (learning.placement_columns(run.id) if enrolment.completed_at is not None else placement_for(run))
    learning.restore_withdrawn(enrolment, actor, placement=placement)
    if enrolment.waiting:
        audit.record("run.waiting", actor=actor, target=enrolment, institution_id=enrolment.user.institution_id,
                     course=run.course.slug, run=run.code)
    db.session.commit()


def extend(enrolment: Enrolment, due_on: date, actor) -> None:
    """Give one trainee an extension: their due date moves to `due_on` (in their zone), which may be after
    the run's end; until it passes they may start new quiz attempts after the run has ended. Audited as
    "enrolment.extended" with the date it was. RunError("not_later" | "not_active")."""
    if enrolment.status != "active":
        raise RunError("not_active")
    zone = when.person_zone(enrolment.user)
    if due_on < when.today(zone) or (enrolment.due_on is not None and due_on <= enrolment.due_on):
        raise RunError("not_later")
    was = enrolment.due_on
    learning.set_due(enrolment, due_on, zone)
    audit.record("enrolment.extended", actor=actor, target=enrolment, institution_id=enrolment.user.institution_id,
                 course=enrolment.course.slug, run=enrolment.run.code if enrolment.run else None,
                 was=when.iso(was), due_on=when.iso(due_on))
    db.session.commit()


def _promote(run: CourseRun, actor) -> int:
    """Give the free places of a locked run to the first on its waiting list; returns how many. Audited as
    "run.promoted" each, and told to them (signal `run_promoted`). The caller commits."""
    if run.cancelled_at is not None:
        return 0
    free = None if run.capacity is None else run.capacity - queries.places_taken(run.id)
    if free is not None and free <= 0:
        return 0
    promoted = queries.first_waiting(run.id, free if free is not None else 1_000_000)
    waited = [(enrolment.id, enrolment.waiting_since) for enrolment in promoted]
    for enrolment in promoted:
        enrolment.waiting_since = None
        learning.check_completion(enrolment, run.course)  # what they read while waiting may complete it
        audit.record("run.promoted", actor=actor, target=enrolment, institution_id=enrolment.user.institution_id,
                     course=run.course.slug, run=run.code)
    if promoted:
        db.session.flush()
        log.info("run %s: %d promoted from the waiting list", run.id, len(promoted))
        signals.run_promoted.send("runs", run=run, promoted=waited, actor=actor)
    return len(promoted)


def move(enrolment: Enrolment, target: CourseRun, actor) -> None:
    """Move an enrolment into another run of its course (or into a run from none): its progress and attempts
    stay (they belong to the enrolment); it takes a place there, or the waiting list when full; a due date
    that was the old run's end becomes the new run's end. The place it leaves goes to the first waiting
    there. Audited as "enrolment.moved". RunError("other_course" | "cancelled" | "same_run")."""
    if target.course_id != enrolment.course_id:
        raise RunError("other_course")
    if target.id == enrolment.run_id:
        raise RunError("same_run")
    old_id = enrolment.run_id
    for run_id in sorted(i for i in (old_id, target.id) if i is not None):  # always in one order: no deadlock
        _lock(run_id)
    if target.cancelled_at is not None:
        raise RunError("cancelled")
    old = queries.run_by_id(old_id) if old_id is not None else None
    enrolment.run_id, enrolment.waiting_since = None, None
    db.session.flush()
    for column, value in placement_for(target).items():
        setattr(enrolment, column, value)
    if old is not None and enrolment.due_on == old.ends_on and enrolment.status == "active":
        learning.set_due(enrolment, target.ends_on, when.person_zone(enrolment.user))
    db.session.flush()
    audit.record("enrolment.moved", actor=actor, target=enrolment, institution_id=enrolment.user.institution_id,
                 course=target.course.slug, was=old.code if old else None, run=target.code,
                 waiting=enrolment.waiting_since is not None)
    if old is not None:
        _promote(old, actor)
    signals.enrolment_moved.send("runs", enrolment=enrolment, old_run_id=old_id, actor=actor)
    db.session.commit()


def place_left(run_id: int, actor) -> int:
    """An enrolment stopped holding a place in a run by another way than withdrawal (a completion recorded by
    hand takes no place): the free places go to the first on its waiting list; returns how many were
    promoted. The caller commits."""
    return _promote(_lock(run_id), actor)


def _on_place_freed(_sender, *, enrolment: Enrolment, actor) -> None:
    if enrolment.run_id is not None:
        _promote(_lock(enrolment.run_id), actor)


def connect_signals() -> None:
    """Promote from the waiting list when learning says a place freed (called once by the application)."""
    signals.place_freed.connect(_on_place_freed)
