"""The security messages: a password reset asked for on the sign-in page, and the set-password link of an account
staff made (people pages, `lms users create`, bulk enrolment), mailed besides being shown to them.

Both carry a one-time link made by the existing rules (lms.auth.services: PasswordLink, PASSWORD_LINK_HOURS;
the page /set-password/<token>). A reset request gives the same answer whether or not the address has an
account, in the same time (the request only counts and queues a job; the job looks the address up), and is
throttled per address typed and per client address (lms.core.counters, as the sign-in throttle). Once a security message is sent its body, which holds the link, is wiped from the outbox.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import current_app
from limits import parse
from sqlalchemy import select

from lms.audit import services as audit
from lms.auth.models import User
from lms.auth.queries import normalise_email, user_by_email
from lms.auth.services import add_password_link
from lms.core import clock
from lms.core.counters import counters
from lms.extensions import db
from lms.jobs import after_commit, enqueue, job
from lms.mail.compose import absolute, path_for
from lms.mail.services import mailable, send, send_many


class ResetThrottled(Exception):
    """Too many reset requests from one client address: `until` the instant a new one is taken."""

    def __init__(self, until: datetime):
        super().__init__("address")
        self.until = until


def _limit(name: str) -> tuple[int, int]:
    item = parse(current_app.config[name])
    return item.amount, item.get_expiry()


def _link_values(token: str, now: datetime) -> dict:
    return {"reset_url": absolute(path_for("auth.set_password", token=token)),
            "expires_at": now + timedelta(hours=current_app.config["PASSWORD_LINK_HOURS"])}


def _key(kind: str, user_id: int, token: str) -> str:
    """A message's key from its link: one message per link, the token itself never stored in the key."""
    return f"{kind}:{user_id}:{hashlib.sha256(token.encode()).hexdigest()[:24]}"


def request_reset(email: str, ip: str | None) -> None:
    """A "forgot your password" request: counted against the throttles, then handed to a job (`send_reset`)
    whatever the address, so the request does the same work and takes the same time whether or not the address
    has an account (its time must not tell). Raises ResetThrottled past the client address's limit; past the
    limit of the address typed, nothing is queued (silently: the answer must not differ)."""
    store = counters()
    amount, window = _limit("RESET_LIMIT_PER_ADDRESS")
    address_key = "reset:address:" + (ip or "unknown")
    if store.incr(address_key, window) > amount:
        raise ResetThrottled(clock.now() + timedelta(seconds=max(1.0, store.ttl(address_key))))
    normalised = normalise_email(email or "")[:254]
    amount, window = _limit("RESET_LIMIT_PER_EMAIL")
    email_key = "reset:email:" + hashlib.sha256(normalised.encode()).hexdigest()[:32]
    if store.incr(email_key, window) > amount:
        return
    enqueue(send_reset, normalised, ip)


@job(retries=3, backoff=30)
def send_reset(email: str, ip: str | None) -> bool:
    """The job of a reset request: if `email` is an active account's, a fresh one-time link (earlier ones stop
    working) mailed to it, audited as "auth.password_reset_requested". Returns whether a mail was written.
    Commits."""
    user = user_by_email(email)
    if user is None or not mailable(user):
        return False
    now = clock.now()
    token = add_password_link(user, None, purpose="reset")
    audit.record("auth.password_reset_requested", actor=None, target=user, institution_id=user.institution_id,
                 ip=ip)
    sent = send(user, "password_reset", _key("password_reset", user.id, token), "password_reset",
                _link_values(token, now))
    db.session.commit()
    return sent


@job(retries=3, backoff=30)
def mail_account_links(pairs: list) -> int:
    """The job of `queue_new_account_mails`: mail each account of `pairs` ([account id, token], ...) its link.
    Idempotent: the keys come from the links, so a retry mails nobody twice."""
    tokens = {int(user_id): token for user_id, token in pairs}
    users = db.session.execute(select(User).where(User.id.in_(list(tokens)))).scalars().all()
    written = mail_new_accounts([(user, tokens[user.id]) for user in users])
    db.session.commit()
    return written


def queue_new_account_mails(accounts: Iterable[tuple[User, str]]) -> None:
    """Mail the new accounts their set-password links from a job once the transaction commits: composing
    thousands of mails (a bulk enrolment) does not hold the request. The tokens wait in the job queue until
    then, as they would in the outbox."""
    pairs = [[user.id, token] for user, token in accounts if token]
    if pairs:
        after_commit(mail_account_links, pairs)


def mail_new_accounts(accounts: Iterable[tuple[User, str]]) -> int:
    """Mail each new account its set-password link (security kind "account_created"); returns how many were
    written. The caller commits."""
    pairs = [(user, token) for user, token in accounts if token]
    tokens = {user.id: token for user, token in pairs}
    now = clock.now()
    return send_many([user for user, _token in pairs], "account_created",
                     lambda user: _key("account_created", user.id, tokens[user.id]), "account_created",
                     lambda user: _link_values(tokens[user.id], now))
