"""The authenticator apps' shared secrets, encrypted at rest.

A copy of the database (a backup, a dump handed to a developer) must not let anyone make a person's codes.
The secret is sealed with Fernet (AES-128-CBC and HMAC-SHA256, from `cryptography`) under a key derived
with HKDF from the site's secret key (LMS_SECRET_KEY), which is not in the database. Changing the secret key
therefore makes every authenticator app unusable: its holders sign in with a recovery code or a passkey and
enrol the app again, or an admin resets their second factor (docs/operations.md says so).
"""
from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app


class Unsealable(ValueError):
    """The sealed secret was made under another secret key (or altered)."""


def _fernet() -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"lms second factor secrets").derive(current_app.config["SECRET_KEY"].encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret: str) -> str:
    """The stored form of a secret."""
    return _fernet().encrypt(secret.encode()).decode("ascii")


def unseal(sealed: str) -> str:
    """The secret back; raises Unsealable if it was sealed under another key."""
    try:
        return _fernet().decrypt(sealed.encode("ascii")).decode()
    except (InvalidToken, ValueError) as exc:
        raise Unsealable(str(exc)) from exc
