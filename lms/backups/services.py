"""Backing up and restoring a whole site: its database and the files of its storage, in one archive.

`create_backup` copies the database first, as one moment of it (SQLite's online backup API, or
pg_dump of an exported snapshot, with the rows counted in that same snapshot), then the storage's
files: a file is written before the row that names it and never changed, so the files listed after
the database was copied include every file its rows name. It is safe while the site runs and writes.

`restore_backup` changes nothing until the archive has passed every check: a manifest it can read,
a schema revision this version knows (never a newer one), the same kind of database, a database
with no rows (unless `force`), and the checksum of every member. It then puts the files in the
storage, replaces the database, counts the rows against the manifest, and with `force` deletes the
stored files the backup does not hold. The restored database holds exactly the backup's rows: the
restore itself is not written into it (the command's output is its record). Stop the site first.
"""
from __future__ import annotations

import importlib.metadata
import tempfile
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app
from sqlalchemy.engine import Engine

from lms.audit import services as audit
from lms.backups import postgres, sqlite
from lms.backups.archive import (
    DATABASE_MEMBERS, FILES, FORMAT, FORMAT_VERSION, ArchiveReader, ArchiveWriter, BackupError, HashingReader,
    Manifest, Progress, Ticker, megabytes,
)
from lms.backups.tables import VERSION_TABLE, row_counts, schema_revision
from lms.core import clock, when
from lms.core.storage import Storage, StorageNotFound, current_storage
from lms.extensions import db

KINDS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _quiet(_line: str) -> None:
    """No progress lines."""


@dataclass(frozen=True)
class BackupReport:
    """What `create_backup` wrote."""

    path: Path
    size: int  # of the archive, in bytes
    kind: str
    revision: str
    tables: dict[str, int]
    files: int
    file_bytes: int
    vanished: int  # files listed but deleted by the site before they were read (their rows were gone)


@dataclass(frozen=True)
class RestoreReport:
    """What `restore_backup` restored."""

    manifest: Manifest
    head: str  # the latest schema revision this version knows
    files: int
    deleted: int  # stored files the backup did not hold, deleted with `force`

    @property
    def older(self) -> bool:
        """Whether the restored schema is older than this version's (`lms init` upgrades it)."""
        return self.manifest.revision != self.head


def platform_version() -> str:
    """The installed platform's version, as the manifest records it."""
    try:
        return importlib.metadata.version("lms")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _kind(engine: Engine) -> str:
    kind = engine.dialect.name
    if kind not in KINDS:
        raise BackupError(f"cannot back up or restore a {kind} database (SQLite and PostgreSQL only)")
    return kind


def _server_major(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.exec_driver_sql("SHOW server_version_num").scalar_one()) // 10000


def _report_tables(progress: Progress, counts: dict[str, int], suffix: str = "") -> None:
    for name, rows in counts.items():
        progress(f"database: table {name}, {rows} row{'' if rows == 1 else 's'}{suffix}")


def _copy_sqlite(engine: Engine, work: Path) -> tuple[Path, str | None, dict[str, int], dict]:
    copy = work / "lms.sqlite3"
    sqlite.copy_database(sqlite.database_path(engine.url), copy)
    connection = sqlite.connect(copy)
    try:
        facts = {"sqlite_version": connection.execute("SELECT sqlite_version()").fetchone()[0]}
        return copy, schema_revision(connection, "sqlite"), row_counts(connection, "sqlite"), facts
    finally:
        connection.close()


