"""One-time recovery codes: how they look, and how they are stored.

Ten codes of ten characters each from an alphabet without look-alikes (no 0/o, 1/l/i), shown as
"xxxxx-xxxxx": about 49 bits each, so a SHA-256 of the normalised code is stored, as for tokens, and the
sign-in throttle stops guessing long before chance could help.
"""
from __future__ import annotations

import re
import secrets

from lms.core.security import hash_token

COUNT = 10
LENGTH = 10
ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"


def new_codes() -> list[str]:
    """Ten fresh codes as they are shown ("abcde-fgh23")."""
    codes = ["".join(secrets.choice(ALPHABET) for _ in range(LENGTH)) for _ in range(COUNT)]
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def normalise(code: str | None) -> str:
    """What was typed, lower-cased, without spaces or dashes (only the first few dozen characters read)."""
    return re.sub(r"[\s\-]", "", (code or "")[:64]).lower()


def looks_like_code(code: str | None) -> bool:
    """Whether the typed text has the shape of a recovery code."""
    c = normalise(code)
    return len(c) == LENGTH and all(ch in ALPHABET for ch in c)


def code_hash(code: str) -> str:
    """The stored form of a code."""
    return hash_token(normalise(code))
