"""`lms messages send-reminders`: the reminders' scans run once, for cron users (the scheduler of `lms worker`
runs the same every hour: lms.messages.jobs)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from lms.core.commandline import in_english
from lms.messages.reminders import send_reminders


@click.group("messages")
def messages_group():
    """Reminders and the other messages the platform sends."""


@messages_group.command("send-reminders")
@with_appcontext
@in_english
def send_reminders_command():
    """Send the reminders due now: due dates in 7 and 1 days, sessions and runs tomorrow, certificates expiring in
    60 and 14 days or just expired, the coordinators' Monday digest. Safe to run again: nothing is sent twice."""
    counts = send_reminders()
    click.echo("queued " + ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in counts.items())
               + " message(s)")
