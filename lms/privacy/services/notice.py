"""Acknowledging the privacy notice (the notice's text is read by `lms.privacy.queries.notice`)."""
from __future__ import annotations

from lms.audit import services as audit
from lms.auth.models import User
from lms.core import clock
from lms.extensions import db


def acknowledge_notice(user: User) -> None:
    """Record that `user` has read the privacy notice (the first time only)."""
    if user.privacy_acknowledged_at is not None:
        return
    user.privacy_acknowledged_at = clock.now()
    audit.record("privacy.notice_acknowledged", actor=user, target=user, institution_id=user.institution_id)
    db.session.commit()
