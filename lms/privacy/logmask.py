"""Emails never reach the log: a logging filter that masks anything email-shaped.

`install_email_masking` puts `EmailMaskingFilter` on the "lms" logger and on every handler of the
"lms" logger and of the root logger (gunicorn's and the server's handlers included), and on Python's
handler of last resort (what writes a library's warning when no handler is configured); lms.gunicorn_conf
puts it on gunicorn's own handlers. A filter on a
logger only sees records logged to that very logger, while a filter on a handler sees every record
the handler writes, children's included; the filter rewrites the record in place, so every handler
after it writes the masked text too.

`trainee.officer@example.org` becomes `t***@example.org`: enough to tell two domains apart, not
enough to name a person. URL-encoded forms (`trainee%40example.org`) are masked as well.
"""
from __future__ import annotations

import logging
import re

# Unicode-aware: \w covers Cyrillic, Georgian and Armenian letters as well as Latin ones.
EMAIL = re.compile(r"(?<![\w.+%'-])([\w'+-])[\w.+%'-]*(@|%40)([\w-]+(?:\.[\w-]+)+)", re.UNICODE)


def mask_emails(text: str) -> str:
    """`text` with every email-shaped part reduced to its first character, `***` and the domain."""
    if not text or ("@" not in text and "%40" not in text):
        return text
    return EMAIL.sub(lambda m: f"{m.group(1)}***{m.group(2)}{m.group(3)}", text)


class EmailMaskingFilter(logging.Filter):
    """Rewrites a record's message (and exception text) with the emails masked; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string is logging's problem, not ours
            return True
        masked = mask_emails(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            # Exceptions carry SQL parameters and form values: format them now, masked.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_emails(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_emails(record.stack_info)
        return True


def add_masking(target) -> None:
    """Put the masking filter on a logger or a handler, once."""
    if not any(isinstance(f, EmailMaskingFilter) for f in target.filters):
        target.addFilter(EmailMaskingFilter())


def install_email_masking(logger: logging.Logger | None = None) -> None:
    """Mask emails on `logger` ("lms" by default), on its handlers, on the root logger's handlers and on the
    handler of last resort.

    Safe to call again (each app built in a process calls it): a filter is added at most once.
    """
    logger = logger or logging.getLogger("lms")
    add_masking(logger)
    for handler in [*logger.handlers, *logging.getLogger().handlers]:
        add_masking(handler)
    if logging.lastResort is not None:
        add_masking(logging.lastResort)
