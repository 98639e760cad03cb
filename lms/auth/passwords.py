"""Password rules: long enough, not the email, not a well-known password."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

MIN_LENGTH = 10
MAX_LENGTH = 200

# The most used passwords from public breach lists, and words of this platform's own setting.
COMMON = {
    "password", "password1", "password12", "password123", "password1234", "123456789", "1234567890",
    "12345678910", "qwertyuiop", "qwerty1234", "qwerty12345", "1q2w3e4r5t", "1qaz2wsx3edc", "iloveyou12",
    "admin12345", "administrator", "welcome123", "letmein123", "passw0rd123", "football123", "sunshine12",
    "princess12", "0987654321", "1111111111", "0000000000", "abcdefghij", "abc1234567", "zaq12wsxcde",
    "changeme123", "trustno1234", "monkey12345", "dragon12345", "superman123", "starwars123",
    "borderguard", "bordercontrol", "customs1234", "frontex2024", "frontex2025", "frontex2026",
    "ukraine2024", "ukraine2025", "ukraine2026", "slavaukraini",
}


def password_problems(password: str, email: str | None = None) -> list[str]:
    """Every rule the password breaks, as messages for the form (empty when it is fine)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_l("Use at least %(n)d characters.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        problems.append(_l("Use at most %(n)d characters.", n=MAX_LENGTH))
    lowered = password.strip().lower()
    if email and (lowered == email.lower() or lowered == email.lower().split("@")[0]):
        problems.append(_l("Do not use your email address as a password."))
    if lowered in COMMON or len(set(lowered)) <= 2:
        problems.append(_l("This password is too easy to guess. Choose another."))
    return problems
