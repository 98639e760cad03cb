"""`lms data ...`: retention (prune), and an operator's personal-data download and anonymisation."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from lms.auth.queries import user_by_email, user_by_id
from lms.core import when
from lms.core.commandline import in_english
from lms.privacy.services import (
    PrivacyError,
    anonymise_user,
    export_personal_data,
    prune,
)


@click.group("data")
def data_group():
    """Personal data: retention, downloads and anonymisation."""


def _user(user_id: int | None, email: str | None):
    if (user_id is None) == (email is None):
        raise click.UsageError("give exactly one of --id or --email")
    user = user_by_id(user_id) if user_id is not None else user_by_email(email)
    if user is None:
        raise click.ClickException(f"no account with id {user_id}" if user_id is not None
                                   else f"no account with the email address {email!r}")
    return user


def _when(moment) -> str:
    return when.format_datetime(moment, where=when.platform_zone())


@data_group.command("prune")
@click.option("--dry-run", is_flag=True, help="Only count what would be removed.")
@with_appcontext
@in_english
def prune_command(dry_run: bool):
    """Apply LMS_AUDIT_RETENTION_DAYS, LMS_ANSWER_RETENTION_DAYS and LMS_CALENDAR_FEED_RETENTION_DAYS (run daily
    from cron or a timer)."""
    report = prune(dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    if report.audit_days:
        click.echo(f"audit events: {verb} {report.audit_events_deleted} older than {report.audit_days} days "
                   f"(before {_when(report.audit_before)})")
        click.echo(f"withdrawal reasons: {'would clear' if dry_run else 'cleared'} {report.reasons_cleared} of "
                   f"enrolments withdrawn before then")
        click.echo(f"recorded completions' reasons: {'would clear' if dry_run else 'cleared'} "
                   f"{report.recorded_reasons_cleared} of completions recorded before then")
        click.echo(f"sign-in sessions: {verb} {report.sessions_deleted} ended before then")
        click.echo(f"recovery codes: {verb} {report.recovery_codes_deleted} used before then")
        click.echo(f"session sign-ups: {verb} {report.sign_ups_deleted} cancelled before then")
    else:
        click.echo("audit events: kept forever (LMS_AUDIT_RETENTION_DAYS is not set)")
    verb = "would clear" if dry_run else "cleared"
    if report.answer_days:
        click.echo(f"quiz answers: {verb} the raw responses of {report.answers_cleared} answer(s) of attempts "
                   f"ended more than {report.answer_days} days ago (before {_when(report.answers_before)}); "
                   "scores and results kept")
        click.echo(f"assignments: {verb} the text and files of {report.submissions_cleared} submission(s) handed in "
                   "before then; marks kept")
        click.echo(f"practical assessments: {verb} the comments and evidence files of "
                   f"{report.practical_records_cleared} record(s) signed before then; outcomes and results kept")
        click.echo(f"answers received late after an outage: {verb} the answers of {report.late_answers_cleared} "
                   "set(s) received before then; decisions and results kept")
    else:
        click.echo("quiz answers: kept forever (LMS_ANSWER_RETENTION_DAYS is not set)")
    if report.feed_days:
        click.echo(f"calendar feeds: {'would delete' if dry_run else 'deleted'} {report.calendar_feeds_deleted} not "
                   f"read for {report.feed_days} days (since {_when(report.feeds_before)})")
    if report.export_days:
        click.echo(f"export jobs: {'would delete' if dry_run else 'deleted'} {report.export_jobs_deleted} record(s) "
                   f"of background exports made more than {report.export_days} days ago (their files were gone)")
    if report.mail_days:
        verb = "would delete" if dry_run else "deleted"
        click.echo(f"mail: {verb} {report.outbox_messages_deleted} mail(s) sent and {report.notifications_deleted} "
                   f"notification(s) read more than {report.mail_days} days ago (before {_when(report.mail_before)})")


@data_group.command("export")
@click.option("--id", "user_id", type=int, help="The account's id.")
@click.option("--email", help="The account's email address.")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="File to write (a .json file, or a .zip of CSV files).")
@with_appcontext
@in_english
def export_command(user_id, email, fmt, output: Path):
    """Write everything held about one person to a file (for a request made outside the platform). Audited."""
    user = _user(user_id, email)
    if not output.parent.is_dir():  # checked first: the export is audited, and nothing would be written
        raise click.BadParameter(f"{output.parent} is not a folder", param_hint="--output")
    download = export_personal_data(user, fmt, actor=None)
    output.write_bytes(download.content)
    click.echo(f"wrote the personal data of account {user.id} to {output} ({len(download.content)} bytes)")


@data_group.command("anonymise")
@click.option("--id", "user_id", type=int, help="The account's id.")
@click.option("--email", help="The account's email address.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
@in_english
def anonymise_command(user_id, email, yes: bool):
    """Anonymise a departed officer's account (cannot be undone). Audited."""
    user = _user(user_id, email)
    if user.anonymised_at is not None:  # said before asking for a confirmation that would change nothing
        raise click.ClickException(f"account {user.id} is already anonymised; nothing to do")
    if not yes:
        click.confirm(f"Anonymise account {user.id} ({user.role})? This cannot be undone", abort=True)
    try:
        anonymise_user(user, actor=None)
    except PrivacyError as exc:
        raise click.ClickException(f"account {user.id} cannot be anonymised ({exc})") from exc
    click.echo(f"account {user.id} is anonymised")
