"""The writes of availability: an item's rules (the editor), a course's rules (a package import), and the
two writers a locked item must not reach: starting a quiz attempt and recording a lesson's view.

Starting an attempt and recording a view are the quiz engine's and learning's own writers; the pages (and
any other caller) reach them through `start_attempt` and `open_lesson` here, which ask `item_state` first,
so that a locked quiz is refused whatever the request says.
"""
from __future__ import annotations

import logging

from sqlalchemy import delete

from lms.audit import services as audit
from lms.availability import queries
from lms.availability.models import Condition
from lms.availability.queries import ItemState
from lms.availability.rules import Rules, RulesError, check_shape, first_cycle
from lms.catalog.items import live_items
from lms.catalog.models import Course, Lesson
from lms.core import when
from lms.extensions import db
from lms.learning import offline_views
from lms.learning import services as learning
from lms.quizzes import services as quiz_services
from lms.quizzes.models import Quiz

log = logging.getLogger("lms.availability")

__all__ = ["Locked", "RulesError", "open_lesson", "open_lesson_offline", "replace_course_rules", "set_rules",
           "start_attempt"]


class Locked(Exception):
    """A locked item refused: `state` says why (the reasons), or that the run has ended."""

    def __init__(self, state: ItemState):
        super().__init__("locked" if state.locked else "ended")
        self.state = state


# Rules ------------------------------------------------------------------------------------------------
def _rows(course_id: int, kind: str, item_id: int, rules: Rules) -> list[Condition]:
    """The Condition rows of one item's rules (items named by id)."""
    item = {"lesson_id": item_id} if kind == "lesson" else {"quiz_id": item_id}
    rows = [Condition(course_id=course_id, kind=n.kind, min_percent=n.min_percent,
                      **({"needs_lesson_id": n.ref} if n.kind == "lesson" else {"needs_quiz_id": n.ref}), **item)
            for n in rules.items]
    rows += [Condition(course_id=course_id, kind="course", needs_course_slug=slug, **item) for slug in rules.courses]
    if rules.opens_on is not None:
        rows.append(Condition(course_id=course_id, kind="date", opens_on=rules.opens_on, **item))
    if rules.days_after_start is not None:
        rows.append(Condition(course_id=course_id, kind="run_days", days_after_start=rules.days_after_start, **item))
    return rows


def _live_ids(course_id: int) -> set[tuple[str, int]]:
    """(kind, id) of the course's live lessons and quizzes, in one statement."""
    lessons = live_items(Lesson, Lesson.id).where(Lesson.course_id == course_id)
    quizzes = live_items(Quiz, Quiz.id).where(Quiz.course_id == course_id)
    return ({("lesson", i) for i in db.session.scalars(lessons)} | {("quiz", i) for i in db.session.scalars(quizzes)})


def check_rules(course: Course, kind: str, item_id: int, rules: Rules) -> None:
    """Refuse rules of one item of `course` that cannot be stored (`RulesError`): see `rules.check_shape`;
    an item that is not a live lesson or quiz of the course ("other_course"), a course slug that names no
    course ("unknown_course") or this course ("own_course"), and a cycle ("cycle", its path of (kind, id))."""
    check_shape(rules)
    live = _live_ids(course.id)
    for needs in rules.items:
        if (needs.kind, needs.ref) not in live:
            raise RulesError("other_course", ref=needs.ref)
    if course.slug in rules.courses:
        raise RulesError("own_course", slug=course.slug)
    known = queries.course_titles(rules.courses)
    for slug in rules.courses:
        if slug not in known:
            raise RulesError("unknown_course", slug=slug)
    waits_for = {key: [(n.kind, n.ref) for n in item_rules.items]
                 for key, item_rules in queries.rules_by_item(course.id).items()}
    waits_for[(kind, item_id)] = [(n.kind, n.ref) for n in rules.items]
    cycle = first_cycle(waits_for)
    if cycle is not None:  # it passes through this item (the stored rules hold none): told from it
        loop = cycle[:-1]
        start = loop.index((kind, item_id)) if (kind, item_id) in loop else 0
        loop = loop[start:] + loop[:start]
        raise RulesError("cycle", path=[*loop, loop[0]])


