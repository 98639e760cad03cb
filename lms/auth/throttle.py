"""The sign-in throttle: failed sign-ins per address and per account, counted before the password is checked.

The rules (docs/security.md):
- per address: at most LOGIN_LIMIT_PER_ADDRESS failed sign-ins per window; past it, that address (and
  only it) is refused with 429 and Retry-After until the window ends;
- per account: after LOGIN_LIMIT_PER_ACCOUNT failures ("5 per 10 minutes"), each further attempt on the
  account, from any address, waits a delay that doubles after each failure (LOGIN_DELAY_FIRST_SECONDS,
  then twice that ... up to LOGIN_DELAY_MAX_SECONDS); one attempt is let through when the delay is over,
  and a right password then signs in and forgets the failures.

A slot is taken atomically (lms.core.counters: Redis INCR / SET NX, or a lock in memory) BEFORE the
password is checked and given back after a success, so however many requests arrive at once, on one
worker or several, no more passwords are checked than the limits allow. Counting after the check (as
Flask-Limiter's `deduct_when` did) let 50 parallel guesses all through.

The account's email is hashed in the keys: no personal data in Redis.
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from limits import parse
from prometheus_client import Counter

from lms.auth.queries import normalise_email
from lms.core import clock
from lms.core.counters import counters
from lms.core.errors import render_error
from lms.core.when import format_time


# At /metrics (lms.core.metrics): attempts refused by the limits, by purpose ("login", "mfa") and scope
# ("address", "account"). A rise is someone guessing, or a whole network locked out.
REFUSALS = Counter("lms_login_refusals", "Sign-in attempts refused by the throttle, by purpose and scope",
                   ("purpose", "scope"))


class Throttled(Exception):
    """A refused attempt: `scope` is "address" or "account", `until` the instant a new attempt may come."""

    def __init__(self, scope: str, until: datetime):
        super().__init__(scope)
        self.scope = scope
        self.until = until

    def retry_after(self) -> int:
        """Whole seconds to wait (Retry-After), at least 1."""
        return max(1, math.ceil((self.until - clock.now()).total_seconds() - 0.001))


@dataclass
class Attempt:
    """A reserved attempt: the keys it holds a slot in and whether it is the one allowed after a delay."""

    address_key: str
    account: str  # key stem of the account
    after_delay: bool


def _limit(name: str) -> tuple[int, int]:
    """(amount, window in seconds) of a limit written as "5 per 10 minutes"."""
    item = parse(current_app.config[name])
    return item.amount, item.get_expiry()


def delay(level: int) -> int:
    """Seconds the account waits after the `level`-th failure past the limit (0: the failure that reached it)."""
    first, most = current_app.config["LOGIN_DELAY_FIRST_SECONDS"], current_app.config["LOGIN_DELAY_MAX_SECONDS"]
    return min(most, first * 2 ** min(level, 32))


def account_stem(email: str, purpose: str = "login") -> str:
    """The key stem of an account: a hash of its normalised email, under the purpose's prefix."""
    return f"{purpose}:account:" + hashlib.sha256(normalise_email(email or "")[:254].encode()).hexdigest()[:32]


def _instant(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, clock.now().tzinfo)


def reserve(email: str, address: str | None, purpose: str = "login") -> Attempt:
    """Take a slot for one password check, or raise Throttled. Call `settle` after the check.

    `purpose` "mfa" counts the codes of a second factor (lms.mfa) the same way, apart from the passwords:
    a wrong code is one failure of that account and of that address, under the same limits."""
    try:
        return _reserve(email, address, purpose)
    except Throttled as refused:
        REFUSALS.labels(purpose, refused.scope).inc()
        raise


