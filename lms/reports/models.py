"""ExportJob: a report export too big for a request, written in the background for the person who asked."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.types import UTCDateTime, utcnow
from lms.extensions import db

#: What an export job writes: the report exports of `lms.reports.exports`, by name.
EXPORT_KINDS = ("completion", "drilldown", "enrolments", "runs", "expiring")
#: queued -> running -> done -> expired (the file deleted), or -> failed (no file: never a partial one).
EXPORT_STATES = ("queued", "running", "done", "failed", "expired")


class ExportJob(db.Model):
    """One background export: who asked, what (the kind, its filters and format), how far it is, and its file.

    The file belongs to the person who asked (it holds personal data): only they download it, until
    `expires_at`, after which a periodic job deletes it and the row says "expired". A failed job keeps
    no file, so nothing partial is ever offered as if whole.
    """

    __tablename__ = "export_jobs"
    __table_args__ = (
        CheckConstraint("kind IN ('completion', 'drilldown', 'enrolments', 'runs', 'expiring')", name="kind"),
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed', 'expired')", name="status"),
        CheckConstraint("fmt IN ('csv', 'csv-excel', 'xlsx')", name="fmt"),
        CheckConstraint("rows_done >= 0", name="rows_done"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    fmt: Mapped[str] = mapped_column(String(12))  # a name of lms.reports.exports.FORMATS
    # The parsed filters as plain JSON values (`ReportFilters.as_dict`), read again by the same schema.
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    # What else names the rows: the drill-down's institution and course, the expiring list's order.
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    # The asker's time zone when they asked (IANA name): the periods' days and the file's times are in it.
    zone: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10), default="queued")
    rows_done: Mapped[int] = mapped_column(default=0)
    rows_total: Mapped[int] = mapped_column(default=0)  # counted when asked, again when the job starts
    file_key: Mapped[str | None] = mapped_column(String(200))  # in lms.core.storage, while the file exists
    file_name: Mapped[str | None] = mapped_column(String(200))  # what the download is called
    error: Mapped[str | None] = mapped_column(Text)  # why it failed (shown to admins)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)  # the download's end
    # While it runs: when it last showed it was alive (started, or wrote a step of its progress). A job whose
    # heartbeat is older than LMS_EXPORT_JOB_STALE_MINUTES lost its worker and is marked failed. NULL otherwise.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def running(self) -> bool:
        """Whether the job is still to finish (queued or running): its page refreshes itself."""
        return self.status in ("queued", "running")

    @property
    def percent(self) -> int:
        """How far it is, 0 to 100."""
        if self.status == "done":
            return 100
        return min(100, self.rows_done * 100 // self.rows_total) if self.rows_total else 0

    def __repr__(self) -> str:
        return f"<ExportJob {self.id} {self.kind} {self.status}>"
