"""The gradebook's settings and corrections: the weights of a course's grading rule (`Weight`) and the results
staff override with a reason (`Override`).

The gradebook's cells themselves are never stored: they are read from the quizzes' attempts, the assignments'
marks, the practicals' records and the attendance marks (lms.gradebook.queries), so they cannot disagree
with them. What is stored is what staff decide: how items weigh, and a result set by hand.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.types import UTCDateTime, utcnow
from lms.extensions import db

# The graded things a weight or an override names: an item of a kind, a module (weights per module),
# the attendance of the course's sessions, and the total (an override of the whole row).
GRADED = ("quiz", "assignment", "practical", "attendance", "module", "total")
GRADING_RULES = ("mean", "item_weights", "module_weights")
MAX_REASON = 500


class Weight(db.Model):
    """How much one item (or one module) counts in a course's total, under the rule `item_weights` or
    `module_weights`; an item without a weight counts 1."""

    __tablename__ = "grade_weights"
    __table_args__ = (
        CheckConstraint("kind IN ('quiz', 'assignment', 'practical', 'attendance', 'module')", name="kind_known"),
        CheckConstraint("weight >= 0", name="weight_not_negative"),
    )

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12), primary_key=True)
    # The item's (or module's) id; 0 for attendance, which is one per course.
    item_id: Mapped[int] = mapped_column(primary_key=True)
    weight: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal(1))


class Override(db.Model):
    """A result set by staff for one trainee (an item's percentage, or the total), with the reason (audited).
    It replaces the computed value in the gradebook until it is removed."""

    __tablename__ = "grade_overrides"
    __table_args__ = (
        UniqueConstraint("enrolment_id", "kind", "item_id"),
        CheckConstraint("kind IN ('quiz', 'assignment', 'practical', 'attendance', 'total')", name="kind_known"),
        CheckConstraint("percent BETWEEN 0 AND 100", name="percent_bounded"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    # The item's id; 0 for attendance and the total.
    item_id: Mapped[int] = mapped_column(default=0)
    percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    reason: Mapped[str] = mapped_column(String(MAX_REASON))
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    set_by = relationship("User")
