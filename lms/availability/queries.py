"""Reading availability: the rules of a course's items, and what is open to one enrolment.

`course_availability` answers for every item of a course at once (the outline, "continue where you left
off"); `item_state` for one item (the lesson and quiz pages, and the writers that must refuse a locked
item). Either reads a fixed number of statements whatever the number of items: the conditions, the
enrolment's progress (one), the courses named by conditions (one, when any), the run (one, when any).

The rules, in order:
- an enrolment on its run's waiting list sees every item locked ("waiting");
- an enrolment in a run sees every item locked before the run's start ("date", the start);
- an item opens when every condition of its own holds (AND): a lesson viewed, a quiz passed (with at least
  N % when asked), any completed enrolment of the person in a course, a date, or N days after the run's
  start (for an enrolment without a run that one does not apply). A condition on an item that is no longer
  live (retired, or in a retired module) holds nothing back;
- an item already done (a lesson viewed, a quiz passed) stays open;
- after its run has ended (past the later of the run's last day and the enrolment's due date, in the
  trainee's zone) the items stay open to read, but no new quiz attempt starts (`ended`).
Dates are calendar dates read in the trainee's zone (lms.core.when).
"""
from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from sqlalchemy import and_, bindparam, exists, select

from lms.availability.models import DATE_KINDS, Condition
from lms.availability.rules import Needs, Rules
from lms.catalog.models import Course
from lms.catalog.outline import course_outline
from lms.core import when
from lms.core.reads import plain_rows
from lms.extensions import db
from lms.learning import queries as learning_queries
from lms.learning.models import Enrolment
from lms.quizzes.models import Quiz

LOOK_UP = object()  # "read the enrolment's progress yourself"


@dataclass(frozen=True)
class Reason:
    """Why an item is locked: `code` is "waiting", "date" (opens on `opens_on`), "lesson" (view `title`),
    "quiz" (pass `title`, with at least `percent` when set) or "course" (complete the course `title`)."""

    code: str
    opens_on: date | None = None
    title: str | None = None
    percent: int | None = None


@dataclass(frozen=True)
class ItemState:
    """What one item is to one enrolment: locked (with the reasons) or open; `ended` when the run has ended
    (readable, but no new quiz attempt)."""

    reasons: tuple[Reason, ...] = ()
    ended: bool = False

    @property
    def locked(self) -> bool:
        return bool(self.reasons)

    @property
    def opens_on(self) -> date | None:
        """The day it opens, when only dates hold it back (None: it waits for the trainee, or it is open)."""
        if not self.reasons or any(r.opens_on is None for r in self.reasons):
            return None
        return max(r.opens_on for r in self.reasons)

    @property
    def startable(self) -> bool:
        """Whether a new quiz attempt may start: open, and the run not ended."""
        return not self.reasons and not self.ended


OPEN = ItemState()


@dataclass(frozen=True)
class CourseAvailability:
    """Every live item's state for one enrolment; `ended` when its run has ended."""

    states: dict
    ended: bool = False

    def of(self, item) -> ItemState:
        """The state of an outline item (anything with `kind` and `id`)."""
        return self.states.get((item.kind, item.id), ItemState(ended=self.ended))

    @property
    def any_locked(self) -> bool:
        return any(s.locked for s in self.states.values())


# The rules as stored ---------------------------------------------------------------------------------
def _item_column(kind: str):
    return Condition.lesson_id if kind == "lesson" else Condition.quiz_id


class StoredCondition(namedtuple("StoredCondition", [column.key for column in Condition.__table__.columns])):
    """A condition as stored, read as a plain row (the pages only read conditions: loading them as session objects
    cost more than the statement), with the model's `item`."""

    __slots__ = ()
    item = property(Condition.item.fget)


def conditions_of_course(course_id: int) -> list[StoredCondition]:
    """Every condition of a course's items, in one statement."""
    return [StoredCondition(*row) for row in plain_rows(_conditions_statement("course"), {"key": course_id})]


