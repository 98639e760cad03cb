"""Delivery: the `deliver(message_id)` job, the transports (SMTP, the development file backend) and the periodic
re-queue of messages still waiting.

Which transport: SMTP when LMS_MAIL_SERVER is set; else, outside production, `.eml` files in
`instance/mail/` (so `make run` needs no mail server); else none: in production without a mail server the
messages wait in the outbox (admins see how many) and go out once one is set, by the periodic re-queue.

Idempotent: a worker first claims a message with one UPDATE (queued or failed -> sending), so two jobs for one
message never both send it, and a message marked sent is never sent again. A failure puts it back to queued
with its error and raises, so that lms.jobs retries with backoff; after the last retry it is "failed" (the
failed job is kept for admins, whose retry claims it again). A worker that died between the server's
acceptance and the mark "sent" leaves it "sending"; after STALE_SENDING it is queued again (the stable
Message-ID lets mail programs recognise a copy).
"""
from __future__ import annotations

import hashlib
import logging
import os
import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime as rfc2822_date
from email.utils import parseaddr
from pathlib import Path

from flask import current_app
from sqlalchemy import or_, select, update

from lms.auth.models import User
from lms.core import clock
from lms.extensions import db
from lms.jobs import crontab, enqueue, job, periodic
from lms.mail.kinds import KINDS
from lms.mail.models import OutboxMessage

log = logging.getLogger("lms.mail")

RETRIES = 3  # after the first attempt; waits of 30 s, 1 min, 2 min (lms.jobs backoff)
BACKOFF_SECONDS = 30
# A queued message whose delivery was not tried for this long is queued again by the periodic job (a worker
# was down, or the mail server was set since).
WAITING = timedelta(minutes=10)
# A message left "sending" this long belongs to a worker that died: queued again.
STALE_SENDING = timedelta(hours=1)
# At most this many messages are re-queued per run of the periodic job; the next run takes the rest.
REQUEUE_BATCH = 5000


# What stays of a sent security message's body (it held a one-time link).
WIPED = "(removed once sent: it held a one-time link)"


class DeliveryError(RuntimeError):
    """The transport could not hand the message over; the job is retried."""


def transport() -> str | None:
    """The transport in use: "smtp", "file" (development, no server set) or None (production without SMTP)."""
    config = current_app.config
    if config.get("MAIL_SERVER"):
        return "smtp"
    if config.get("ENV") != "production":
        return "file"
    return None


def mail_dir() -> Path:
    """Where the development file backend writes the messages: instance/mail/."""
    return Path(current_app.config["INSTANCE_PATH"]) / "mail"


def eml_path(message_id: int) -> Path:
    """The .eml file of a message written by the file backend."""
    return mail_dir() / f"{int(message_id)}.eml"


def message_id_header(message: OutboxMessage) -> str:
    """A Message-ID that stays the same for every attempt at the message."""
    domain = parseaddr(current_app.config["MAIL_FROM"])[1].rpartition("@")[2] or "localhost"
    digest = hashlib.sha256(message.key.encode()).hexdigest()[:16]
    return f"<lms.{message.id}.{digest}@{domain}>"


