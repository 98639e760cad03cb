"""Time-based one-time passwords (RFC 6238) as authenticator apps make them: six digits, 30-second steps,
SHA-1 (what every app supports), one step of drift either way allowed. pyotp makes and checks the codes;
the step of an accepted code is returned so that the same code is never accepted twice."""
from __future__ import annotations

import hmac
import re
from datetime import datetime

import pyotp
import segno

STEP_SECONDS = 30
DIGITS = 6
# Steps either side of now still accepted: a phone clock a little off, a code typed as it changed.
DRIFT = 1
_CODE = re.compile(r"^\d{6}$")


def new_secret() -> str:
    """A fresh shared secret: 160 random bits in base32, as RFC 4226 recommends."""
    return pyotp.random_base32(32)


def normalise(code: str | None) -> str:
    """What was typed, without spaces or dashes (apps show "123 456"); at most a few characters looked at."""
    return re.sub(r"[\s\-]", "", (code or "")[:32])


def matching_step(secret: str, code: str, now: datetime, after_step: int | None) -> int | None:
    """The time step whose code `code` is, within the allowed drift and later than `after_step` (the last
    accepted one), or None. Compared in constant time."""
    code = normalise(code)
    if not _CODE.match(code):
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = int(now.timestamp()) // STEP_SECONDS
    found = None
    for step in range(current - DRIFT, current + DRIFT + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code) and (after_step is None or step > after_step):
            found = step
    return found


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// URI an app reads from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(name=account,
                                                                                      issuer_name=issuer)


def qr_data_uri(uri: str) -> str:
    """The QR code of `uri` as an SVG data: URI for an <img> (no markup of ours marked safe, no outside
    request): dark modules on white, with the quiet zone apps need."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=4)


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
