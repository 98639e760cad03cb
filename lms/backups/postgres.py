"""PostgreSQL: a dump of one snapshot with `pg_dump -Fc`, and its restore with `pg_restore` and `psql` in
one transaction.

The programs are PostgreSQL's client programs (Debian: postgresql-client). pg_dump refuses a server
newer than itself, and a dump is best read by a pg_restore of its version or newer: the programs used
are those of the server's major version when they are installed (Debian keeps each version in
/usr/lib/postgresql/N/bin), else the oldest newer one; `--version` tells each one's version.

The connection comes from LMS_DATABASE_URL, handed to the programs as a libpq URI without the
password; the password goes in PGPASSWORD, since a command line is visible to every user of the
machine (ps). Without one in the URL, libpq's own sources apply (~/.pgpass, PGPASSWORD).

The restore empties the database's schema and loads the dump in one transaction: a refusal (a lock
the running site holds, a dump the server cannot take) leaves the database as it was.
"""
from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from sqlalchemy.engine import URL

from lms.backups.archive import BackupError, Progress

SEARCH = "/usr/lib/postgresql/*/bin"  # Debian's versioned client programs
_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)")
# pg_dump's and pg_restore's --verbose line as each table's rows go by.
_TABLE_LINE = re.compile(r'(?:dumping contents of|processing data for) table "(?:[^"]*\.)?([^"]+)"')
_PROBLEM = re.compile(r"error:|ERROR|FATAL|fatal:")

# Everything of the platform's schema goes before the dump is loaded (--force, or tables left by
# `lms init`), so no table of another schema revision is left beside the restored ones.
EMPTY_SCHEMA = r"""
SET client_min_messages = warning;
SET lock_timeout = '30s';
DO $lms$
DECLARE statement text;
BEGIN
  FOR statement IN
    SELECT format('DROP TABLE IF EXISTS %I.%I CASCADE', schemaname, tablename)
      FROM pg_catalog.pg_tables WHERE schemaname = current_schema()
    UNION ALL SELECT format('DROP VIEW IF EXISTS %I.%I CASCADE', schemaname, viewname)
      FROM pg_catalog.pg_views WHERE schemaname = current_schema()
    UNION ALL SELECT format('DROP MATERIALIZED VIEW IF EXISTS %I.%I CASCADE', schemaname, matviewname)
      FROM pg_catalog.pg_matviews WHERE schemaname = current_schema()
    UNION ALL SELECT format('DROP SEQUENCE IF EXISTS %I.%I CASCADE', schemaname, sequencename)
      FROM pg_catalog.pg_sequences WHERE schemaname = current_schema()
    UNION ALL SELECT format('DROP TYPE IF EXISTS %I.%I CASCADE', n.nspname, t.typname)
      FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = current_schema() AND t.typtype IN ('e', 'd', 'r')
  LOOP
    EXECUTE statement;
  END LOOP;
END
$lms$;
"""


