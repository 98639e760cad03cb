"""SQLite: a consistent copy of a running site's database through SQLite's online backup API, and its
restore the same way.

A plain copy of the file is no backup. The site's database runs in WAL mode (lms.core.db): the last
commits live in `lms.sqlite3-wal` until a checkpoint moves them into the main file, so a `cp` of
`lms.sqlite3` alone loses them (a test lost 184 answers that way), and a copy of the two files made
one after the other can be torn. The backup API reads the database through SQLite, in one read
transaction: the copy holds every commit made before it began and none half made, while the site's
writers go on (WAL lets readers and a writer work at once).

The restore writes the copy into the target database through the same API, inside SQLite's locking:
the database's own `-wal` and `-shm` files stay right, which replacing the file by hand would not.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import URL

from lms.backups.archive import BackupError

TIMEOUT = 30  # seconds to wait for the site's writers before giving up


def database_path(url: URL) -> Path:
    """The file of a SQLite database URL; BackupError for an in-memory database."""
    database = url.database
    if not database or database == ":memory:" or url.query.get("mode") == "memory":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _check(connection: sqlite3.Connection, what: str) -> None:
    problems = [row[0] for row in connection.execute("PRAGMA quick_check")]
    if problems != ["ok"]:
        raise BackupError(f"SQLite finds {what} damaged: {problems[0]}")


def copy_database(source: Path, target: Path) -> None:
    """Copy the live database `source` into the new file `target`: one moment of it, checked."""
    if not source.is_file():
        raise BackupError(f"the SQLite database {source} does not exist: run `lms init` first")
    # mode=rw: a database that vanished is an error, not a new empty file.
    origin = sqlite3.connect(f"{source.resolve().as_uri()}?mode=rw", uri=True, timeout=TIMEOUT)
    copy = sqlite3.connect(target)
    try:
        origin.backup(copy)  # pages=-1: the whole database in one step, so in one read transaction
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal to go with it
        _check(copy, "the copy")
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite could not copy {source}: {exc}") from exc
    finally:
        copy.close()
        origin.close()


def restore_database(copy: Path, target: Path) -> None:
    """Replace the whole content of the database `target` (made if missing) by the database file `copy`."""
    if not target.parent.is_dir():
        raise BackupError(f"the folder of the SQLite database, {target.parent}, does not exist")
    source = sqlite3.connect(f"{copy.resolve().as_uri()}?mode=ro", uri=True)
    destination = sqlite3.connect(target, timeout=TIMEOUT)
    try:
        _check(source, "the backup's database")
        source.backup(destination)
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite could not restore into {target}: {exc}") from exc
    finally:
        destination.close()
        source.close()


def connect(path: Path) -> sqlite3.Connection:
    """A plain connection to a database file (to count what a copy holds)."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
