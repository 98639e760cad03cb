"""Who may see and retry the job queue's failures: admins."""
from __future__ import annotations

from lms.access.rules import is_admin, rule


@rule
def can_manage_jobs(user) -> bool:
    """May see the queue's figures and failed jobs, and queue a failed job again (admins)."""
    return is_admin(user)