@cache
def course_has_conditions_column():
    """Whether any item of the course has a condition, as a column correlated with `Course`: the course page asks
    it in its own statement (`lms.learning.queries.course_visit`) and reads the conditions only when the answer is
    yes. Built once."""
    return exists().where(Condition.course_id == Course.id).label("has_conditions")


@cache
def quiz_has_conditions_column():
    """Whether the quiz has a condition, as a column correlated with `Quiz`: the quiz page and the start of an
    attempt ask it in their own statement (`lms.learning.queries.quiz_visit`), and `item_state` reads the
    conditions only when the answer is yes. Built once."""
    return exists().where(Condition.quiz_id == Quiz.id).label("has_conditions")


def conditions_of_item(kind: str, item_id: int) -> list[StoredCondition]:
    """The conditions of one lesson or quiz (other kinds of item, such as assignments, take none: only the
    run's gates apply to them)."""
    if kind not in ("lesson", "quiz"):
        return []
    return [StoredCondition(*row) for row in plain_rows(_conditions_statement(kind), {"key": item_id})]


@cache
def _conditions_statement(of: str):
    # Built once per kind of key ("course", "lesson", "quiz"): the course, lesson and quiz pages run it on every
    # view, and building a statement costs more than running it.
    column = Condition.course_id if of == "course" else _item_column(of)
    # The columns in the table's order, as StoredCondition's fields.
    return select(*Condition.__table__.columns).where(column == bindparam("key")).order_by(Condition.id)


def rules_from(conditions: list[StoredCondition]) -> Rules:
    """The `Rules` (items by id) the conditions of one item make."""
    items, courses, opens_on, days = [], [], None, None
    for c in conditions:
        if c.kind == "lesson":
            items.append(Needs("lesson", c.needs_lesson_id))
        elif c.kind == "quiz":
            items.append(Needs("quiz", c.needs_quiz_id, c.min_percent))
        elif c.kind == "course":
            courses.append(c.needs_course_slug)
        elif c.kind == "date":
            opens_on = c.opens_on
        else:
            days = c.days_after_start
    return Rules(tuple(items), tuple(courses), opens_on, days)


def rules_by_item(course_id: int) -> dict[tuple[str, int], Rules]:
    """{(kind, item id): Rules} of every item of the course that has rules, in one statement."""
    grouped: dict[tuple[str, int], list[StoredCondition]] = {}
    for condition in conditions_of_course(course_id):
        grouped.setdefault(condition.item, []).append(condition)
    return {item: rules_from(conditions) for item, conditions in grouped.items()}


def course_titles(slugs) -> dict[str, str]:
    """{slug: title} of the courses of these slugs that exist."""
    slugs = set(slugs)
    if not slugs:
        return {}
    return dict(db.session.execute(select(Course.slug, Course.title).where(Course.slug.in_(slugs))).all())


# Evaluation ------------------------------------------------------------------------------------------
def _completed_courses(user_id: int, slugs: set[str]) -> dict[str, tuple[str, bool]]:
    """{slug: (title, completed)} of the courses named: whether the person holds any completed enrolment
    there (any cycle, any source: one recorded by hand counts), in one statement."""
    if not slugs:
        return {}
    done = exists().where(and_(Enrolment.course_id == Course.id, Enrolment.user_id == user_id,
                               Enrolment.completed_at.is_not(None)))
    return {slug: (title, bool(completed)) for slug, title, completed in db.session.execute(
        select(Course.slug, Course.title, done).where(Course.slug.in_(slugs))).all()}


