"""CourseRun and the institutions a run is open to."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.types import UTCDateTime, utcnow
from lms.extensions import db

# The institutions a run is open to, when it is not open to all.
course_run_institutions = Table(
    "course_run_institutions",
    db.metadata,
    Column("run_id", ForeignKey("course_runs.id", ondelete="CASCADE"), primary_key=True),
    Column("institution_id", ForeignKey("institutions.id", ondelete="CASCADE"), primary_key=True, index=True),
)

# The trainers of a run: people on the course's staff as "trainer" who see the run's trainees and mark the
# attendance of its sessions (lms.access.sessions).
run_trainers = Table(
    "run_trainers",
    db.metadata,
    Column("run_id", ForeignKey("course_runs.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)

# The runs an assessor is given: an assessor of the course (staff role "assessor") with rows here marks only
# those runs' work; without any, all of the course's (lms.access.assessment).
run_assessors = Table(
    "run_assessors",
    db.metadata,
    Column("run_id", ForeignKey("course_runs.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class CourseRun(db.Model):
    """A run (intake) of a course: its trainees learn between `starts_on` and `ends_on`.

    A course without runs is self-paced and always open; a course with runs enrols into one of them. A run
    with enrolments cannot be deleted (its enrolments' foreign key refuses it): it is cancelled instead.
    """

    __tablename__ = "course_runs"
    __table_args__ = (
        UniqueConstraint("course_id", "code"),
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        CheckConstraint("enrol_closes_on IS NULL OR enrol_closes_on <= ends_on", name="window_closes_by_end"),
        CheckConstraint("enrol_opens_on IS NULL OR enrol_closes_on IS NULL OR enrol_opens_on <= enrol_closes_on",
                        name="window_opens_before_close"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    # Short identifier, unique within the course, e.g. "2027-03".
    code: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    # The dates of the run, calendar dates (read in each reader's zone as the same dates).
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    # The enrolment window, both ends included; NULL = open from / until any time (but not after the run).
    enrol_opens_on: Mapped[date | None] = mapped_column(Date)
    enrol_closes_on: Mapped[date | None] = mapped_column(Date)
    # Places; NULL = unlimited. Past it, trainees go on the waiting list.
    capacity: Mapped[int | None] = mapped_column()
    # False: only the institutions in course_run_institutions may enrol.
    open_to_all: Mapped[bool] = mapped_column(default=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When its dates last changed (its trainees are told on their pages).
    dates_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course = relationship("Course")
    institutions = relationship("Institution", secondary=course_run_institutions, order_by="Institution.name")
    trainers = relationship("User", secondary=run_trainers, order_by="User.name")

    @property
    def cancelled(self) -> bool:
        """Whether the run was cancelled (it takes no enrolments any more)."""
        return self.cancelled_at is not None

    def __repr__(self) -> str:
        return f"<CourseRun {self.course_id}:{self.code}>"
