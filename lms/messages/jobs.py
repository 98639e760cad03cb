"""The reminders' periodic job: the scheduler (`lms worker`) runs every scan once an hour. Each message has an
idempotency key, so a run repeated (a retry, the command below run by cron as well) sends nothing twice."""
from __future__ import annotations

from lms.jobs import crontab, periodic
from lms.messages.reminders import send_reminders


@periodic(crontab(minute="5"))
def send_reminders_hourly() -> None:
    """Send the reminders due now (lms.messages.reminders.send_reminders), at five past every hour."""
    send_reminders()
