"""Practical (an observed skills assessment), its Criteria, and the assessor's signed Records of one trainee
with a Result per criterion and Evidence files.

These models sit below learning (its completion counts practicals passed), so they name the tables above
them (`enrolments`) only by their keys.

A record is the assessor's sign-off: each criterion met, not met or not observed, with a comment; the date
and place of the assessment; passed when every critical criterion is met and the share of criteria met
reaches the pass mark. A record is never overwritten: a new assessment supersedes it (`superseded_at`).
Criteria a record was made with are retired, not deleted, when the checklist changes, so an old record
still reads as it was signed.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.judgements import Judgement
from lms.core.types import UTCDateTime, utcnow
from lms.extensions import db

RESULTS = ("met", "not_met", "not_observed")
# Characters of a criterion's text and of a comment.
MAX_CRITERION_TEXT = 500
MAX_COMMENT = 2_000
# Criteria of one checklist: the editor's, the package check's bound.
MAX_CRITERIA = 100


class Practical(db.Model):
    """A practical assessment of a module: what the trainee does while an assessor observes, and the checklist
    the assessor fills in."""

    __tablename__ = "practicals"
    __table_args__ = (
        UniqueConstraint("course_id", "slug"),
        CheckConstraint("pass_mark BETWEEN 0 AND 100", name="pass_mark_percent"),
        Index("ix_practicals_module_id_position", "module_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(String(200))
    # Markdown: the task, the equipment, the conditions (lms.core.markdown).
    instructions: Mapped[str] = mapped_column(Text, default="")
    # Percent of the (live) criteria that must be met, besides every critical one.
    pass_mark: Mapped[int] = mapped_column(default=100)
    # Records are held back until staff release them together.
    hold_marks: Mapped[bool] = mapped_column(default=False)
    retired: Mapped[bool] = mapped_column(default=False)

    module = relationship("Module")
    course = relationship("Course")
    criteria = relationship("Criterion", order_by="Criterion.position", back_populates="practical",
                            cascade="all, delete-orphan")


class Criterion(db.Model):
    """One observable criterion of a checklist ("checks the seal number against the declaration")."""

    __tablename__ = "practical_criteria"
    __table_args__ = (UniqueConstraint("practical_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    practical_id: Mapped[int] = mapped_column(ForeignKey("practicals.id", ondelete="CASCADE"), index=True)
    # Stable within the checklist, so a package import matches criteria across versions.
    slug: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column()
    text: Mapped[str] = mapped_column(String(MAX_CRITERION_TEXT))
    # Must be met to pass, whatever the others.
    critical: Mapped[bool] = mapped_column(default=False)
    # No longer on the checklist; kept for the records that were signed with it.
    retired: Mapped[bool] = mapped_column(default=False)

    practical = relationship("Practical", back_populates="criteria")


class Record(Judgement, db.Model):
    """An assessor's signed-off assessment of one trainee in a practical."""

    __tablename__ = "practical_records"
    __table_args__ = (
        CheckConstraint("percent BETWEEN 0 AND 100", name="percent_bounded"),
        Index("ix_practical_records_practical_id_enrolment_id", "practical_id", "enrolment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practical_id: Mapped[int] = mapped_column(ForeignKey("practicals.id", ondelete="CASCADE"))
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    assessor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # The day and place of the assessment, as the assessor states them when signing off.
    assessed_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    # Share of the criteria met, and the outcome (every critical criterion met and the share at the pass mark).
    percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    passed: Mapped[bool] = mapped_column(default=False)
    # Entered afterwards from the printed checklist (not filled in at the site).
    from_paper: Mapped[bool] = mapped_column(default=False)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # NULL while held back: the trainee sees nothing of it and it completes nothing.
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Set when a later assessment replaced it; the current record is the one without.
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    practical = relationship("Practical")
    assessor = relationship("User", foreign_keys=[assessor_id])
    results = relationship("Result", cascade="all, delete-orphan", back_populates="record")
    evidence = relationship("Evidence", order_by="Evidence.id", cascade="all, delete-orphan",
                            back_populates="record")


class Result(db.Model):
    """A criterion met, not met or not observed in one record, with the assessor's comment."""

    __tablename__ = "practical_results"
    __table_args__ = (CheckConstraint("result IN ('met', 'not_met', 'not_observed')", name="result_known"),)

    record_id: Mapped[int] = mapped_column(ForeignKey("practical_records.id", ondelete="CASCADE"), primary_key=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("practical_criteria.id"), primary_key=True, index=True)
    result: Mapped[str] = mapped_column(String(12))
    comment: Mapped[str] = mapped_column(String(MAX_COMMENT), default="")

    record = relationship("Record", back_populates="results")
    criterion = relationship("Criterion")


class Evidence(db.Model):
    """A photo or file attached to a record, in the platform's storage."""

    __tablename__ = "practical_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("practical_records.id", ondelete="CASCADE"), index=True)
    storage_key: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    mime_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    record = relationship("Record", back_populates="evidence")
