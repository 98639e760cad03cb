"""Low-data mode: the viewer's choice to be sent no images, each shown as its alternative text with a link
that opens it (lms.core.markdown.without_images).

A signed-in person's choice is on their profile (`users.low_data_mode`), so that it follows them to
every device they sign in on; a visitor's is in the session. This module only reads it: the account's
attribute and the session's key, both set by the features that own them. It knows no feature.
"""
from __future__ import annotations

from flask import has_request_context, session
from flask_login import current_user

# The session's key for a visitor who is not signed in (and the copy of a signed-in person's choice, for the
# pages made before their account is read).
SESSION_KEY = "low_data"


def low_data_mode() -> bool:
    """Whether the current viewer asked for low-data mode; never outside a request (mails, jobs, exports)."""
    if not has_request_context():
        return False
    if current_user and current_user.is_authenticated:
        return bool(getattr(current_user, "low_data_mode", False))
    return bool(session.get(SESSION_KEY))
