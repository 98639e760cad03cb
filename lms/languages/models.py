"""A course's language versions (CourseVersion) and their texts (VersionText).

A version is the course's structure with its texts in another language: the items, settings and answer keys
stay the original's, only the words are the version's. One VersionText per translated thing: the course
itself (title, summary; outcomes and topics in `data`), a module, lesson, quiz, question (text; explanation,
choices in the original's order and short-text answers in `data`), assignment (instructions; the rubric's
texts in `data`) or practical (instructions; criteria texts by criterion slug in `data`). Items are named by
kind and id, not by foreign key, since they live in several features' tables; they are never deleted (only
retired), and a course's deletion takes its versions with it.

These models sit below every feature that shows course text (catalog pages, quizzes, certificates), and name
the courses table only by its key.
"""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.types import UTCDateTime, utcnow
from lms.extensions import db

KINDS = ("course", "module", "lesson", "quiz", "question", "assignment", "practical")
STATUSES = ("draft", "published")
MAX_CREDIT = 500  # characters of who translated a version and of the note on how
MAX_VERSIONS = 20  # versions per course (each is a copy of the whole course's text)
MAX_TAG = 16  # characters of a language tag (the column's width)
# A BCP 47 language tag as the platform writes it: en, uk, pt-BR, sr-Latn (a package's folder name too).
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")


class CourseVersion(db.Model):
    """A course in another language: draft while it is being written, published once complete (trainees may
    choose it), with who translated it and how."""

    __tablename__ = "course_versions"
    __table_args__ = (CheckConstraint("status IN ('draft', 'published')", name="status_known"),)

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str] = mapped_column(String(MAX_TAG), primary_key=True)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    translated_from: Mapped[str] = mapped_column(String(16), default="")
    translated_by: Mapped[str] = mapped_column(String(MAX_CREDIT), default="")
    reviewed: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(String(MAX_CREDIT), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class VersionText(db.Model):
    """The texts of one course, module or item in one language version."""

    __tablename__ = "version_texts"
    __table_args__ = (
        UniqueConstraint("kind", "item_id", "language", name="uq_version_texts_item_language"),
        Index("ix_version_texts_course_id_language", "course_id", "language"),
        CheckConstraint("kind IN ('course', 'module', 'lesson', 'quiz', 'question', 'assignment', 'practical')",
                        name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(MAX_TAG))
    kind: Mapped[str] = mapped_column(String(12))
    item_id: Mapped[int] = mapped_column()
    title: Mapped[str | None] = mapped_column(String(200))
    # A lesson's or question's text, a quiz's, assignment's or practical's instructions, a course's summary.
    body: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict | None] = mapped_column(JSON)