class _Context:
    """What the evaluation of one enrolment reads once: today in the trainee's zone, the run, the progress,
    the live items of the course, the courses the conditions name."""

    def __init__(self, enrolment: Enrolment, course: Course, conditions: list[StoredCondition], progress):
        self.enrolment = enrolment
        self.today = when.today(when.person_zone(enrolment.user))
        self.run = enrolment.run if enrolment.run_id is not None else None
        self.progress = learning_queries.progress(enrolment) if progress is LOOK_UP else progress
        self.live = {(item.kind, item.id): item for item in course_outline(course).sequence}
        self.courses = _completed_courses(enrolment.user_id, {c.needs_course_slug for c in conditions
                                                              if c.kind == "course"})

    @property
    def ended(self) -> bool:
        if self.run is None:
            return False
        last = max(self.run.ends_on, self.enrolment.due_on or self.run.ends_on)
        return self.today > last

    def gate(self) -> list[Reason]:
        """The reasons every item of the course is locked by: the waiting list, the run not started."""
        if self.enrolment.waiting:
            return [Reason("waiting")]
        if self.run is not None and self.today < self.run.starts_on:
            return [Reason("date", opens_on=self.run.starts_on)]
        return []

    def done(self, kind: str, item_id: int) -> bool:
        return self.progress.has_done(kind, item_id)

    def reason(self, condition: Condition) -> Reason | None:
        """Why the condition holds the item back, or None when it holds nothing back."""
        kind = condition.kind
        if kind == "lesson":
            needed = self.live.get(("lesson", condition.needs_lesson_id))
            if needed is None or condition.needs_lesson_id in self.progress.viewed:
                return None
            return Reason("lesson", title=needed.title)
        if kind == "quiz":
            needed = self.live.get(("quiz", condition.needs_quiz_id))
            if needed is None:
                return None
            best = self.progress.best.get(condition.needs_quiz_id)
            if condition.needs_quiz_id in self.progress.passed and (
                    condition.min_percent is None or (best is not None and best >= condition.min_percent)):
                return None
            return Reason("quiz", title=needed.title, percent=condition.min_percent)
        if kind == "course":
            title, completed = self.courses.get(condition.needs_course_slug, (condition.needs_course_slug, False))
            return None if completed else Reason("course", title=title)
        if kind == "date":
            opens = condition.opens_on
        else:
            if self.run is None:
                return None  # relative to a run's start: an enrolment without a run has none
            opens = self.run.starts_on + timedelta(days=condition.days_after_start)
        return None if self.today >= opens else Reason("date", opens_on=opens)

    def state(self, kind: str, item_id: int, conditions: list[StoredCondition], gate: list[Reason]) -> ItemState:
        ended = self.ended
        if self.enrolment.waiting:
            return ItemState(tuple(gate), ended)
        if self.done(kind, item_id):
            return ItemState((), ended)
        reasons = list(gate)
        for condition in sorted(conditions, key=lambda c: c.kind not in DATE_KINDS):
            found = self.reason(condition)
            if found is not None and found not in reasons:
                reasons.append(found)
        return ItemState(tuple(reasons), ended)


def course_availability(enrolment: Enrolment | None, course: Course, progress=LOOK_UP,
                        has_conditions: bool = True) -> CourseAvailability:
    """The state of every live item of the course for the enrolment (None, a reader who is not enrolled:
    everything open), in a fixed number of statements. `progress` is the enrolment's
    (`learning.queries.progress`) when the caller has read it already; `has_conditions` False when the caller
    knows the course has none (`course_has_conditions_column`), which are then not read."""
    if enrolment is None:
        return CourseAvailability({})
    conditions = conditions_of_course(course.id) if has_conditions else []
    context = _Context(enrolment, course, conditions, progress)
    by_item: dict[tuple[str, int], list[StoredCondition]] = {}
    for condition in conditions:
        by_item.setdefault(condition.item, []).append(condition)
    gate = context.gate()
    states = {key: context.state(key[0], key[1], by_item.get(key, []), gate) for key in context.live}
    return CourseAvailability(states, context.ended)


def item_state(enrolment: Enrolment | None, course: Course, kind: str, item_id: int, progress=LOOK_UP,
               has_conditions: bool = True) -> ItemState:
    """The state of one lesson or quiz for the enrolment (None: open), the check of the pages and writers.

    An item without conditions, of an enrolment in no run and not waiting, costs one statement, and none when the
    caller knows it has no conditions (`has_conditions` False, from `quiz_has_conditions_column`)."""
    if enrolment is None:
        return OPEN
    conditions = conditions_of_item(kind, item_id) if has_conditions else []
    if not conditions and enrolment.run_id is None:
        return OPEN
    context = _Context(enrolment, course, conditions, progress)
    return context.state(kind, item_id, conditions, context.gate())

