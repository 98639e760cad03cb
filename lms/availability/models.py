"""Condition: one condition an item (a lesson or a quiz) waits for before it opens to a trainee."""
from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db

# What a condition waits for: a lesson viewed; a quiz passed (with at least `min_percent` when set); any
# completed enrolment of the person in the course named by slug; a date; a number of days after the run's start.
CONDITION_KINDS = ("lesson", "quiz", "course", "date", "run_days")
DATE_KINDS = ("date", "run_days")


class Condition(db.Model):
    """One condition of an item; all of an item's conditions must hold (AND), and it has at most one date.

    The item is a lesson or a quiz of `course_id` (exactly one of `lesson_id`, `quiz_id`). A condition on a
    lesson or quiz names one of the same course (the services refuse others, and cycles).
    """

    __tablename__ = "availability_conditions"
    __table_args__ = (
        CheckConstraint("(lesson_id IS NULL) <> (quiz_id IS NULL)", name="one_item"),
        CheckConstraint("kind IN ('lesson', 'quiz', 'course', 'date', 'run_days')", name="kind_known"),
        CheckConstraint("kind <> 'lesson' OR needs_lesson_id IS NOT NULL", name="lesson_named"),
        CheckConstraint("kind <> 'quiz' OR needs_quiz_id IS NOT NULL", name="quiz_named"),
        CheckConstraint("kind <> 'course' OR needs_course_slug IS NOT NULL", name="course_named"),
        CheckConstraint("kind <> 'date' OR opens_on IS NOT NULL", name="date_given"),
        CheckConstraint("kind <> 'run_days' OR days_after_start IS NOT NULL", name="days_given"),
        CheckConstraint("min_percent IS NULL OR (kind = 'quiz' AND min_percent BETWEEN 0 AND 100)",
                        name="min_percent_of_quiz"),
        CheckConstraint("days_after_start IS NULL OR days_after_start BETWEEN 0 AND 3650", name="days_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The course of the item, so that a course's conditions are read in one statement.
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    # The item the condition holds back: a lesson or a quiz.
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    quiz_id: Mapped[int | None] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    # kind "lesson": the lesson to have viewed; kind "quiz": the quiz to have passed.
    needs_lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    needs_quiz_id: Mapped[int | None] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    # kind "quiz": the least best percent besides passing; NULL = passing is enough.
    min_percent: Mapped[int | None] = mapped_column()
    # kind "course": the slug of a course of which the person holds any completed enrolment. A slug, not a key:
    # a package may name a course another installation imports later.
    needs_course_slug: Mapped[str | None] = mapped_column(String(80))
    # kind "date": a calendar date, read in the trainee's zone.
    opens_on: Mapped[date | None] = mapped_column(Date)
    # kind "run_days": days after the start of the trainee's run (no run: the condition does not apply).
    days_after_start: Mapped[int | None] = mapped_column()

    @property
    def item(self) -> tuple[str, int]:
        """("lesson" | "quiz", id) of the item the condition holds back."""
        return ("lesson", self.lesson_id) if self.lesson_id is not None else ("quiz", self.quiz_id)
