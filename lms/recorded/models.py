"""RecordedCompletion: the details of a completion recorded by staff for training done elsewhere."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.types import UTCDateTime, utcnow
from lms.extensions import db

REASON_MAX = 1000  # characters; shown on the record and kept in the audit log
HOURS_MAX = Decimal("1000")


class RecordedCompletion(db.Model):
    """How a completed enrolment of source "recorded" came about: training on paper or on an earlier
    platform, recorded by an admin or a coordinator. One row per enrolment (its key)."""

    __tablename__ = "recorded_completions"
    __table_args__ = (
        CheckConstraint("hours IS NULL OR (hours > 0 AND hours <= 1000)", name="hours_range"),
        CheckConstraint("evidence_key IS NULL OR (evidence_name IS NOT NULL AND evidence_type IS NOT NULL "
                        "AND evidence_size IS NOT NULL)", name="evidence_described"),
    )

    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), primary_key=True)
    # The day the training was completed, as typed (a calendar date; `Enrolment.completed_at` is its noon in the
    # trainee's zone, so that every report reads the same day).
    completed_on: Mapped[date] = mapped_column(Date)
    # Hours of training, when known.
    hours: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    # Why it is recorded by hand (where the training was, what proves it): free text about the person.
    reason: Mapped[str] = mapped_column(Text)
    # The evidence file in the storage (lms.core.storage): its key, the name it was uploaded with, its type
    # as read from its content, and its size in bytes. NULL when none was given.
    evidence_key: Mapped[str | None] = mapped_column(String(512))
    evidence_name: Mapped[str | None] = mapped_column(String(200))
    evidence_type: Mapped[str | None] = mapped_column(String(64))
    evidence_size: Mapped[int | None] = mapped_column()
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    enrolment = relationship("Enrolment")
