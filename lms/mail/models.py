"""Mail and in-app notifications: the outbox, its attachments, notifications and each person's choices.

An `OutboxMessage` is one mail to one person, composed when it was sent (in the recipient's language and
zone) and kept with its state, so that nothing is lost while no mail server is set or one refuses: the
`deliver` job (lms.mail.jobs) takes it from "queued" to "sent". A `Notification` is the in-app copy of a
non-security message, listed at /notifications. `MailPreference` holds what a person turned off and whether
they want one daily digest instead of single mails.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.types import UTCDateTime, utcnow
from lms.extensions import db

STATUSES = ("queued", "held", "sending", "sent", "failed")


class OutboxMessage(db.Model):
    """One mail to one person, from composing to delivery.

    queued: waiting for the `deliver` job (or for a mail server to be set); held: kept for the person's daily
    digest; sending: a worker has claimed it (one at a time: the claim is one UPDATE); sent; failed: every
    retry failed (an admin may retry it from the failed jobs). The key makes a second send of the same message
    a no-op.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'held', 'sending', 'sent', 'failed')", name="status_known"),
        Index("ix_outbox_messages_status_created_at", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL once the account is removed; anonymisation deletes the person's messages.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    # The caller's idempotency key ("due7:12:2027-03-01"): a second send with the same key does nothing.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    # The one-click unsubscribe address (RFC 8058) of a non-security message, absolute; NULL for security ones.
    unsubscribe_url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(8), default="queued")
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When a worker last claimed it: the periodic re-queue leaves alone what was tried a moment ago.
    attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A held message: the daily digest that carries it (it is sent when the digest is).
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id", ondelete="SET NULL"), index=True)

    attachments = relationship("MailAttachment", lazy="selectin", cascade="all, delete-orphan",
                               passive_deletes=True, order_by="MailAttachment.id")

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} {self.status}>"


class MailAttachment(db.Model):
    """A file sent with a message (a session's .ics), kept until the message is pruned."""

    __tablename__ = "mail_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_messages.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Notification(db.Model):
    """The in-app copy of a non-security message: its subject, the page it is about, whether it was read.

    users.unread_notifications counts the unread ones, kept by the writers (lms.mail.services), so that the
    menu of every page shows it without a query."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_id_id", "user_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    # The same idempotency key as the message's: a notification is written once, even when no mail is.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    # A path on this site ("/courses/x"), or NULL.
    link: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MailPreference(db.Model):
    """A person's choices about mail; no row means every kind on and single mails."""

    __tablename__ = "mail_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    # The kinds the person turned off (names of lms.mail.kinds.KINDS; security kinds are never here).
    muted: Mapped[list] = mapped_column(JSON, default=list)
    # One mail a day with the day's messages instead of each on its own.
    digest: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