def build(message: OutboxMessage) -> EmailMessage:
    """The MIME message: plain text and HTML alternatives, attachments, and for a non-security message the
    RFC 8058 one-click unsubscribe headers."""
    mime = EmailMessage()
    mime["From"] = current_app.config["MAIL_FROM"]
    mime["To"] = message.to_address
    mime["Subject"] = message.subject
    mime["Date"] = rfc2822_date(message.created_at)
    mime["Message-ID"] = message_id_header(message)
    mime["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to the platform
    if message.unsubscribe_url:
        mime["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        mime["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mime.set_content(message.text_body)
    mime.add_alternative(message.html_body, subtype="html")
    for attachment in message.attachments:
        main, _, sub = attachment.content_type.partition("/")
        mime.add_attachment(attachment.data, maintype=main, subtype=sub or "octet-stream",
                            filename=attachment.filename)
    return mime


def send_smtp(mime: EmailMessage) -> None:
    """Hand the message to the SMTP server of the LMS_MAIL_* settings; raises on any refusal or fault."""
    config = current_app.config
    timeout = config["MAIL_TIMEOUT_SECONDS"]
    if config["MAIL_SSL"]:
        server = smtplib.SMTP_SSL(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout)
    else:
        server = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout)
    try:
        if config["MAIL_TLS"] and not config["MAIL_SSL"]:
            server.starttls()
        if config["MAIL_USERNAME"]:
            server.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        refused = server.send_message(mime)
        if refused:  # only some recipients refused; ours is the only one
            raise DeliveryError(f"recipient refused: {refused}")
    finally:
        try:
            server.quit()
        except (smtplib.SMTPException, OSError):
            server.close()


def write_file(message_id: int, mime: EmailMessage) -> None:
    """Write the message as instance/mail/<id>.eml (whole or not at all)."""
    path = eml_path(message_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_bytes(mime.as_bytes())
    os.replace(partial, path)


@job(retries=RETRIES, backoff=BACKOFF_SECONDS)
def deliver(message_id: int) -> None:
    """Deliver one message of the outbox (see the module's docstring)."""
    way = transport()
    if way is None:
        return  # production without a mail server: it waits in the outbox
    now = clock.now()
    claimed = db.session.execute(update(OutboxMessage).where(
        OutboxMessage.id == message_id, OutboxMessage.status.in_(("queued", "failed")))
        .values(status="sending", attempts=OutboxMessage.attempts + 1, attempted_at=now)).rowcount
    db.session.commit()
    if not claimed:
        return  # sent already, held for a digest, taken by another worker, or removed
    message = db.session.get(OutboxMessage, message_id)
    user = db.session.get(User, message.user_id) if message.user_id is not None else None
    if user is None or not user.active or user.anonymised_at is not None:
        message.status, message.last_error = "failed", "The account is deactivated or removed."
        db.session.commit()
        return
    try:
        mime = build(message)
        if way == "smtp":
            send_smtp(mime)
        else:
            write_file(message.id, mime)
    except Exception as exc:
        db.session.rollback()
        message = db.session.get(OutboxMessage, message_id)
        message.status = "failed" if message.attempts > RETRIES else "queued"
        message.last_error = f"{type(exc).__name__}: {exc}"[:500]
        db.session.commit()
        log.warning("mail %s not delivered (attempt %s): %s", message_id, message.attempts, type(exc).__name__)
        raise
    sent = clock.now()
    message.status, message.sent_at, message.last_error = "sent", sent, None
    if message.kind in KINDS and KINDS[message.kind].security:
        # Its one-time link must not stay readable in the database once it is on its way.
        message.text_body = message.html_body = WIPED
    # The messages this digest carries are sent with it.
    db.session.execute(update(OutboxMessage).where(OutboxMessage.digest_id == message_id)
                       .values(status="sent", sent_at=sent))
    db.session.commit()


@periodic(crontab(minute="*/10"))
def requeue_waiting() -> int:
    """Queue the delivery of messages still waiting: never tried for WAITING (a worker was down, or the mail
    server was set since), or left "sending" by a worker that died. Returns how many were queued."""
    if transport() is None:
        return 0
    now = clock.now()
    db.session.execute(update(OutboxMessage).where(
        OutboxMessage.status == "sending", OutboxMessage.attempted_at < now - STALE_SENDING)
        .values(status="queued"))
    db.session.commit()
    ids = db.session.execute(select(OutboxMessage.id).where(
        OutboxMessage.status == "queued",
        or_(OutboxMessage.attempted_at < now - WAITING,
            OutboxMessage.attempted_at.is_(None) & (OutboxMessage.created_at < now - WAITING)))
        .order_by(OutboxMessage.id).limit(REQUEUE_BATCH)).scalars().all()
    for message_id in ids:
        enqueue(deliver, message_id)
    return len(ids)
