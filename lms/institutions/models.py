"""The Institution model."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.types import UTCDateTime, utcnow
from lms.extensions import db


class Institution(db.Model):
    """A training institution; trainees and coordinators belong to one."""

    __tablename__ = "institutions"
    __table_args__ = (
        CheckConstraint("length(country) = 2 AND upper(country) = country", name="country_iso"),
        CheckConstraint("length(code) >= 2", name="code_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Short stable identifier used in the CLI, exports and bulk files, e.g. "UA-NBGSA".
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # ISO 3166-1 alpha-2 country code, upper case.
    country: Mapped[str] = mapped_column(String(2), index=True)
    # IANA zone in which its people read times and their due dates end (lms.core.when); set from the
    # country when the institution is made, changed on the institution form.
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    # A certificate expiring within this many days counts as "expiring" in its reports.
    expiry_notice_days: Mapped[int] = mapped_column(default=60, server_default="60")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Institution {self.code}>"
