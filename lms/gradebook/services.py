"""The gradebook's writers: a course's grading rule and weights, and the results staff set by hand (overrides),
each audited with who did it. Their callers check who may (lms.access.gradebook)."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from sqlalchemy import delete, select

from lms.assignments.models import Assignment
from lms.audit import services as audit
from lms.catalog.models import Course, Module
from lms.core import clock
from lms.extensions import db
from lms.gradebook.models import GRADING_RULES, MAX_REASON, Override, Weight
from lms.learning.models import Enrolment
from lms.practicals.models import Practical
from lms.quizzes.models import Quiz

MAX_WEIGHT = Decimal(1000)
# What an override may name: an item of a kind (its id), attendance (0) or the total (0).
OVERRIDDEN = ("quiz", "assignment", "practical", "attendance", "total")
_ITEM_MODELS = {"quiz": Quiz, "assignment": Assignment, "practical": Practical, "module": Module}


class GradebookError(Exception):
    """A refused change; `code` names the reason (the pages say it in words)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _weight(value) -> Decimal:
    try:
        weight = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise GradebookError("weight_invalid") from None
    if not weight.is_finite() or weight < 0 or weight > MAX_WEIGHT:
        raise GradebookError("weight_out_of_range")
    return weight


def _belongs(course: Course, kind: str, item_id: int) -> bool:
    """Whether the item (or module) belongs to the course; attendance (0) always does."""
    if kind == "attendance":
        return item_id == 0
    model = _ITEM_MODELS.get(kind)
    if model is None:
        return False
    return db.session.scalar(select(model.course_id).where(model.id == item_id)) == course.id


def set_grading(course: Course, rule: str, weights: dict[tuple[str, int], object], actor) -> None:
    """Set the course's grading rule and the weights of its items and modules (0..1000, two decimals; 1 is the
    default and is not stored). Refuses a weight out of range or of another course's item, changing nothing."""
    if rule not in GRADING_RULES:
        raise GradebookError("rule_unknown")
    clean = {}
    for (kind, item_id), value in weights.items():
        if not _belongs(course, kind, item_id):
            raise GradebookError("not_of_course")
        clean[(kind, item_id)] = _weight(value)
    previous = course.grading_rule
    course.grading_rule = rule
    db.session.execute(delete(Weight).where(Weight.course_id == course.id))
    db.session.add_all(Weight(course_id=course.id, kind=k, item_id=i, weight=w)
                       for (k, i), w in clean.items() if w != 1)
    audit.record("gradebook.grading_set", actor=actor, target=course, rule=rule, previous=previous,
                 weights={f"{k}:{i}": str(w) for (k, i), w in sorted(clean.items()) if w != 1})
    db.session.commit()


def set_grading_rule(course: Course, rule: str, actor) -> None:
    """Set only the course's grading rule (the course settings form), keeping its weights."""
    if rule not in GRADING_RULES:
        raise GradebookError("rule_unknown")
    if rule != course.grading_rule:
        audit.record("gradebook.grading_set", actor=actor, target=course, rule=rule, previous=course.grading_rule)
        course.grading_rule = rule


def override(course: Course, enrolment: Enrolment, kind: str, item_id: int, percent, reason: str, actor) -> Override:
    """Set (or change) one trainee's result of an item, of attendance or of the total, with the reason (required,
    at most 500 characters); it replaces the computed value in the gradebook until removed."""
    if enrolment.course_id != course.id:
        raise GradebookError("not_of_course")
    if kind not in OVERRIDDEN or (kind in ("attendance", "total") and item_id != 0):
        raise GradebookError("kind_unknown")
    if kind != "total" and not _belongs(course, kind, item_id):
        raise GradebookError("not_of_course")
    reason = (reason or "").strip()
    if not reason:
        raise GradebookError("reason_required")
    if len(reason) > MAX_REASON:
        raise GradebookError("reason_too_long")
    try:
        value = Decimal(str(percent)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise GradebookError("percent_invalid") from None
    if not value.is_finite() or value < 0 or value > 100:
        raise GradebookError("percent_out_of_range")
    row = db.session.scalar(select(Override).where(Override.enrolment_id == enrolment.id, Override.kind == kind,
                                                   Override.item_id == item_id))
    previous = None if row is None else str(row.percent)
    actor_id = actor.id if actor is not None else None
    if row is None:
        row = Override(enrolment_id=enrolment.id, kind=kind, item_id=item_id)
    row.percent, row.reason, row.set_by_id, row.set_at = value, reason, actor_id, clock.now()
    db.session.add(row)
    db.session.flush()
    # The event is about the enrolment (an override may be removed later; the trainee's anonymisation finds and
    # scrubs the events of their enrolments, the reason with them).
    audit.record("gradebook.override_set", actor=actor, target=enrolment, course_id=course.id, kind=kind,
                 item_id=item_id, percent=str(value), previous=previous, reason=reason)
    db.session.commit()
    return row


def remove_override(course: Course, enrolment: Enrolment, kind: str, item_id: int, actor) -> bool:
    """Remove one override (the computed value shows again); False when there was none."""
    if enrolment.course_id != course.id:
        raise GradebookError("not_of_course")
    row = db.session.scalar(select(Override).where(Override.enrolment_id == enrolment.id, Override.kind == kind,
                                                   Override.item_id == item_id))
    if row is None:
        return False
    audit.record("gradebook.override_removed", actor=actor, target=enrolment, course_id=course.id, kind=kind,
                 item_id=item_id, percent=str(row.percent))
    db.session.delete(row)
    db.session.commit()
    return True


def record_export(actor, course: Course, run_id: int | None, fmt: str, rows: int) -> None:
    """Audit a gradebook export (its action starts with "export." like the reports' exports)."""
    institution_id = actor.institution_id if actor is not None and actor.role == "coordinator" else None
    audit.record("export.gradebook", actor=actor, target=course, institution_id=institution_id, format=fmt,
                 run_id=run_id, rows=rows)
    db.session.commit()