def _dump_postgres(engine: Engine, work: Path, progress: Progress) -> tuple[Path, str | None, dict[str, int], dict]:
    copy = work / "lms.pgdump"
    program = postgres.find_program("pg_dump", _server_major(engine))
    # One snapshot for everything: the revision and the row counts are read in the transaction that
    # exports it, and pg_dump dumps that same snapshot while the transaction stays open.
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
        snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
        version = connection.exec_driver_sql("SHOW server_version").scalar_one()
        raw = connection.connection.dbapi_connection  # the same connection, in the same transaction
        revision, counts = schema_revision(raw, "postgresql"), row_counts(raw, "postgresql")
        if revision is not None:
            progress(f"database: dumping with {program}")
            postgres.dump(engine.url, snapshot, copy, program, progress)
        connection.rollback()
    return copy, revision, counts, {"server_version": version, "pg_dump": str(postgres.program_version(program))}


def create_backup(path: Path, progress: Progress = _quiet) -> BackupReport:
    """Write the site's database and stored files into the archive `path` (FILE.tar or FILE.tar.gz, which
    must not exist), a progress line per table and every few seconds of files. Audited as `backup.created`."""
    engine, storage = db.engine, current_storage()
    kind = _kind(engine)
    with ArchiveWriter(path) as archive, tempfile.TemporaryDirectory(dir=path.parent, prefix=".lms-backup-") as work:
        progress(f"database: copying the {KINDS[kind]} database")
        if kind == "sqlite":
            copy, revision, counts, facts = _copy_sqlite(engine, Path(work))
        else:
            copy, revision, counts, facts = _dump_postgres(engine, Path(work), progress)
        if revision is None:
            raise BackupError("the database has no schema yet (no Alembic revision): run `lms init` first")
        member = archive.add_file(DATABASE_MEMBERS[kind], copy)
        Path(copy).unlink()  # the space it took is needed by the files
        _report_tables(progress, counts)
        progress(f"database: {len(counts)} tables, {sum(counts.values())} rows, schema revision {revision} "
                 f"({megabytes(member['size'])})")
        files, file_bytes, vanished = _copy_files(storage, archive, progress)
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION,
            "created_at": when.iso(clock.now(), where=ZoneInfo("UTC")),
            "platform_version": platform_version(),
            "database": {"kind": kind, "schema_revision": revision, "member": DATABASE_MEMBERS[kind], **facts},
            "tables": counts,
            "storage": {"files": files, "bytes": file_bytes, "source": storage.describe()},
        }
        size = archive.finish(manifest)
    audit.record("backup.created", file=str(path), kind=kind, schema_revision=revision, tables=len(counts),
                 rows=sum(counts.values()), files=files, bytes=size)
    db.session.commit()
    return BackupReport(path, size, kind, revision, counts, files, file_bytes, vanished)


def _copy_files(storage: Storage, archive: ArchiveWriter, progress: Progress) -> tuple[int, int, int]:
    """Every stored file into the archive; (files, bytes, vanished)."""
    keys = sorted(storage.keys())
    if not keys:
        progress(f"files: none in {storage.describe()}")
        return 0, 0, 0
    ticker, vanished = Ticker(progress, "files", len(keys)), 0
    for key in keys:
        try:
            chunks = storage.stream(key)
        except StorageNotFound:  # deleted since it was listed: its rows were deleted before it
            vanished += 1
            ticker.step()
            continue
        ticker.step(archive.add_chunks(FILES + key, chunks)["size"])
    if vanished:
        progress(f"files: {vanished} deleted by the site while the backup ran (no longer named by any row)")
    return len(keys) - vanished, ticker.size, vanished


def _check_revision(manifest: Manifest, head: str) -> None:
    script = ScriptDirectory(current_app.config["MIGRATIONS_DIR"])
    try:
        for revision in manifest.revision.split(","):
            script.get_revision(revision)
    except CommandError:
        raise BackupError(
            f"the backup is of schema revision {manifest.revision}, newer than this version of the platform "
            f"knows (its latest is {head}); restore it with platform version {manifest.platform_version} or newer; "
            "nothing was restored") from None


def _rows(engine: Engine, kind: str) -> dict[str, int]:
    connection = engine.raw_connection()
    try:
        counts = row_counts(connection, kind)
        connection.commit()
        return counts
    finally:
        connection.close()


