"""The reminder mails workload of `make bench` (issue 21): MAILS due-date reminders found by the hourly scan
(`lms.messages.reminders.send_reminders`), written to the outbox by lms.mail and delivered by the job queue's
`deliver` jobs (run here as the worker runs them, `lms.jobs.run_pending`, on the queue of LMS_JOBS_URL: SQLite
by default, Redis with `LMS_JOBS_URL=redis://...`) to a real SMTP server on loopback (aiosmtpd, in this
process); against a floor that builds the same messages by hand in a loop (one SELECT of the recipients,
`email.message` with the same text, HTML and headers) and sends them to the same server over one smtplib
connection.

The generated data has no due dates: the workload gives MAILS current, active enrolments (of trainees who read
English, each trainee's first enrolment before anyone's second) a due date 7 days after NOW, a moment beyond the
generated history where no other reminder falls, and gives them back their own afterwards. The outbox, the
notifications and the queue are emptied before each repetition. Statements are counted as for every workload
(the note divides them by the mails); what the SMTP server received is compared after each pair (untimed).
"""
from __future__ import annotations

import smtplib
import socket
import threading
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from email.utils import format_datetime as rfc2822_date
from email.utils import make_msgid

from babel.dates import format_date
from sqlalchemy import bindparam, delete, func, select, update

from bench.measure import Workload
from lms.extensions import db
from lms.mail.delivery import MAIL_POLICY

MAILS = 10_000
NOW = datetime(2040, 1, 10, 12, 5, tzinfo=UTC)  # a Tuesday at five past noon: no generated date falls near it
DUE = (NOW + timedelta(days=7)).date()


class SmtpSink:
    """A real SMTP server on a loopback port (aiosmtpd) that keeps the raw messages it accepts."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.lock = threading.Lock()
        self.received: list[bytes] = []
        with socket.socket() as s:  # a free port (aiosmtpd checks it is up by connecting to it: not port 0)
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, ready_timeout=10)

    async def handle_DATA(self, _server, _session, envelope):
        with self.lock:
            self.received.append(envelope.original_content or envelope.content)
        return "250 2.0.0 OK: queued"

    def start(self) -> SmtpSink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def take(self) -> list[bytes]:
        """What it received since the last call."""
        with self.lock:
            taken, self.received = self.received, []
        return taken


def _headers(raw: list[bytes]) -> list[tuple[str, str]]:
    parser = BytesHeaderParser(policy=default_policy)
    return sorted((str(m["To"]), str(m["Subject"])) for m in (parser.parsebytes(r) for r in raw))


class ReminderRun:
    """State shared by the workload's steps."""

    def __init__(self, context, mails: int):
        self.context, self.mails = context, mails
        self.chosen: list[dict] | None = None
        self.sink = SmtpSink()
        self.started = False
        self.saved_config: dict = {}
        self.received: dict[str, list[bytes]] = {}

    # Set-up and clean-up (untimed) ---------------------------------------------------------------------------
    def _choose(self) -> None:
        """The enrolments that get the due date (their own kept to give back), the app pointed at the sink."""
        from lms.auth.models import User
        from lms.learning.models import Enrolment

        if self.chosen is not None:
            return
        self.sink.start()
        self.started = True
        rank = func.row_number().over(partition_by=Enrolment.user_id, order_by=Enrolment.id).label("rank")
        ranked = (select(Enrolment.id, Enrolment.due_on, Enrolment.due_at, rank)
                  .join(User, User.id == Enrolment.user_id)
                  .where(Enrolment.is_current.is_(True), Enrolment.status == "active",
                         Enrolment.waiting_since.is_(None), User.active.is_(True), User.anonymised_at.is_(None),
                         User.role == "trainee", func.coalesce(User.locale, "en") == "en").subquery())
        with self.context.engine.begin() as conn:
            rows = conn.execute(select(ranked.c.id, ranked.c.due_on, ranked.c.due_at)
                                .order_by(ranked.c.rank, ranked.c.id).limit(self.mails)).all()
            self.chosen = [{"eid": r.id, "due_on": r.due_on, "due_at": r.due_at} for r in rows]
            conn.execute(update(Enrolment).where(Enrolment.id == bindparam("eid"))
                         .values(due_on=DUE, due_at=None), [{"eid": r["eid"]} for r in self.chosen])
        config = self.context.app.config
        mail = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": self.sink.port, "MAIL_TLS": False, "MAIL_SSL": False,
                "MAIL_USERNAME": ""}
        self.saved_config = {k: config.get(k) for k in mail}
        config.update(mail)

    def _empty(self) -> None:
        """Nothing in the outbox, the notifications or the queue; nothing unread; nothing received."""
        from lms.auth.models import User
        from lms.jobs.queue import huey
        from lms.mail.models import MailAttachment, Notification, OutboxMessage

        db.session.remove()
        with self.context.engine.begin() as conn:
            for model in (MailAttachment, OutboxMessage, Notification):
                conn.execute(delete(model))
            conn.execute(update(User).where(User.unread_notifications != 0).values(unread_notifications=0))
        huey.flush()
        self.sink.take()

    def setup(self) -> None:
        """Before each repetition: the due dates given, everything emptied, the clock at NOW."""
        from lms.core import clock

        self._choose()
        self._empty()
        clock.freeze(NOW)

    def after(self) -> None:
        from lms.core import clock

        clock.freeze(None)
        self.received["run"] = self.sink.take()

    def floor_after(self) -> None:
        from lms.core import clock

        clock.freeze(None)
        self.received["floor"] = self.sink.take()

    def cleanup(self) -> None:
        """Give the enrolments their own due dates back, empty what the repetitions wrote, stop the sink."""
        from lms.learning.models import Enrolment

        self._empty()
        with self.context.engine.begin() as conn:
            conn.execute(update(Enrolment).where(Enrolment.id == bindparam("eid"))
                         .values(due_on=bindparam("due_on"), due_at=bindparam("due_at")), self.chosen or [])
        self.context.app.config.update(self.saved_config)
        if self.started:
            self.sink.stop()

    # The workload and its floor (timed) ----------------------------------------------------------------------
    def run(self) -> int:
        """The hourly scan, then every delivery job it queued, as the worker runs them."""
        from lms.jobs import run_pending
        from lms.messages.reminders import send_reminders

        with self.context.app.app_context():
            counts = send_reminders(NOW)
            ran = 0
            while (done := run_pending(NOW)) > 0:
                ran += done
            db.session.remove()
        return counts["due"]

    def floor(self) -> int:
        """The same messages built by hand from one SELECT, sent over one SMTP connection."""
        from lms.auth.models import User
        from lms.catalog.models import Course
        from lms.learning.models import Enrolment
        from lms.mail.compose import absolute, path_for, unsubscribe_url

        app = self.context.app
        with app.app_context():
            config = app.config
            rows = db.session.execute(
                select(User.id, User.email, User.name, Course.slug, Course.title, Enrolment.due_on)
                .join(User, User.id == Enrolment.user_id).join(Course, Course.id == Enrolment.course_id)
                .where(Enrolment.due_on == DUE, Enrolment.is_current.is_(True), Enrolment.status == "active",
                       Enrolment.waiting_since.is_(None), User.active.is_(True), User.anonymised_at.is_(None))).all()
            preferences = absolute(path_for("mail.preferences"))
            sent = 0
            with smtplib.SMTP("127.0.0.1", self.sink.port) as smtp:
                for user_id, email, name, slug, title, due_on in rows:
                    link = absolute(f"/courses/{slug}")
                    unsubscribe = unsubscribe_url(user_id, "due")
                    text, html = floor_bodies(name, title, format_date(due_on, "long", locale="en"), link,
                                              unsubscribe, preferences)
                    message = EmailMessage(policy=MAIL_POLICY)  # the platform's header folding
                    message["From"] = config["MAIL_FROM"]
                    message["To"] = email
                    message["Subject"] = f"{title} is due in 7 days"
                    message["Date"] = rfc2822_date(NOW)
                    message["Message-ID"] = make_msgid(domain="localhost")
                    message["Auto-Submitted"] = "auto-generated"
                    message["List-Unsubscribe"] = f"<{unsubscribe}>"
                    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
                    message.set_content(text)
                    message.add_alternative(html, subtype="html")
                    smtp.send_message(message)
                    sent += 1
            db.session.remove()
        return sent

    def check(self, run_count: int, floor_count: int) -> None:
        """Both sent the same MAILS messages: the same recipients and subjects."""
        mine, theirs = _headers(self.received.get("run", [])), _headers(self.received.get("floor", []))
        if not (run_count == floor_count == len(mine) == self.mails) or mine != theirs:
            first = next(((a, b) for a, b in zip(mine, theirs) if a != b), None)
            raise AssertionError(f"the reminders and their floor differ: {run_count} / {floor_count} / {len(mine)} "
                                 f"of {self.mails}; first difference: {first}")


