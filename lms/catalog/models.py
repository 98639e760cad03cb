"""Course, its topics, modules, lessons and images."""
from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.types import UTCDateTime, utcnow
from lms.extensions import db


def new_outline_stamp() -> str:
    """A fresh value for Course.outline_stamp."""
    return secrets.token_hex(8)


COURSE_STATUSES = ("draft", "published", "archived")
LESSON_RULES = ("all", "none")
QUIZ_RULES = ("all", "final", "none")
# Attendance of training sessions the completion rule asks for (lms.attendance.figures.meeting_rule).
ATTENDANCE_RULES = ("none", "all", "at_least", "named")
# Assignments and practical assessments the completion rule asks to be passed (marks released).
ASSESSED_RULES = ("all", "none")
# How the gradebook totals a trainee's row (lms.gradebook): the mean of the items' percentages, or weights
# per item or per module (lms.gradebook.models.Weight).
GRADING_RULES = ("mean", "item_weights", "module_weights")


class Course(db.Model):
    """A course: the unit of enrolment, completion and certificates."""

    __tablename__ = "courses"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'published', 'archived')", name="status_known"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("completion_lessons IN ('all', 'none')", name="completion_lessons_known"),
        CheckConstraint("completion_quizzes IN ('all', 'final', 'none')", name="completion_quizzes_known"),
        CheckConstraint(
            "certificate_validity_months IS NULL OR certificate_validity_months > 0", name="validity_positive"
        ),
        CheckConstraint("completion_attendance IN ('none', 'all', 'at_least', 'named')",
                        name="completion_attendance_known"),
        CheckConstraint("completion_attendance <> 'at_least' OR completion_attendance_min >= 1",
                        name="attendance_min_positive"),
        CheckConstraint("sign_up_cutoff_hours >= 0", name="cutoff_not_negative"),
        CheckConstraint("completion_assignments IN ('all', 'none')", name="completion_assignments_known"),
        CheckConstraint("completion_practicals IN ('all', 'none')", name="completion_practicals_known"),
        CheckConstraint("grading_rule IN ('mean', 'item_weights', 'module_weights')", name="grading_rule_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    # BCP 47 language tag of the content, e.g. "en" or "uk".
    language: Mapped[str] = mapped_column(String(16), index=True)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    version: Mapped[int] = mapped_column(default=1)
    estimated_hours: Mapped[Decimal] = mapped_column(Numeric(6, 1), default=Decimal("1"))
    # Learning outcomes, a list of strings.
    outcomes: Mapped[list] = mapped_column(JSON, default=list)
    self_enrolment: Mapped[bool] = mapped_column(default=True)
    # Hash of the enrolment key set by an admin; NULL = no key needed.
    enrolment_key_hash: Mapped[str | None] = mapped_column(String(255))
    certificate_validity_months: Mapped[int | None] = mapped_column()
    # The completion rule: which lessons must be viewed and which quizzes passed.
    completion_lessons: Mapped[str] = mapped_column(String(8), default="all")
    completion_quizzes: Mapped[str] = mapped_column(String(8), default="all")
    # ... and which training sessions attended (present or late): none, all, at least N, the named ones.
    completion_attendance: Mapped[str] = mapped_column(String(8), default="none", server_default="none")
    completion_attendance_min: Mapped[int | None] = mapped_column()  # N of "at_least"
    # Whether its certificates state the hours of sessions attended.
    certificate_states_hours: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Trainees sign up for (and cancel) a session until this many hours before it starts, unless it says otherwise.
    sign_up_cutoff_hours: Mapped[int] = mapped_column(default=24, server_default="24")
    # ... and which assignments and practical assessments passed (with released marks): all or none.
    completion_assignments: Mapped[str] = mapped_column(String(8), default="all", server_default="all")
    completion_practicals: Mapped[str] = mapped_column(String(8), default="all", server_default="all")
    # How the gradebook totals a row (GRADING_RULES).
    grading_rule: Mapped[str] = mapped_column(String(16), default="mean", server_default="mean")
    # Fingerprint of the last imported package; an identical re-import changes nothing.
    package_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # A new random value whenever the course's modules, lessons or quizzes change (lms.catalog.outline):
    # outlines are cached by (id, outline_stamp), in every process alike.
    outline_stamp: Mapped[str] = mapped_column(String(16), default=new_outline_stamp, server_default="")

    topics = relationship(
        "CourseTopic", cascade="all, delete-orphan", order_by="CourseTopic.topic", back_populates="course"
    )
    modules = relationship(
        "Module", cascade="all, delete-orphan", order_by="Module.position", back_populates="course"
    )

    @property
    def topic_names(self) -> list[str]:
        return [t.topic for t in self.topics]

    def __repr__(self) -> str:
        return f"<Course {self.slug}>"


class CourseTopic(db.Model):
    """A topic tag of a course, for the catalogue filter."""

    __tablename__ = "course_topics"

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)

    course = relationship("Course", back_populates="topics")


