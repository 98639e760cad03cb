"""Quiz, Question, Choice, and the trainee's QuizAttempt with its AttemptAnswers, and the answers received
late after an outage (LateAnswers) that wait for the quiz's staff."""
from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON, CheckConstraint, Float, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, and_, false, text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.types import UTCDateTime, utcnow
from lms.extensions import db

# Characters of a question's text and explanation, and of one choice: the question editor's, the GIFT
# import's and the package check's bound (each is Markdown; see lms.core.markdown.limits for the others).
MAX_QUESTION_TEXT = 10_000
MAX_CHOICE_TEXT = 2_000
QUESTION_KINDS = ("single_choice", "multiple_choice", "true_false", "short_text", "numeric")
LAYOUTS = ("all", "single")
REVIEW_POLICIES = ("after_submit", "after_pass", "after_last_attempt", "never")
ATTEMPT_STATUSES = ("in_progress", "submitted", "expired")
# Answers are still accepted this long after an attempt's deadline, for network lag on slow connections;
# past it the attempt counts as closed (the quiz engine, the reports).
GRACE_SECONDS = 30
LATE_SOURCES = ("device", "file")
LATE_STATUSES = ("pending", "accepted", "rejected")


def new_attempt_token() -> str:
    """A fresh attempt token: random, unguessable, naming the attempt in a "Download my answers" file."""
    return secrets.token_urlsafe(16)


