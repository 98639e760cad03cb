"""The kinds of message the platform sends: a fixed list, each with its label and whether it is a security message.

Security messages (a password reset, the set-password link of a new account) are always mailed, carry no
unsubscribe line and leave no in-app notification. Every other kind can be turned off per person on the
preferences page, or by the one-click unsubscribe link of a mail of that kind.
"""
from __future__ import annotations

from typing import NamedTuple

from flask_babel import lazy_gettext as _l


class Kind(NamedTuple):
    """A kind of message: its name (stored), its label (the preferences page) and whether it is security."""

    name: str
    label: object
    security: bool = False


KINDS: dict[str, Kind] = {kind.name: kind for kind in (
    Kind("password_reset", _l("Password reset"), security=True),
    Kind("account_created", _l("Your new account"), security=True),
    Kind("enrolment", _l("Enrolments confirmed or restored")),
    Kind("due", _l("Due dates coming up")),
    Kind("session", _l("Training sessions: a place from the waiting list, tomorrow, moved or cancelled")),
    Kind("run", _l("Course runs: a place from the waiting list, starting, cancelled or moved")),
    Kind("expiry", _l("Certificates expiring")),
    Kind("coordinator_digest", _l("Weekly digest of my officers' expiring certificates")),
    Kind("announcement", _l("Announcements")),
    Kind("assessment", _l("Work marked or returned")),
    Kind("practical", _l("Results of practical assessments")),
)}

# The daily digest of held messages: not a kind one chooses, but a message of its own (lms.mail.digest). Its
# one-click unsubscribe turns every kind off.
DIGEST = "digest"
DIGEST_KIND = Kind(DIGEST, _l("Daily digest"))


def describe(kind: str) -> Kind:
    """The kind of a stored message: one of KINDS, or the daily digest."""
    return DIGEST_KIND if kind == DIGEST else KINDS[kind]


def is_security(kind: str) -> bool:
    """Whether messages of this kind are security messages (always sent, no unsubscribe, no notification)."""
    return KINDS[kind].security


def optional_kinds() -> list[Kind]:
    """The kinds a person may turn off, in the order of KINDS."""
    return [kind for kind in KINDS.values() if not kind.security]


def check(kind: str) -> Kind:
    """The kind of this name; ValueError for a name not in KINDS (a caller's mistake)."""
    try:
        return KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown kind of message: {kind!r}") from None
