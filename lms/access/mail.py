"""Who may read which mail: one's own notifications and preferences, signed in; the outbox, admins only."""
from __future__ import annotations

from flask import abort

from lms.access.rules import ADMIN, has_role, rule, signed_in
from lms.mail import queries as mail_queries
from lms.mail.models import OutboxMessage


@rule
def can_use_notifications(user) -> bool:
    """May read one's own notifications and choose one's mail (every signed-in user)."""
    return signed_in(user)


@rule
def can_view_outbox(user) -> bool:
    """May read the outbox: every message with its state and, in development, the mails written to files
    (admins: the messages are other people's)."""
    return has_role(user, ADMIN)


def outbox_message_or_404(message_id: int) -> OutboxMessage:
    """The outbox message named in the URL, else 404 (the caller has checked `can_view_outbox`)."""
    return mail_queries.message(message_id) or abort(404)
