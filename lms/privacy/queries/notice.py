"""The privacy notice: which Markdown file holds it for a language, its text, and whether a person is to be sent
to it after signing in."""
from __future__ import annotations

from pathlib import Path

from flask import current_app

NOTICE_DIR = Path(__file__).resolve().parent.parent / "notice"  # lms/privacy/notice/


def notice_path(locale: str | None) -> Path:
    """The Markdown file of the notice for `locale`.

    The operator's LMS_PRIVACY_NOTICE_FILE (e.g. notice.md) wins; a sibling with the language before
    the suffix (notice.uk.md) is used for that language when it exists. Without the setting, the
    default text shipped in lms/privacy/notice/.
    """
    configured = current_app.config.get("PRIVACY_NOTICE_FILE") or ""
    base = Path(configured) if configured else NOTICE_DIR / "notice.md"
    if locale and locale != "en":
        translated = base.with_name(f"{base.stem}.{locale}{base.suffix}")
        if translated.is_file():
            return translated
    return base


def notice_markdown(locale: str | None) -> str:
    """The notice's Markdown text; a missing operator file falls back to the shipped text (and says so in the log)."""
    path = notice_path(locale)
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        current_app.logger.error("privacy notice file %s cannot be read; showing the default text", path)
        return (NOTICE_DIR / "notice.md").read_text(encoding="utf-8")


def needs_acknowledgement(user) -> bool:
    """Whether `user` is to be sent to the privacy notice after signing in (LMS_PRIVACY_NOTICE_AT_SIGN_IN)."""
    return bool(current_app.config.get("PRIVACY_NOTICE_AT_SIGN_IN", True) and user.privacy_acknowledged_at is None)
