"""A real SMTP server in the test process (aiosmtpd on a loopback port), for the `smtp_server` fixture.

It keeps every message it accepted (`messages`, as `email.message.EmailMessage`), and can be told to misbehave
for the next deliveries: answer with a refusal (`refuse(451)`, `refuse(550)`: a temporary or a permanent
error) or drop the connection in the middle of the message (`drop()`), so that tests see how the platform
retries without losing or doubling a mail.
"""
from __future__ import annotations

import email
import socket
import threading
from email import policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

ANSWERS = {
    421: "421 4.3.2 Service not available, closing the connection",
    451: "451 4.3.0 Temporary failure, please try again later",
    452: "452 4.3.1 Insufficient system storage",
    550: "550 5.1.1 Mailbox unavailable",
    554: "554 5.7.1 Message refused",
}


class _Handler:
    def __init__(self, server: SmtpServer):
        self.server = server

    async def handle_DATA(self, smtp, session, envelope):
        with self.server.lock:
            plan = self.server.plan.pop(0) if self.server.plan else None
        if plan == "drop":
            smtp.transport.abort()  # the connection is cut before any answer to the message
            return "421 4.4.2 Connection dropped"
        if plan is not None:
            return ANSWERS.get(plan, f"{plan} Refused")
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self.server.lock:
            self.server.messages.append(message)
            self.server.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 2.0.0 OK: queued"


class SmtpServer:
    """The test SMTP server: `messages` it accepted, `settings` that point the app at it."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.plan: list = []  # what the next deliveries meet: a refusal code or "drop"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.host = "127.0.0.1"
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port, ready_timeout=10)

    @property
    def settings(self) -> dict:
        """The app's settings for this server (plain SMTP on loopback, no login)."""
        return {"MAIL_SERVER": self.host, "MAIL_PORT": self.port, "MAIL_TLS": False, "MAIL_SSL": False,
                "MAIL_USERNAME": "", "MAIL_PASSWORD": "", "MAIL_TIMEOUT_SECONDS": 5}

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def refuse(self, code: int = 451, times: int = 1) -> None:
        """Answer the next `times` messages with this SMTP code (451: try later; 550: refused)."""
        with self.lock:
            self.plan.extend([code] * times)

    def drop(self, times: int = 1) -> None:
        """Cut the connection in the middle of the next `times` messages."""
        with self.lock:
            self.plan.extend(["drop"] * times)

    def to(self, address: str) -> list[EmailMessage]:
        """The messages accepted for this address."""
        return [m for m in self.messages if address in str(m["To"])]

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()
            self.envelopes.clear()
            self.plan.clear()


def text_of(message: EmailMessage) -> str:
    """The plain-text part of a message."""
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    """The HTML part of a message."""
    return message.get_body(preferencelist=("html",)).get_content()
