"""`lms backup FILE` and `lms restore FILE [--force]`: the whole site (database and stored files) in one
archive, and back. Progress goes to stderr, line by line; the outcome to stdout; a refusal is one
`Error:` line with a non-zero exit code (lms.core.commandline)."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask.cli import with_appcontext

from lms.backups.archive import BackupError, megabytes
from lms.backups.services import KINDS, create_backup, restore_backup
from lms.core import when
from lms.core.commandline import in_english
from lms.core.storage import StorageError


def _progress(line: str) -> None:
    click.echo(line, err=True)


def _made_at(created_at: str) -> str:
    try:
        return when.format_datetime(datetime.fromisoformat(created_at), where=when.platform_zone())
    except ValueError:
        return created_at


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
@in_english
def backup_command(file: Path):
    """Write the database and the stored files into one new archive FILE (FILE.tar, or FILE.tar.gz to
    compress it), with a manifest of checksums. Safe while the site runs. Audited."""
    try:
        report = create_backup(file, progress=_progress)
    except (BackupError, StorageError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Backup written to {file} ({megabytes(report.size)}): {KINDS[report.kind]} database at schema "
               f"revision {report.revision}, {len(report.tables)} tables with {sum(report.tables.values())} rows, "
               f"{report.files} stored files ({megabytes(report.file_bytes)}).")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True,
              help="Replace the data of a database that is not empty, and delete the stored files the backup "
                   "does not hold.")
@with_appcontext
@in_english
def restore_command(file: Path, force: bool):
    """Restore an archive of `lms backup` into the database of LMS_DATABASE_URL and the storage. Every
    checksum is verified before anything changes; a database that holds rows is refused unless --force.
    Stop the site (and its timers) first."""
    try:
        report = restore_backup(file, force=force, progress=_progress)
    except (BackupError, StorageError) as exc:
        raise click.ClickException(str(exc)) from exc
    manifest = report.manifest
    click.echo(f"Restored {file}, made {_made_at(manifest.created_at)} by platform version "
               f"{manifest.platform_version}: {KINDS[manifest.kind]} database at schema revision {manifest.revision}, "
               f"{len(manifest.tables)} tables with {sum(manifest.tables.values())} rows (as counted in the backup), "
               f"{report.files} stored files" + (f"; deleted {report.deleted} stored files the backup does not hold."
                                                 if report.deleted else "."))
    if report.older:
        click.echo(f"The backup's schema (revision {manifest.revision}) is older than this version's ({report.head}): "
                   "run `lms init` to upgrade it before starting the site.")