def set_rules(course: Course, kind: str, item, rules: Rules, actor) -> None:
    """Replace the rules of one lesson or quiz of `course` (the editor); audited as "availability.changed"
    with what they were and are. RulesError (`check_rules`): nothing is changed."""
    check_rules(course, kind, item.id, rules)
    column = Condition.lesson_id if kind == "lesson" else Condition.quiz_id
    before = queries.rules_from(queries.conditions_of_item(kind, item.id))
    db.session.execute(delete(Condition).where(column == item.id))
    db.session.add_all(_rows(course.id, kind, item.id, rules))
    course.package_hash = None  # an edit: a later import of the package updates the course again
    db.session.flush()
    audit.record("availability.changed", actor=actor, target=course, kind=kind, slug=item.slug,
                 was=describe(before), now=describe(rules))
    db.session.commit()


def describe(rules: Rules) -> dict:
    """The rules as the audit log keeps them (ids, slugs and dates as text)."""
    return {"items": [[n.kind, n.ref, n.min_percent] for n in rules.items], "courses": list(rules.courses),
            "opens_on": when.iso(rules.opens_on), "days_after_start": rules.days_after_start}


def replace_course_rules(course: Course, rules: dict[tuple[str, int], Rules]) -> int:
    """Make the course's rules exactly `rules` ({(kind, item id): Rules}, items by id), as a package import
    does; the package check refused cycles and missing items already. Returns how many conditions there are.
    The caller audits and commits."""
    db.session.execute(delete(Condition).where(Condition.course_id == course.id))
    rows = [row for (kind, item_id), item_rules in rules.items() for row in _rows(course.id, kind, item_id, item_rules)]
    db.session.add_all(rows)
    db.session.flush()
    return len(rows)


# The writers a locked item must not reach ------------------------------------------------------------
def start_attempt(enrolment, course: Course, quiz: Quiz, language: str | None = None, has_conditions: bool = True):
    """Start an attempt at the quiz (or continue the one in progress), unless the quiz is locked for the
    enrolment or its run has ended: `Locked`. An attempt in progress goes on whatever happened since it
    started (it may still be submitted within its time). The quiz engine's own refusals (withdrawn, no
    attempts left...) are its AttemptError. `language`: the language version to take it in (None: the original).
    `has_conditions` False when the caller knows the quiz has none (`queries.quiz_has_conditions_column`)."""
    tally = None
    if enrolment.status != "withdrawn":
        tally = quiz_services.attempt_tally(enrolment.id, quiz.id)
        current = tally.open
        if current is None or quiz_services.close_if_expired(current):
            state = queries.item_state(enrolment, course, "quiz", quiz.id, has_conditions=has_conditions)
            if not state.startable:
                log.info("attempt refused at quiz %s for enrolment %s: %s", quiz.id, enrolment.id,
                         "locked" if state.locked else "run ended")
                raise Locked(state)
    # The attempts just counted are handed on, not read a second time.
    return quiz_services.start_attempt(enrolment, quiz, language=language, tally=tally)


def open_lesson(enrolment, course: Course, lesson, progress=learning.LOOK_UP) -> ItemState:
    """The trainee opens a lesson: when it is open to them, record the view (`learning.record_lesson_view`,
    which may complete the course); when it is locked, record nothing. Returns its state. A withdrawn
    enrolment's record stays as it was: nothing is recorded. `progress` is the enrolment's LessonProgress
    row for the lesson (or None) when the caller has read it."""
    done = progress is not learning.LOOK_UP and progress is not None
    state = (ItemState() if done and not enrolment.waiting
             else queries.item_state(enrolment, course, "lesson", lesson.id))
    if not state.locked and enrolment.status != "withdrawn":
        learning.record_lesson_view(enrolment, lesson, course, progress=progress)
    return state


def open_lesson_offline(enrolment, course: Course, lesson, viewed_at) -> ItemState:
    """A view the trainee made of a kept lesson on their device without a connection, sent now: recorded at the
    device's time (`offline_views.record_offline_view`, which bounds it and may complete the course) when the
    lesson is open to them now and the enrolment is not withdrawn; nothing otherwise. Returns its state."""
    state = queries.item_state(enrolment, course, "lesson", lesson.id)
    if not state.locked and enrolment.status != "withdrawn":
        offline_views.record_offline_view(enrolment, lesson, course, viewed_at)
    return state