class Module(db.Model):
    """An ordered part of a course holding lessons and quizzes."""

    __tablename__ = "modules"
    __table_args__ = (UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(String(200))
    # Retired items are hidden from trainees but keep what trainees did with them.
    retired: Mapped[bool] = mapped_column(default=False)

    course = relationship("Course", back_populates="modules")
    lessons = relationship("Lesson", order_by="Lesson.position", back_populates="module")
    quizzes = relationship("Quiz", order_by="Quiz.position", back_populates="module")


class Lesson(db.Model):
    """A Markdown lesson. Its slug is unique in the course, so a lesson keeps its identity when moved."""

    __tablename__ = "lessons"
    __table_args__ = (
        UniqueConstraint("course_id", "slug"),
        CheckConstraint("minutes >= 0", name="minutes_positive"),
        Index("ix_lessons_module_id_position", "module_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(String(200))
    # Estimated reading time.
    minutes: Mapped[int] = mapped_column(default=10)
    body: Mapped[str] = mapped_column(Text, default="")
    retired: Mapped[bool] = mapped_column(default=False)

    module = relationship("Module", back_populates="lessons")


class CourseAsset(db.Model):
    """An image used by a lesson, kept with the course so a package moves whole.

    The bytes are in the platform's storage (lms.core.storage) under `storage_key`; the row holds what
    pages need without reading them (lms.catalog.assets writes both).
    """

    __tablename__ = "course_assets"
    __table_args__ = (
        UniqueConstraint("course_id", "path"),
        CheckConstraint("size >= 0", name="size_not_negative"),
        CheckConstraint("(width IS NULL AND height IS NULL) OR (width > 0 AND height > 0)", name="dimensions_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    # Module slug and file name, e.g. "ibm-concept/pillars.png" (a package's module folder holds the file).
    path: Mapped[str] = mapped_column(String(300))
    mime_type: Mapped[str] = mapped_column(String(100))
    # Where the bytes are in the storage: "course-assets/<course id>/<sha256>" (lms.catalog.assets.storage_key).
    storage_key: Mapped[str] = mapped_column(String(200))
    # Bytes, for Content-Length and the editor's list of images.
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    # Pixels, read from the file's header when it is a raster image; NULL for SVG and what cannot be read.
    width: Mapped[int | None] = mapped_column()
    height: Mapped[int | None] = mapped_column()


STAFF_ROLES = ("owner", "instructor", "trainer", "assessor")
# The roles that edit the course; a trainer only sees and marks the sessions of the runs given to them, an
# assessor only sees and marks the assessed work (assignments, practicals) of the course or of the runs given
# to them (`run_assessors`).
EDITING_ROLES = ("owner", "instructor")


class CourseStaff(db.Model):
    """A member of a course's staff: owners manage the staff, instructors edit the content, trainers see the
    trainees and mark the attendance of the runs given to them (`run_trainers`), assessors mark the assessed work
    of the course, or only of the runs given to them (`run_assessors`)."""

    __tablename__ = "course_staff"
    __table_args__ = (CheckConstraint("role IN ('owner', 'instructor', 'trainer', 'assessor')", name="role_known"),)

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(16), default="instructor")
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User")
