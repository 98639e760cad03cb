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

import email.policy
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
from sqlalchemy import case, or_, select, update

from lms.auth.models import User
from lms.core import clock
from lms.extensions import db
from lms.jobs import after_commit, crontab, enqueue, job, periodic
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
# Messages a delivery job sends over one connection to the mail server: a connection (and a job, and its
# commits) per message would cost several times the sending itself (docs/performance.md).
BATCH = 200
# Sent messages are marked in the database this many at a time: a worker killed mid-batch leaves at most
# this many "sending" that were in fact sent (queued again after STALE_SENDING).
MARK_EVERY = 50


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


# Headers folded only past SMTP's line limit: Python's folding of a long non-ASCII subject into several
# encoded words loses the space where it breaks the line ("«Sample course»" arrives as "«Samplecourse»", since
# readers ignore the whitespace between encoded words, RFC 2047 §6.2). One longer encoded word every mail
# reader decodes.
MAIL_POLICY = email.policy.SMTP.clone(max_line_length=998)


def build(message: OutboxMessage) -> EmailMessage:
    """The MIME message: plain text and HTML alternatives, attachments, and for a non-security message the
    RFC 8058 one-click unsubscribe headers."""
    mime = EmailMessage(policy=MAIL_POLICY)
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


def connect_smtp() -> smtplib.SMTP:
    """A connection to the SMTP server of the LMS_MAIL_* settings, TLS and login done; raises on any fault."""
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
    except BaseException:
        server.close()
        raise
    return server


def send_over(server: smtplib.SMTP, mime: EmailMessage) -> None:
    """Hand one message to the server; raises on any refusal or fault."""
    refused = server.send_message(mime)
    if refused:  # only some recipients refused; ours is the only one
        raise DeliveryError(f"recipient refused: {refused}")


def close_smtp(server: smtplib.SMTP | None) -> None:
    """Say goodbye to the server, or just close the connection if it is gone."""
    if server is None:
        return
    try:
        server.quit()
    except (smtplib.SMTPException, OSError):
        server.close()


def send_smtp(mime: EmailMessage) -> None:
    """Hand one message to the SMTP server over a connection of its own; raises on any refusal or fault."""
    server = connect_smtp()
    try:
        send_over(server, mime)
    finally:
        close_smtp(server)


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
    deliver_now([message_id])


@job(retries=RETRIES, backoff=BACKOFF_SECONDS)
def deliver_many(message_ids: list[int]) -> None:
    """Deliver up to BATCH messages of the outbox over one connection to the mail server."""
    deliver_now(message_ids)


def queue_delivery(message_ids: list[int], when=after_commit) -> None:
    """Queue the delivery of these messages (after the commit by default): one job per BATCH of them."""
    for start in range(0, len(message_ids), BATCH):
        chunk = [int(i) for i in message_ids[start:start + BATCH]]
        if len(chunk) == 1:
            when(deliver, chunk[0])
        else:
            when(deliver_many, chunk)


def deliver_now(message_ids: list[int]) -> None:
    """Claim the messages still to be sent among these, send them (one SMTP connection for all), mark them sent
    MARK_EVERY at a time. A message the server refuses is put back (queued, or failed after its last try) and
    the others go on; a fault of the connection puts back every message not sent yet. Either raises at the end,
    so that the job is retried for what is left: what was sent is never claimed again."""
    way = transport()
    if way is None:
        return  # production without a mail server: it waits in the outbox
    ids = sorted({int(i) for i in message_ids})[:BATCH]
    claimed = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id.in_(ids), OutboxMessage.status.in_(("queued", "failed")))
        .values(status="sending", attempts=OutboxMessage.attempts + 1, attempted_at=clock.now())
        .returning(OutboxMessage.id).execution_options(synchronize_session=False)).scalars().all()
    db.session.commit()
    if not claimed:
        return  # sent already, held for a digest, taken by another worker, or removed
    messages = db.session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(claimed))
                                  .order_by(OutboxMessage.id)).all()
    people = {row.id: row for row in db.session.execute(
        select(User.id, User.active, User.anonymised_at)
        .where(User.id.in_({m.user_id for m in messages if m.user_id is not None})))}
    sendable, refused = [], []  # (id, MIME message); (id, why)
    for message in messages:
        person = people.get(message.user_id)
        if person is None or not person.active or person.anonymised_at is not None:
            message.status, message.last_error = "failed", "The account is deactivated or removed."
            continue
        try:
            # Built before anything commits: a commit expires the messages, and reading them again would cost
            # two statements a message.
            sendable.append((message.id, build(message)))
        except Exception as exc:  # noqa: BLE001 - this message cannot be built; the others go on
            refused.append((message.id, exc))
    db.session.commit()
    sent: list[int] = []
    fault: Exception | None = None
    server = None
    marked = 0
    try:
        for message_id, mime in sendable:
            try:
                if way == "smtp":
                    if server is None:
                        server = connect_smtp()
                    send_over(server, mime)
                else:
                    write_file(message_id, mime)
            except (DeliveryError, smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
                refused.append((message_id, exc))  # this message: the connection is fine, the others go on
                continue
            sent.append(message_id)
            if len(sent) - marked >= MARK_EVERY:
                _mark_sent(sent[marked:])
                marked = len(sent)
    except Exception as exc:  # noqa: BLE001 - the connection failed: what is not sent goes back, and the job retries
        fault = exc
    finally:
        close_smtp(server)
    _mark_sent(sent[marked:])
    done = set(sent) | {message_id for message_id, _exc in refused}
    left = [(message_id, fault) for message_id, _mime in sendable if message_id not in done] if fault else []
    for message_id, exc in refused + left:
        _put_back(message_id, exc)
    if refused or left:
        first = (refused + left)[0][1]
        log.warning("%d of %d mail(s) not delivered: %s", len(refused) + len(left), len(messages),
                    type(first).__name__)
        raise first


def _mark_sent(message_ids: list[int]) -> None:
    """Mark these messages sent (and the messages their digests carry); wipe the bodies of security messages,
    whose one-time links must not stay readable in the database once on their way. One commit."""
    if not message_ids:
        return
    sent = clock.now()
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(message_ids))
                       .values(status="sent", sent_at=sent, last_error=None)
                       .execution_options(synchronize_session=False))
    security = [kind.name for kind in KINDS.values() if kind.security]
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(message_ids),
                                                   OutboxMessage.kind.in_(security))
                       .values(text_body=WIPED, html_body=WIPED).execution_options(synchronize_session=False))
    db.session.execute(update(OutboxMessage).where(OutboxMessage.digest_id.in_(message_ids))
                       .values(status="sent", sent_at=sent).execution_options(synchronize_session=False))
    db.session.commit()


def _put_back(message_id: int, exc: Exception) -> None:
    """A message not delivered: queued again with its error, or failed after its last try."""
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(
        status=case((OutboxMessage.attempts > RETRIES, "failed"), else_="queued"),
        last_error=f"{type(exc).__name__}: {exc}"[:500]).execution_options(synchronize_session=False))
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
    queue_delivery(list(ids), when=enqueue)
    return len(ids)
