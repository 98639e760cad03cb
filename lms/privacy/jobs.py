"""Retention as a periodic job: `lms data prune` once a day, run by the queue's scheduler."""
from __future__ import annotations

from lms.jobs import crontab, periodic
from lms.privacy.services import prune


@periodic(crontab(minute="17", hour="2"))
def prune_daily() -> None:
    """Every day at 02:17 UTC (a quiet hour for the partners' zones): apply the retention settings, as
    `lms data prune` does from cron (the settings that are unset keep their data forever)."""
    prune()