class Quiz(db.Model):
    """A quiz of a module with its settings; the course's final assessment has `is_final`."""

    __tablename__ = "quizzes"
    __table_args__ = (
        UniqueConstraint("course_id", "slug"),
        CheckConstraint("pass_mark BETWEEN 0 AND 100", name="pass_mark_percent"),
        CheckConstraint("attempts_allowed >= 0", name="attempts_positive"),
        CheckConstraint("time_limit_minutes IS NULL OR time_limit_minutes > 0", name="time_limit_positive"),
        CheckConstraint("draw_count IS NULL OR draw_count > 0", name="draw_positive"),
        CheckConstraint("layout IN ('all', 'single')", name="layout_known"),
        CheckConstraint(
            "review IN ('after_submit', 'after_pass', 'after_last_attempt', 'never')", name="review_known"
        ),
        Index("ix_quizzes_module_id_position", "module_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(80))
    # Shares the order of the module's lessons, so a quiz can sit between two lessons.
    position: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(String(200))
    is_final: Mapped[bool] = mapped_column(default=False)
    # Percent of the points needed to pass.
    pass_mark: Mapped[int] = mapped_column(default=70)
    # 0 means unlimited.
    attempts_allowed: Mapped[int] = mapped_column(default=0)
    time_limit_minutes: Mapped[int | None] = mapped_column()
    # Questions drawn at random per attempt; NULL = the whole bank.
    draw_count: Mapped[int | None] = mapped_column()
    shuffle_questions: Mapped[bool] = mapped_column(default=True)
    shuffle_choices: Mapped[bool] = mapped_column(default=True)
    layout: Mapped[str] = mapped_column(String(8), default="all")
    # When right answers and explanations are shown in review.
    review: Mapped[str] = mapped_column(String(20), default="after_submit")
    retired: Mapped[bool] = mapped_column(default=False)
    # Answers saved on a device before the deadline but received after it (an outage) are applied at once and
    # the attempt regraded, instead of waiting for the staff's decision: for practice quizzes only (issue 24), so
    # never for the final assessment (`accepts_late_answers`; the editor and the package check refuse it).
    accept_late_answers: Mapped[bool] = mapped_column(default=False, server_default=false())

    module = relationship("Module", back_populates="quizzes")

    @property
    def accepts_late_answers(self) -> bool:
        """Whether late answers after an outage count at once: set, and not the final assessment, whose late
        answers always wait for staff (a quiz made final after the setting was ticked keeps it unused)."""
        return bool(self.accept_late_answers) and not self.is_final

    questions = relationship(
        "Question", order_by="Question.position", back_populates="quiz", cascade="all, delete-orphan"
    )


class Question(db.Model):
    """A question of a quiz's bank. The answer columns used depend on `kind`."""

    __tablename__ = "questions"
    __table_args__ = (
        UniqueConstraint("course_id", "slug"),
        CheckConstraint(
            "kind IN ('single_choice', 'multiple_choice', 'true_false', 'short_text', 'numeric')",
            name="kind_known",
        ),
        CheckConstraint("points > 0", name="points_positive"),
        CheckConstraint("kind <> 'true_false' OR true_false_answer IS NOT NULL", name="true_false_answer"),
        CheckConstraint("kind <> 'numeric' OR numeric_answer IS NOT NULL", name="numeric_answer"),
        CheckConstraint("numeric_tolerance >= 0", name="tolerance_positive"),
        Index("ix_questions_quiz_id_position", "quiz_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    points: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal("1"))
    explanation: Mapped[str] = mapped_column(Text, default="")
    true_false_answer: Mapped[bool | None] = mapped_column()
    # short_text: accepted answers, compared after normalising case and spaces.
    accepted_answers: Mapped[list | None] = mapped_column(JSON)
    numeric_answer: Mapped[float | None] = mapped_column(Float)
    numeric_tolerance: Mapped[float] = mapped_column(Float, default=0.0)
    retired: Mapped[bool] = mapped_column(default=False)
    # A draft lacks something publishing requires (a GIFT question imported without an explanation, when
    # the instructor chose to import it as it is): it stays in the bank for the editor to complete, is
    # never drawn into an attempt (`drawable`), and publishing names it until it is complete.
    draft: Mapped[bool] = mapped_column(default=False, server_default=false())

    quiz = relationship("Quiz", back_populates="questions")
    choices = relationship(
        "Choice", order_by="Choice.position", back_populates="question", cascade="all, delete-orphan"
    )


def drawable():
    """SQL condition: a question an attempt may draw, neither retired nor a draft. The one definition,
    for drawing and for the number of questions a trainee is told an attempt holds."""
    return and_(Question.retired.is_(False), Question.draft.is_(False))


class Choice(db.Model):
    """A choice of a single- or multiple-choice question."""

    __tablename__ = "choices"
    __table_args__ = (Index("ix_choices_question_id_position", "question_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column()
    text: Mapped[str] = mapped_column(Text)
    correct: Mapped[bool] = mapped_column(default=False)

    question = relationship("Question", back_populates="choices")


class QuizAttempt(db.Model):
    """One attempt at a quiz by an enrolled trainee.

    `draw` stores the questions as drawn at the start (texts, choices in their shown order,
    answers and points), so later edits to the quiz never change a started or graded attempt.
    """

    __tablename__ = "quiz_attempts"
    __table_args__ = (
        UniqueConstraint("enrolment_id", "quiz_id", "number"),
        CheckConstraint("status IN ('in_progress', 'submitted', 'expired')", name="status_known"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("status = 'in_progress' OR submitted_at IS NOT NULL", name="closed_has_time"),
        Index("ix_quiz_attempts_quiz_id_status", "quiz_id", "status"),
        Index("ix_quiz_attempts_user_id", "user_id"),
        # One attempt in progress per enrolment and quiz, whatever the number of workers: two starts at
        # once cannot both open one (lms.quizzes.services.start_attempt returns the other's).
        Index("uq_quiz_attempts_in_progress", "enrolment_id", "quiz_id", unique=True,
              sqlite_where=text("status = 'in_progress'"), postgresql_where=text("status = 'in_progress'")),
        Index("uq_quiz_attempts_token", "token", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id"))
    # No index of its own: the unique constraint on (enrolment_id, quiz_id, number) leads with it.
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    number: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="in_progress")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set at start from the quiz's time limit; answers after it (plus a small grace) are refused.
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    draw: Mapped[list] = mapped_column(JSON)
    score: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    max_score: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    passed: Mapped[bool | None] = mapped_column()
    # The language version the attempt was started in (its draw holds that version's texts and short-text
    # answers besides the original's); NULL: the course's own language.
    language: Mapped[str | None] = mapped_column(String(16))
    # Server-issued at the start (random): the attempt page hands it to its script, which writes it into a
    # "Download my answers" file; an uploaded file is taken only for the attempt whose token it carries.
    token: Mapped[str | None] = mapped_column(String(32), default=new_attempt_token)

    quiz = relationship("Quiz")
    answers = relationship("AttemptAnswer", back_populates="attempt", cascade="all, delete-orphan")


class AttemptAnswer(db.Model):
    """The trainee's saved answer to one drawn question; graded when the attempt closes."""

    __tablename__ = "attempt_answers"
    __table_args__ = (UniqueConstraint("attempt_id", "question_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id", ondelete="CASCADE"))
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="SET NULL"), index=True)
    question_slug: Mapped[str] = mapped_column(String(80))
    # Choice ids, a text or a number, as the question kind needs.
    response: Mapped[dict | list | str | float | None] = mapped_column(JSON)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    points: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    correct: Mapped[bool | None] = mapped_column()
    # The device's sequence number of the save that wrote the answer (NULL: a save without one, the page's
    # form): a numbered save overwrites the answer only with a higher number, so replays change nothing.
    seq: Mapped[int | None] = mapped_column()

    attempt = relationship("QuizAttempt", back_populates="answers")


class LateAnswers(db.Model):
    """Answers of an attempt saved on the trainee's device before the deadline (by the device's clock: the
    trainee's claim) but received after deadline + grace, after an outage, or uploaded by staff from a
    "Download my answers" file. Not counted until accepted (by the quiz's staff, or at once when the quiz
    accepts them automatically); accepting applies them and regrades the attempt.

    One pending row per attempt and source gathers every late save: per question, the answer of the highest
    sequence number (`answers`: {slug: {"seq": n, "response": ...}}, bounded by the attempt's draw)."""

    __tablename__ = "late_answers"
    __table_args__ = (
        CheckConstraint("source IN ('device', 'file')", name="source_known"),
        CheckConstraint("status IN ('pending', 'accepted', 'rejected')", name="status_known"),
        CheckConstraint("status = 'pending' OR decided_at IS NOT NULL", name="decided_has_time"),
        CheckConstraint("seq >= 1", name="seq_positive"),
        Index("ix_late_answers_quiz_id_status", "quiz_id", "status"),
        Index("uq_late_answers_pending", "attempt_id", "source", unique=True,
              sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id", ondelete="CASCADE"), index=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    source: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    answers: Mapped[dict] = mapped_column(JSON)
    # The highest sequence number among the answers.
    seq: Mapped[int] = mapped_column()
    # When the device saved the latest of them, by its own clock: the trainee's claim, never proof.
    device_saved_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When the server received them (the last of the saves gathered here).
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Who uploaded the file (source "file").
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # SHA-256 of the uploaded file, to recognise the same file uploaded again.
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Accepted by the quiz's setting (accept_late_answers), or settled by the platform (anonymisation,
    # retention), not by a person.
    automatic: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Bumped by every write (the ORM's optimistic lock, and the decision's UPDATE): a save that merges into
    # answers changed since it read them fails and starts again, rather than undo the other write.
    version: Mapped[int] = mapped_column(default=1, server_default=text("1"))

    attempt = relationship("QuizAttempt")
    __mapper_args__ = {"version_id_col": version}
