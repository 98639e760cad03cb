"""Announcement: a message of a course's staff to its trainees, or to one run's."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.types import UTCDateTime, utcnow
from lms.extensions import db


class Announcement(db.Model):
    """What staff post to a course (every trainee of it) or to one run (that run's trainees).

    The body is Markdown, shown only through lms.core.markdown. A withdrawn announcement stays (its audit
    events point at it) but no trainee sees it any more. Mail goes out from a job in batches of recipients
    in the order of their ids; `mailed_through` is where the last committed batch ended, so a retried job
    carries on after it (and the mail's idempotency key sends nobody a second copy in any case).
    """

    __tablename__ = "announcements"
    __table_args__ = (
        # The trainee's list: a course's (and its runs') announcements, newest first.
        Index("ix_announcements_course_id_created_at", "course_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    # The run it is for; NULL: every trainee of the course, whatever their run.
    run_id: Mapped[int | None] = mapped_column(ForeignKey("course_runs.id", ondelete="CASCADE"), index=True)
    # Who posted it; NULL once that account is anonymised (the announcement stays, without a name).
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown
    # Whether it is also sent by e-mail (staff may post it on the pages only).
    send_mail: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When its text was last corrected (an edit mails nobody again).
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The fan-out: the id of the last recipient whose batch was handed to the mail, and when it finished.
    mailed_through: Mapped[int | None] = mapped_column()
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    course = relationship("Course")
    run = relationship("CourseRun")
    author = relationship("User")

    @property
    def withdrawn(self) -> bool:
        """Whether staff withdrew it (trainees no longer see it)."""
        return self.withdrawn_at is not None

    def __repr__(self) -> str:
        return f"<Announcement {self.id} of course {self.course_id}>"
