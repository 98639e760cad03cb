"""The quiz engine's periodic job: attempts past their time limit are closed and graded."""
from __future__ import annotations

import logging

from lms.jobs import crontab, periodic
from lms.quizzes.services import close_expired

log = logging.getLogger(__name__)


@periodic(crontab(minute="*"))
def close_expired_attempts() -> int:
    """Every minute: close and grade the attempts past their deadline and grace (a trainee who closed the tab
    gets the result of what was saved); `lms attempts close-expired` does the same from cron."""
    closed = close_expired()
    if closed:
        log.info("closed %d expired attempt(s)", closed)
    return closed
