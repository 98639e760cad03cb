"""`lms worker` (the queue's worker and scheduler) and `lms jobs` (the queue's figures, running what is due).

Both run jobs that compose mail (reminders, digests, announcements, set-password links), whose links are built
on LMS_PUBLIC_URL: a job has no request to take the site's address from, so without it every link would point
at http://localhost. In production they refuse to start without it; elsewhere they say so on stderr.
"""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from lms.core.commandline import in_english
from lms.jobs.queries import failures_waiting
from lms.jobs.queue import huey, queue_figures, run_pending


NO_PUBLIC_URL = ("LMS_PUBLIC_URL is not set: the links in mails written by jobs (reminders, digests, announcements, "
                 "set-password links) would point at http://localhost. Set it to the address people reach the site "
                 "at, e.g. LMS_PUBLIC_URL=https://learn.example.org")


def require_public_url() -> None:
    """Refuse (production) or warn (elsewhere) when LMS_PUBLIC_URL is unset."""
    if current_app.config.get("PUBLIC_URL"):
        return
    if current_app.config["ENV"] == "production":
        raise click.ClickException(NO_PUBLIC_URL)
    click.echo(f"warning: {NO_PUBLIC_URL}", err=True)


@click.command("worker")
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Jobs run at once (threads).")
@click.option("--no-scheduler", is_flag=True,
              help="Do not run the periodic jobs here: exactly one worker of a site runs the scheduler.")
@with_appcontext
def worker_command(workers: int, no_scheduler: bool):
    """Run the job queue's worker (and, unless told not to, its scheduler of periodic jobs) until stopped.
    Refused in production without LMS_PUBLIC_URL (the links in the mails it writes)."""
    require_public_url()
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=not no_scheduler,
                                    check_worker_health=True, flush_locks=False)
    click.echo(f"worker: {workers} thread(s), scheduler {'off' if no_scheduler else 'on'}, "
               f"queue {huey.storage.__class__.__name__}")
    consumer.run()


@click.group("jobs")
def jobs_group():
    """The job queue."""


@jobs_group.command("status")
@with_appcontext
@in_english
def status_command():
    """How many jobs wait, how many are planned for later, and how many failed jobs nobody has retried."""
    figures = queue_figures()
    click.echo(f"waiting: {figures['pending']}, planned: {figures['scheduled']}, failed: {failures_waiting()}")


@jobs_group.command("run-pending")
@click.option("--periodic", is_flag=True, help="Also run the periodic jobs due at this minute.")
@with_appcontext
@in_english
def run_pending_command(periodic: bool):
    """Run the jobs that are due, here and now (for sites that run cron instead of `lms worker`). Refused in
    production without LMS_PUBLIC_URL, as the worker is."""
    require_public_url()
    ran = run_pending(periodic=periodic)
    click.echo(f"ran {ran} job(s)")