def floor_bodies(name: str, title: str, due: str, link: str, unsubscribe: str, preferences: str) -> tuple[str, str]:
    """The text and HTML of the due-date reminder (lms/messages/templates/mail/reminder_due.*) as lms.mail's base
    templates frame them, written out by hand."""
    text = (f"Hello {name},\n\nYour course {title} is due in 7 days, on {due}.\nFinish it by the end of that day.\n\n"
            f"{link}\n\nIBM Training\n\n--\nYou receive this mail because of your account on the training platform.\n"
            f"To stop mails of this kind (Due dates coming up), open:\n{unsubscribe}\n"
            f"Choose which mails you receive:\n{preferences}\n")
    html = (f'<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{title} is due in 7 days'
            f'</title>\n</head>\n<body>\n<div>\n<p>Hello {name},</p>\n<p>Your course {title} is due in 7 days, on '
            f'{due}.</p>\n<p>Finish it by the end of that day.</p>\n<p><a href="{link}">{link}</a></p>\n'
            f'<p>IBM Training</p>\n<hr>\n<p>You receive this mail because of your account on the training platform.'
            f'\n<a href="{unsubscribe}">Stop mails of this kind (Due dates coming up)</a>\n'
            f'· <a href="{preferences}">Choose which mails you receive</a></p>\n</div>\n</body>\n</html>\n')
    return text, html


def reminder_workload(context, repeat: int, mails: int = MAILS) -> Workload:
    """`mails` due-date reminders queued and sent, against building and sending them by hand."""
    reminders = ReminderRun(context, mails)
    return Workload(f"reminder mails ({mails:,}), queued and sent", reminders.run, reminders.floor,
                    "email.message + smtplib loop", repeat, setup=reminders.setup, floor_setup=reminders.setup,
                    after=reminders.after, floor_after=reminders.floor_after, cleanup=reminders.cleanup,
                    check=reminders.check, note=f"{mails:,} mails to aiosmtpd on loopback; queries per mail = "
                                                f"queries / {mails:,}")