def _reserve(email: str, address: str | None, purpose: str) -> Attempt:
    store = counters()
    now = clock.now()
    amount, window = _limit("LOGIN_LIMIT_PER_ADDRESS")
    address_key = f"{purpose}:address:" + (address or "unknown")
    if store.incr(address_key, window) > amount:
        raise Throttled("address", now + timedelta(seconds=max(1.0, store.ttl(address_key))))
    account = account_stem(email, purpose)
    try:
        return _reserve_account(store, account, address_key, now)
    except Throttled:
        store.incr(address_key, window, -1)  # no password was checked: the address's budget is not spent
        raise


def _reserve_account(store, account: str, address_key: str, now: datetime) -> Attempt:
    amount, window = _limit("LOGIN_LIMIT_PER_ACCOUNT")
    not_before = store.get(account + ":not-before")
    if not_before is not None:
        if now.timestamp() * 1000 < not_before:
            raise Throttled("account", _instant(not_before))
        # The delay is over: one attempt (the first to claim this turn, on any worker) is checked.
        if not store.claim(f"{account}:turn:{not_before}", delay(0) + window):
            raise Throttled("account", now + timedelta(seconds=delay(0)))
        return Attempt(address_key, account, after_delay=True)
    if store.incr(account + ":reserved", window) > amount:
        store.incr(account + ":reserved", window, -1)
        # The allowed checks are under way (or failed an instant ago): wait at least the first delay.
        raise Throttled("account", now + timedelta(seconds=delay(0)))
    return Attempt(address_key, account, after_delay=False)


def settle(attempt: Attempt, signed_in: bool) -> None:
    """Book the outcome of a reserved attempt: a success gives its slots back, a failure keeps them and may
    start (or double) the account's delay."""
    store = counters()
    _, address_window = _limit("LOGIN_LIMIT_PER_ADDRESS")
    amount, window = _limit("LOGIN_LIMIT_PER_ACCOUNT")
    account = attempt.account
    if signed_in:
        store.incr(attempt.address_key, address_window, -1)
        if attempt.after_delay:
            store.delete(account + ":reserved", account + ":failed", account + ":level", account + ":not-before")
        else:
            store.incr(account + ":reserved", window, -1)
        return
    now = clock.now().timestamp()
    if attempt.after_delay:
        level = (store.get(account + ":level") or 0) + 1  # only this attempt holds the turn: no race here
        _start_delay(store, account, now, level, window)
    elif store.incr(account + ":failed", window) == amount:  # exactly one failure is the one that reaches it
        _start_delay(store, account, now, 0, window)


def release(attempt: Attempt) -> None:
    """Give back the slots of an attempt whose check did not happen (a fault)."""
    store = counters()
    store.incr(attempt.address_key, _limit("LOGIN_LIMIT_PER_ADDRESS")[1], -1)
    if not attempt.after_delay:
        store.incr(attempt.account + ":reserved", _limit("LOGIN_LIMIT_PER_ACCOUNT")[1], -1)


def _start_delay(store, account: str, now: float, level: int, window: int) -> None:
    wait = delay(level)
    until = math.ceil((now + wait) * 1000)  # milliseconds: the instant, exactly enough
    keep = wait + window  # the account forgets its failures a window after the delay ends
    store.set(account + ":level", level, keep)
    store.set(account + ":not-before", until, keep)


def refusal_response(refused: Throttled, purpose: str = "login"):
    """The 429 page of a refused attempt: why, and from when the next attempt is taken (with Retry-After)."""
    if refused.scope == "address":
        detail = _("Too many failed sign-ins from your network. You can try again from %(time)s.",
                   time=format_time(refused.until))
    elif purpose == "mfa":
        detail = _("Too many wrong codes for this account. You can try again from %(time)s, or ask an "
                   "administrator to reset your second factor.", time=format_time(refused.until))
    else:
        detail = _("Too many failed sign-ins for this account. You can try again from %(time)s, or ask your "
                   "coordinator for a new set-password link.", time=format_time(refused.until))
    page, code = render_error(429, detail)
    return page, code, {"Retry-After": str(refused.retry_after())}
