"""TrainingSession (a workshop, webinar or practical of a run or course), its trainers, sign-ups and marks.

These models sit below learning (its completion counts attendance), so they name the tables above them
(`enrolments`, `course_runs`) only by their keys, never by importing their models. Their writers are in
`lms.sessions.services`.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.types import UTCDateTime, utcnow
from lms.extensions import db

SESSION_KINDS = ("in_person", "online", "practical")
MARKS = ("present", "absent", "excused", "late")
# The marks that count as attended: in the attendance rate, the hours and the completion rule.
ATTENDED = ("present", "late")

# The trainers of a session (shown to trainees; they may mark its register).
session_trainers = Table(
    "training_session_trainers",
    db.metadata,
    Column("session_id", ForeignKey("training_sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class TrainingSession(db.Model):
    """A session of a course run (or of a course without runs): a time, a place or a link, places.

    Times are stored in UTC with the IANA zone of the place (`zone`), so a session at 09:00 in Kyiv stays at
    09:00 there across a change of summer time, and each reader sees it in their own zone. A session with
    sign-ups or marks is cancelled, never deleted.
    """

    __tablename__ = "training_sessions"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("kind IN ('in_person', 'online', 'practical')", name="kind_known"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        CheckConstraint("cutoff_hours IS NULL OR cutoff_hours >= 0", name="cutoff_not_negative"),
        Index("ix_training_sessions_course_id_run_id", "course_id", "run_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    # The run it belongs to; NULL for a course without runs (and the enrolments in no run).
    run_id: Mapped[int | None] = mapped_column(ForeignKey("course_runs.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="in_person")
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The IANA time zone of the place ("Europe/Kyiv"): the times as staff typed them.
    zone: Mapped[str] = mapped_column(String(64))
    location: Mapped[str] = mapped_column(String(300), default="")
    # The link of an online session (http or https only).
    online_url: Mapped[str | None] = mapped_column(String(500))
    # Places; NULL = no limit. Past it, sign-ups go on the session's waiting list.
    capacity: Mapped[int | None] = mapped_column()
    # Markdown, rendered by the one renderer (lms.core.markdown).
    description: Mapped[str] = mapped_column(Text, default="")
    # One of the named sessions the course's completion rule "named" requires.
    required: Mapped[bool] = mapped_column(default=False)
    # Sign-ups close this many hours before the start; NULL = the course's setting.
    cutoff_hours: Mapped[int | None] = mapped_column()
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When its times last changed (trainees are told on their pages).
    rescheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course = relationship("Course")
    run = relationship("CourseRun")
    trainers = relationship("User", secondary=session_trainers, order_by="User.name")

    @property
    def cancelled(self) -> bool:
        """Whether the session was cancelled."""
        return self.cancelled_at is not None

    def __repr__(self) -> str:
        return f"<TrainingSession {self.id} {self.title!r}>"


class SessionSignUp(db.Model):
    """A person's sign-up for a session: a place, or the session's waiting list; cancelled ones are kept.

    One live (not cancelled) sign-up per person and session, by a partial unique index.
    """

    __tablename__ = "session_sign_ups"
    __table_args__ = (
        Index("uq_session_sign_ups_live", "session_id", "user_id", unique=True,
              sqlite_where=text("cancelled_at IS NULL"), postgresql_where=text("cancelled_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The enrolment it was made under (the run's or course's), for the figures of that cycle.
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("enrolments.id"), index=True)
    signed_up_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # On the session's waiting list since then (NULL: holds a place).
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    session = relationship("TrainingSession")
    user = relationship("User")


class AttendanceMark(db.Model):
    """Whether a person attended a session: present, absent, excused or late (one mark per person and session;
    each change is in the audit log with what it was)."""

    __tablename__ = "attendance_marks"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id"),
        CheckConstraint("status IN ('present', 'absent', 'excused', 'late')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(8))
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