def restore_backup(path: Path, force: bool = False, progress: Progress = _quiet) -> RestoreReport:
    """Restore the archive `path` into the site's database and storage; BackupError, with nothing
    changed, when a check fails (see the module's docstring). With `force` the data of a database that
    is not empty is replaced, and the stored files the backup does not hold are deleted."""
    engine, storage = db.engine, current_storage()
    kind = _kind(engine)
    head = ScriptDirectory(current_app.config["MIGRATIONS_DIR"]).get_current_head()
    with ArchiveReader(path) as archive:
        manifest = archive.manifest
        _check_revision(manifest, head)
        if manifest.kind != kind:
            raise BackupError(f"the backup holds a {KINDS[manifest.kind]} database, and LMS_DATABASE_URL names a "
                              f"{KINDS[kind]} one: restore it into a {KINDS[manifest.kind]} database (this command "
                              "does not convert one kind into the other); nothing was restored")
        filled = {name: rows for name, rows in _rows(engine, kind).items() if rows and name != VERSION_TABLE}
        if filled and not force:
            example = max(filled, key=filled.get)
            raise BackupError(f"the database is not empty ({sum(filled.values())} rows in {len(filled)} tables, "
                              f"such as {filled[example]} in {example}): restore into an empty database, or give "
                              "--force to replace its data; nothing was restored")
        archive.verify(progress)
        programs = ()
        if kind == "postgresql":
            major = _server_major(engine)
            programs = (postgres.find_program("pg_restore", major), postgres.find_program("psql", major))
        # The files first: should the restore stop half-way, no row is left without its file.
        files = _put_files(archive, storage, progress)
        work_dir = sqlite.database_path(engine.url).parent if kind == "sqlite" else None
        with tempfile.TemporaryDirectory(dir=work_dir, prefix=".lms-restore-") as work:
            copy = Path(work) / Path(manifest.database_member).name
            _extract(archive, manifest.database_member, copy)
            db.session.remove()  # no connection of this process holds the old schema or a lock
            engine.dispose()
            if kind == "sqlite":
                progress("database: writing into the SQLite database")
                sqlite.restore_database(copy, sqlite.database_path(engine.url))
            else:
                postgres.check_dump(copy, programs[0])
                postgres.restore(engine.url, copy, *programs, progress)
            engine.dispose()
    restored = _rows(engine, kind)
    for name, rows in manifest.tables.items():
        if restored.get(name) != rows:
            raise BackupError(f"after the restore, table {name} holds {restored.get(name, 'no')} rows where the "
                              f"backup counted {rows}")
    _report_tables(progress, restored, ", as in the backup")
    deleted = _delete_other_files(storage, set(manifest.files), progress) if force else 0
    return RestoreReport(manifest, head, files, deleted)


def _put_files(archive: ArchiveReader, storage: Storage, progress: Progress) -> int:
    keys = archive.manifest.files
    progress(f"files: writing {len(keys)} into {storage.describe()}")
    ticker = Ticker(progress, "files", len(keys))
    for key in keys:
        reader = HashingReader(archive.open(FILES + key))
        storage.put(key, reader)
        archive.check(FILES + key, reader)
        ticker.step(reader.size)
    return len(keys)


def _extract(archive: ArchiveReader, name: str, target: Path) -> None:
    reader = HashingReader(archive.open(name))
    with target.open("wb") as out:
        while chunk := reader.read(1024 * 1024):
            out.write(chunk)
    archive.check(name, reader)


def _delete_other_files(storage: Storage, kept: set[str], progress: Progress) -> int:
    """Delete the stored files that the backup does not hold (they belong to the replaced data)."""
    others = sorted(set(storage.keys()) - kept)
    for key in others:
        storage.delete(key)
    if others:
        progress(f"files: deleted {len(others)} that the backup does not hold")
    return len(others)
