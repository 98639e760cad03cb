"""`lms reports recount`: rebuild the figures the reports read (lms.learning.figures) from the rows they count,
after a repair of the database by hand that changed lesson views, attempts, marks or records behind the
application's back. The application keeps them itself otherwise; running it again changes nothing."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from lms.core.commandline import in_english
from lms.learning import figures


@click.group("reports")
def reports_group():
    """The figures the reports read."""


@reports_group.command("recount")
@with_appcontext
@in_english
def recount_command():
    """Count every enrolment's figures again from its lesson views, attempts, marks and records, one course at a
    time (each course in one transaction, set-based), showing the progress."""
    def progress(done: int, total: int) -> None:
        click.echo(f"  {done:,} / {total:,} courses")

    held = figures.recount(progress)
    click.echo(f"recounted: {held:,} enrolment(s) hold figures")
