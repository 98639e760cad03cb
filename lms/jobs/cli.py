"""`lms worker` (the queue's worker and scheduler) and `lms jobs` (the queue's figures, running what is due)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from lms.core.commandline import in_english
from lms.jobs.queries import failures_waiting
from lms.jobs.queue import huey, queue_figures, run_pending


@click.command("worker")
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Jobs run at once (threads).")
@click.option("--no-scheduler", is_flag=True,
              help="Do not run the periodic jobs here: exactly one worker of a site runs the scheduler.")
@with_appcontext
def worker_command(workers: int, no_scheduler: bool):
    """Run the job queue's worker (and, unless told not to, its scheduler of periodic jobs) until stopped."""
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
    """Run the jobs that are due, here and now (for sites that run cron instead of `lms worker`)."""
    ran = run_pending(periodic=periodic)
    click.echo(f"ran {ran} job(s)")
