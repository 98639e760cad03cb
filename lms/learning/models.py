"""Enrolment, LessonProgress and Certificate."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.types import UTCDateTime, utcnow
from lms.extensions import db

# "recorded": training done elsewhere, recorded as completed by staff (lms.recorded).
ENROLMENT_SOURCES = ("self", "admin", "coordinator", "bulk", "api", "recorded")
ENROLMENT_STATUSES = ("active", "completed", "withdrawn")


class Enrolment(db.Model):
    """A trainee's enrolment in a course, one cycle of it.

    A user has at most one current enrolment per course; a new cycle (after a certificate
    expires) makes the earlier one history (`is_current` false) and keeps it.
    """

    __tablename__ = "enrolments"
    __table_args__ = (
        UniqueConstraint("user_id", "course_id", "cycle"),
        CheckConstraint("source IN ('self', 'admin', 'coordinator', 'bulk', 'api', 'recorded')", name="source_known"),
        CheckConstraint("status IN ('active', 'completed', 'withdrawn')", name="status_known"),
        CheckConstraint("status <> 'completed' OR completed_at IS NOT NULL", name="completed_has_time"),
        CheckConstraint("cycle >= 1", name="cycle_positive"),
        CheckConstraint("waiting_since IS NULL OR run_id IS NOT NULL", name="waiting_in_a_run"),
        Index(
            "uq_enrolments_current",
            "user_id",
            "course_id",
            unique=True,
            sqlite_where=text("is_current"),
            postgresql_where=text("is_current"),
        ),
        Index("ix_enrolments_course_id_status", "course_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    cycle: Mapped[int] = mapped_column(default=1)
    is_current: Mapped[bool] = mapped_column(default=True)
    # How the enrolment came about.
    source: Mapped[str] = mapped_column(String(16), default="self")
    status: Mapped[str] = mapped_column(String(16), default="active")
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    enrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # The due date as the person typed it: a calendar date, shown as that date everywhere.
    due_on: Mapped[date | None] = mapped_column(Date)
    # The moment it ends: midnight at the end of `due_on` in the trainee's zone (lms.core.when.end_of_day);
    # written with `due_on` by the enrolment services, and again when the trainee's zone changes.
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # First and last time the trainee opened a lesson or saved an answer.
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Withdrawal (status "withdrawn"): when and why (who: the audit log); cleared when restored.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
    # The run (lms.runs) the enrolment is in; NULL for a course without runs, and for enrolments made
    # before the course had runs. A run with enrolments cannot be deleted (the key's default, NO ACTION,
    # refuses it), only cancelled.
    run_id: Mapped[int | None] = mapped_column(ForeignKey("course_runs.id"), index=True)
    # On the run's waiting list since then (NULL: holds a place); the first in line is promoted when one frees.
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The language the trainee chose to read the course in (the course's own or a version's: lms.languages);
    # NULL: no choice, their interface language when the course has that version, else the course's own.
    content_language: Mapped[str | None] = mapped_column(String(16))

    # The figures kept for the reports (`lms.learning.figures`, their one writer; issue 25): what the trainee has
    # done, counted again whenever it changes, on the enrolment's own row so that a report reads one table. Every
    # item counts, live or not (a report takes off the few retired items' share); the final assessment's figures
    # are those of `final_quiz_id`, the course's final when they were counted (a report reads the quiz's own row
    # instead where the final has changed since); the certificates are the trainee's in the course over every
    # cycle. Deferred: the pages that load an enrolment never read them.
    lessons_viewed: Mapped[int] = mapped_column(default=0, server_default="0", deferred=True, deferred_group="figures")
    # Attempts, in progress or closed, at every quiz of the course.
    attempts: Mapped[int] = mapped_column(default=0, server_default="0", deferred=True, deferred_group="figures")
    # The sum over the quizzes of the best percent of their closed attempts (`QuizFigures.best`, 0 for none).
    score_sum: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=0, server_default="0", deferred=True,
                                               deferred_group="figures")
    quizzes_passed: Mapped[int] = mapped_column(default=0, server_default="0", deferred=True, deferred_group="figures")
    # Assignments and practical assessments passed (a current, released, passed mark or record).
    assessed_passed: Mapped[int] = mapped_column(default=0, server_default="0", deferred=True, deferred_group="figures")
    # No foreign key: a pointer checked when read (a report compares it with the course's final of the moment).
    final_quiz_id: Mapped[int | None] = mapped_column(deferred=True, deferred_group="figures")
    final_submitted: Mapped[int] = mapped_column(default=0, server_default="0", deferred=True, deferred_group="figures")
    final_passed: Mapped[int] = mapped_column(default=0, server_default="0", deferred=True, deferred_group="figures")
    # The trainee's certificates in the course (every cycle): how many, 1 if one is valid and never expires, and
    # the latest expiry of those not revoked; what `lms.reports.facts.certification` decides from.
    certificates_held: Mapped[int] = mapped_column(default=0, server_default="0", deferred=True,
                                                   deferred_group="figures")
    certificate_lasting: Mapped[int] = mapped_column(default=0, server_default="0", deferred=True,
                                                     deferred_group="figures")
    certificate_best_expiry: Mapped[datetime | None] = mapped_column(UTCDateTime, deferred=True,
                                                                     deferred_group="figures")
    user = relationship("User", foreign_keys=[user_id])
    course = relationship("Course")
    run = relationship("CourseRun")

    @property
    def waiting(self) -> bool:
        """Whether the trainee is on the waiting list of the run (no place yet, so no learning yet)."""
        return self.waiting_since is not None and self.status != "withdrawn"


class LessonProgress(db.Model):
    """That an enrolled trainee has viewed a lesson, in one enrolment cycle."""

    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("enrolment_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    first_viewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_viewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuizFigures(db.Model):
    """An enrolment's attempts at one quiz, kept as the enrolment's figures are (the same writer): the reports read a
    course's final assessment, and the share of retired quizzes, from here. "Closed" is the attempt's status: an
    attempt still in progress past its deadline counts as closed from that moment on, which the reports add."""

    __tablename__ = "quiz_figures"
    # By quiz: the reports look up the rows of the final assessments and of retired quizzes.
    __table_args__ = (Index("ix_quiz_figures_quiz_id", "quiz_id"),)

    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), primary_key=True)
    attempts: Mapped[int] = mapped_column(default=0)
    # The best percent of the closed attempts (0 for one closed but not graded); NULL: none closed.
    best: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    passed: Mapped[int] = mapped_column(default=0)  # 1: an attempt passed
    submitted: Mapped[int] = mapped_column(default=0)  # 1: an attempt is closed


class Certificate(db.Model):
    """A certificate of completion with an unguessable verification code.

    The holder's name, the course title and the institution are kept as issued: a
    certificate is a document of the moment it was issued.
    """

    __tablename__ = "certificates"
    __table_args__ = (
        CheckConstraint("revoked_at IS NULL OR revoked_reason IS NOT NULL", name="revocation_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Random, URL-safe, at least 128 bits of entropy.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    # NULL once the holder was anonymised: the certificate still verifies, without a name.
    holder_name: Mapped[str | None] = mapped_column(String(200))
    course_title: Mapped[str] = mapped_column(String(200))
    institution_name: Mapped[str | None] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # The hours of training sessions attended, as issued, when the course's certificates state them.
    attended_hours: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))

    holder = relationship("User", foreign_keys=[user_id])
    enrolment = relationship("Enrolment")

    def status(self, now: datetime) -> str:
        """valid, expired or revoked, at `now`."""
        if self.revoked_at is not None:
            return "revoked"
        if self.lapsed(now):
            return "expired"
        return "valid"

    def lapsed(self, now: datetime) -> bool:
        """Whether its expiry date has passed at `now`, revoked or not: its holder may then enrol in a new
        cycle of the course (the enrolment service and the course page both ask this)."""
        return self.expires_at is not None and self.expires_at <= now


class Feedback(db.Model):
    """A trainee's end-of-course feedback: a rating and a comment (Kirkpatrick level 1, reaction)."""

    __tablename__ = "feedback"
    __table_args__ = (CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), unique=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    rating: Mapped[int] = mapped_column()
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
