"""Assignment (work a person assesses), its Submissions with their files, the assessors' Marks, and the
due-date extensions given to one trainee.

These models sit below learning (its completion counts assignments passed), so they name the tables above
them (`enrolments`, `course_runs`) only by their keys, never by importing their models.

A trainee's work on an assignment is a chain of submissions numbered 1, 2, ...: a draft until submitted,
then marked, or returned for another try (a new submission, numbered one more, as many times as
`resubmissions` allows). A mark is never overwritten: a re-mark supersedes it (`superseded_at`), so each
submission's history stays readable. A mark keeps a copy of the rubric it was given with (`rubric`), so a
rubric changed later does not change what an earlier mark meant.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON, CheckConstraint, Date, ForeignKey, Index, Numeric, String, Text, UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.judgements import Judgement
from lms.core.types import UTCDateTime, utcnow
from lms.extensions import db

ACCEPTS = ("text", "files", "both")
SUBMISSION_STATUSES = ("draft", "submitted", "marked", "returned")
OUTCOMES = ("marked", "returned")
# The kinds of file an assignment may allow, by name (lms.core.uploads.KINDS says how each is recognised).
DEFAULT_FILE_KINDS = "pdf,docx,odt,xlsx,ods,pptx,jpg,png"
# Bounds of an assignment's settings: the editor's, the package check's and the database's.
MAX_FILE_MB = 50
MAX_FILES = 20
MAX_RESUBMISSIONS = 10
# Characters of a submission's text and of a mark's feedback.
MAX_SUBMISSION_TEXT = 100_000
MAX_FEEDBACK_TEXT = 20_000


class Assignment(db.Model):
    """Written work of a module, assessed by a person: what to do, what may be handed in, by when, and how it
    is marked (a score out of `max_score`, or the rubric's points)."""

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("course_id", "slug"),
        CheckConstraint("accepts IN ('text', 'files', 'both')", name="accepts_known"),
        CheckConstraint(f"max_file_mb BETWEEN 1 AND {MAX_FILE_MB}", name="max_file_mb_bounded"),
        CheckConstraint(f"max_files BETWEEN 1 AND {MAX_FILES}", name="max_files_bounded"),
        CheckConstraint(f"resubmissions BETWEEN 0 AND {MAX_RESUBMISSIONS}", name="resubmissions_bounded"),
        CheckConstraint("max_score > 0", name="max_score_positive"),
        CheckConstraint("pass_mark BETWEEN 0 AND 100", name="pass_mark_percent"),
        Index("ix_assignments_module_id_position", "module_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(80))
    # Shares the order of the module's lessons and quizzes.
    position: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(String(200))
    # Markdown, rendered by the one renderer (lms.core.markdown).
    instructions: Mapped[str] = mapped_column(Text, default="")
    # What may be handed in: a text written on the page, files, or both.
    accepts: Mapped[str] = mapped_column(String(8), default="both")
    # The kinds of file allowed, comma-separated names of lms.core.uploads.KINDS ("pdf,docx,zip").
    file_kinds: Mapped[str] = mapped_column(String(200), default=DEFAULT_FILE_KINDS)
    max_file_mb: Mapped[int] = mapped_column(default=10)
    max_files: Mapped[int] = mapped_column(default=3)
    # The due date; NULL = the end of the trainee's run, else their enrolment's due date, else none.
    due_on: Mapped[date | None] = mapped_column(Date)
    late_allowed: Mapped[bool] = mapped_column(default=True)
    # How many times work returned for resubmission may be handed in again.
    resubmissions: Mapped[int] = mapped_column(default=1)
    # The score a mark is out of (without a rubric; with one, the rubric's highest total).
    max_score: Mapped[int] = mapped_column(default=100)
    # Percent of the maximum needed to pass.
    pass_mark: Mapped[int] = mapped_column(default=50)
    # The rubric: [{"title", "description", "levels": [{"title", "points"}, ...]}, ...], or NULL for a score.
    rubric: Mapped[list | None] = mapped_column(JSON)
    # One more at each change of the rubric; a mark records the version it was given with.
    rubric_version: Mapped[int] = mapped_column(default=1)
    # Assessors see "Trainee 1234" instead of names while marking.
    hide_names: Mapped[bool] = mapped_column(default=False)
    # Marks are held back until staff release them together (a held-back mark completes nothing).
    hold_marks: Mapped[bool] = mapped_column(default=False)
    retired: Mapped[bool] = mapped_column(default=False)

    module = relationship("Module")
    course = relationship("Course")


class Submission(db.Model):
    """One try of a trainee at an assignment (numbered from 1): a draft until submitted, then marked or
    returned for another try."""

    __tablename__ = "assignment_submissions"
    __table_args__ = (
        UniqueConstraint("assignment_id", "enrolment_id", "number"),
        CheckConstraint("status IN ('draft', 'submitted', 'marked', 'returned')", name="status_known"),
        CheckConstraint("number >= 1", name="number_positive"),
        Index("ix_assignment_submissions_assignment_id_status", "assignment_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    number: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the draft was last saved (autosave or the button).
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Handed in after its due date (allowed by the assignment or an extension).
    late: Mapped[bool] = mapped_column(default=False)
    # One more at every mark written: a marker's form carries the version it was opened on, so a second
    # assessor marking at the same time is told instead of overwriting.
    version: Mapped[int] = mapped_column(default=0)

    assignment = relationship("Assignment")
    files = relationship("SubmissionFile", order_by="SubmissionFile.id", cascade="all, delete-orphan",
                         back_populates="submission")
    marks = relationship("Mark", order_by="Mark.id", back_populates="submission")


class SubmissionFile(db.Model):
    """A file handed in with a submission, kept in the platform's storage under a key naming nothing personal."""

    __tablename__ = "assignment_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("assignment_submissions.id", ondelete="CASCADE"),
                                               index=True)
    storage_key: Mapped[str] = mapped_column(String(200))
    # The name it was uploaded with, made safe (lms.core.uploads.clean_name); shown and used on download.
    name: Mapped[str] = mapped_column(String(200))
    # Read from the content, never from the name or the browser.
    mime_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    submission = relationship("Submission", back_populates="files")


class Mark(Judgement, db.Model):
    """An assessor's judgement of a submission: marked (a score, pass or not) or returned for resubmission,
    with feedback and optionally a file; held back until released when the assignment says so."""

    __tablename__ = "assignment_marks"
    __table_args__ = (
        CheckConstraint("outcome IN ('marked', 'returned')", name="outcome_known"),
        CheckConstraint("score IS NULL OR score >= 0", name="score_not_negative"),
        CheckConstraint("percent IS NULL OR percent BETWEEN 0 AND 100", name="percent_bounded"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("assignment_submissions.id", ondelete="CASCADE"),
                                               index=True)
    assessor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    outcome: Mapped[str] = mapped_column(String(10))
    # The score (out of the assignment's maximum, or the rubric's points) and its percentage.
    score: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    passed: Mapped[bool] = mapped_column(default=False)
    feedback: Mapped[str] = mapped_column(Text, default="")
    # An optional feedback file, in the storage like the submission's.
    feedback_key: Mapped[str | None] = mapped_column(String(200))
    feedback_name: Mapped[str | None] = mapped_column(String(200))
    feedback_mime: Mapped[str | None] = mapped_column(String(100))
    feedback_size: Mapped[int | None] = mapped_column()
    # The rubric as it was when this mark was given, its version, and the level chosen per criterion.
    rubric: Mapped[list | None] = mapped_column(JSON)
    rubric_version: Mapped[int | None] = mapped_column()
    levels: Mapped[list | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # NULL while held back: the trainee sees nothing of it and it completes nothing.
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Set when a re-mark replaced it; the current mark of a submission is the one without.
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    submission = relationship("Submission", back_populates="marks")
    assessor = relationship("User")


class Extension(db.Model):
    """A later due date for one trainee's work on one assignment (given by staff, audited)."""

    __tablename__ = "assignment_extensions"

    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), primary_key=True, index=True)
    due_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(500), default="")
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