def program_version(path: Path) -> int | None:
    """The major version a client program reports (`pg_dump --version`), or None if it does not run."""
    try:
        answer = subprocess.run([str(path), "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    found = _VERSION.search(answer.stdout)
    return int(found.group(1)) if found else None


def find_program(name: str, server_major: int, search: str = SEARCH) -> Path:
    """The client program `name` for a server of `server_major`: the same major version, else the oldest
    newer one. BackupError when none is installed, or only older ones."""
    candidates = [Path(p) for p in sorted(glob.glob(os.path.join(search, name)))]
    on_path = shutil.which(name)
    if on_path:
        candidates.append(Path(on_path))
    versions = [(version, path) for path in candidates if (version := program_version(path)) is not None]
    if not versions:
        raise BackupError(f"{name} is not installed: install PostgreSQL's client programs, version {server_major} "
                          "(Debian: apt-get install postgresql-client)")
    same = [path for version, path in versions if version == server_major]
    if same:
        return same[0]
    newer = sorted((version, str(path)) for version, path in versions if version > server_major)
    if newer:
        return Path(newer[0][1])
    oldest_needed = max(version for version, _ in versions)
    raise BackupError(f"{name} {oldest_needed} is older than the PostgreSQL server ({server_major}): install the "
                      f"client programs of version {server_major} (Debian: postgresql-client-{server_major})")


def connection(url: URL) -> tuple[str, dict[str, str]]:
    """The libpq URI of `url` without its password, and the environment for the programs (with the
    password in PGPASSWORD when the URL holds one)."""
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    env.setdefault("PGCONNECT_TIMEOUT", "10")
    bare = URL.create("postgresql", username=url.username, host=url.host, port=url.port, database=url.database,
                      query=url.query)
    return bare.render_as_string(hide_password=False), env


def _problem(lines: list[str]) -> str:
    found = [line for line in lines if _PROBLEM.search(line)]
    return " ".join((found or lines or ["no message"])[0].split())


def dump(url: URL, snapshot: str, target: Path, program: Path, progress: Progress) -> None:
    """`pg_dump -Fc` of the exported `snapshot` into `target`, a progress line per table."""
    uri, env = connection(url)
    command = [str(program), "--format=custom", "--no-password", "--verbose", f"--snapshot={snapshot}",
               f"--file={target}", f"--dbname={uri}"]
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, env=env)
    messages = []
    for line in process.stderr:
        table = _TABLE_LINE.search(line)
        if table:
            progress(f"database: dumping table {table.group(1)}")
        elif line.strip():
            messages.append(line.strip())
    if process.wait() != 0:
        raise BackupError(f"pg_dump failed: {_problem(messages)}")


def check_dump(dump_file: Path, program: Path) -> None:
    """Whether this pg_restore reads the dump (its version, its table of contents), before anything changes."""
    answer = subprocess.run([str(program), "--list", str(dump_file)], capture_output=True, text=True,
                            stdin=subprocess.DEVNULL)
    if answer.returncode != 0:
        raise BackupError(f"pg_restore cannot read the backup's dump; nothing was restored: "
                          f"{_problem(answer.stderr.splitlines())}")


def restore(url: URL, dump_file: Path, pg_restore: Path, psql: Path, progress: Progress) -> None:
    """Empty the database's schema and load `dump_file`, in one transaction, a progress line per table.

    pg_restore writes the dump as SQL, which is passed on to psql after the statements that empty the
    schema; psql runs it all in one transaction that is committed only when its input ends. Should
    pg_restore fail half-way, psql is killed before its input ends, so nothing is committed.
    """
    uri, env = connection(url)
    with tempfile.TemporaryFile() as psql_errors:
        loader = subprocess.Popen(
            [str(psql), "--no-psqlrc", "--quiet", "--no-password", "--single-transaction", "--set=ON_ERROR_STOP=1",
             f"--dbname={uri}", "--file=-"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=psql_errors, env=env)
        writer = subprocess.Popen(
            [str(pg_restore), "--no-owner", "--no-privileges", "--verbose", "--file=-", str(dump_file)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        pumped: list[BaseException] = []
        pump = threading.Thread(target=_pump, args=(writer.stdout, loader.stdin, pumped), daemon=True)
        pump.start()
        messages = []
        for raw in writer.stderr:
            line = raw.decode("utf-8", "replace")
            table = _TABLE_LINE.search(line)
            if table:
                progress(f"database: restoring table {table.group(1)}")
            elif line.strip():
                messages.append(line.strip())
        written = writer.wait()
        pump.join()
        if written != 0 or pumped:
            loader.kill()  # before its input ends: the transaction is never committed
            loader.wait()
            psql_errors.seek(0)
            refused = psql_errors.read().decode("utf-8", "replace").splitlines()
            if refused:
                raise BackupError(f"the database refused the restore and is unchanged: {_problem(refused)}")
            raise BackupError(f"pg_restore failed and the database is unchanged: {_problem(messages)}")
        try:
            loader.stdin.close()  # the end of its input: psql commits
        except BrokenPipeError:  # psql ended already, refusing: said below
            pass
        if loader.wait() != 0:
            psql_errors.seek(0)
            refused = psql_errors.read().decode("utf-8", "replace").splitlines()
            raise BackupError(f"the database refused the restore and is unchanged: {_problem(refused)}")


def _pump(source, sink, failures: list[BaseException]) -> None:
    """Feed psql: first the statements that empty the schema, then pg_restore's SQL as it comes."""
    try:
        sink.write(EMPTY_SCHEMA.encode())
        while chunk := source.read(1024 * 1024):
            sink.write(chunk)
        sink.flush()
    except BaseException as exc:  # noqa: BLE001 - psql ended early (BrokenPipe): the caller kills and reports
        failures.append(exc)
    finally:
        source.close()
