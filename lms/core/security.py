"""Random tokens and password hashing."""
from __future__ import annotations

import hashlib
import secrets

from flask import current_app, has_app_context
from werkzeug.security import check_password_hash, generate_password_hash


def new_token(nbytes: int = 32) -> tuple[str, str]:
    """A fresh URL-safe random token and the SHA-256 hex digest under which it is stored."""
    token = secrets.token_urlsafe(nbytes)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    """The stored form of a token. Tokens are random and long, so a plain SHA-256 suffices."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def hash_password(password: str) -> str:
    """A salted scrypt hash of a password (cost from PASSWORD_HASH_METHOD; tests use a cheaper one)."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
    return generate_password_hash(password, method=method)


# A valid hash of a random password: checking against it when the account does not exist costs
# the same time as a real check, so response times do not reveal which emails have accounts.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16), method="scrypt")


def check_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches the hash; always spends the time of one check."""
    if not password_hash:
        check_password_hash(_DUMMY_HASH, password)
        return False
    return check_password_hash(password_hash, password)
