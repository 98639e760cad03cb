"""The jobs that failed their last retry, kept for the admins' page until retried or pruned."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.types import UTCDateTime, utcnow
from lms.extensions import db


class FailedJob(db.Model):
    """A job that failed every try: what it was, with which arguments, and the last error."""

    __tablename__ = "failed_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The job's registered name (module.function), which `retry` queues again.
    task: Mapped[str] = mapped_column(String(200))
    # Its arguments as JSON (ids and strings, never personal data: jobs take ids).
    arguments: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int]
    # The last try's exception, its type and message (cut to lms.jobs.queue.ERROR_CHARS).
    error: Mapped[str] = mapped_column(Text)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Set when an admin queued it again; the row stays as the record of what happened.
    retried_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retried_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
