"""A backup taken while the site keeps writing holds every row acknowledged before it began.

This is the failure a plain `cp` of the WAL-mode SQLite file had (184 answers lost in a test): the
latest commits live in the `-wal` file until a checkpoint, and a copy of the main file alone lacks
them. Here another thread commits rows one by one, as a busy site does between two checkpoints,
while `lms backup` runs; the archive is then restored into an empty database. On PostgreSQL the same
run shows that the rows counted in the manifest are those of the dump (one snapshot for both).
"""
from __future__ import annotations

import shutil
import sqlite3
import threading
import time

import psycopg
import pytest

from lms.extensions import db
from tests.backups.conftest import manifest_of, row_counts, run_lms
from tests.helpers import postgres_admin_url

ANSWER = "INSERT INTO audit_events (created_at, action, details) VALUES ('2026-01-01 00:00:00.000000', " \
         "'quiz.answer_saved', '{}')"


class Writer(threading.Thread):
    """Commits one row at a time until stopped; `acknowledged` holds the ids of the committed rows, in order."""

    def __init__(self, connect):
        super().__init__(daemon=True)
        self.connect, self.acknowledged, self.errors = connect, [], []
        self.stop = threading.Event()

    def run(self):
        try:
            connection = self.connect()
            try:
                while not self.stop.is_set():
                    row_id = connection.execute(ANSWER + " RETURNING id").fetchall()[0][0]
                    connection.commit()
                    self.acknowledged.append(row_id)  # after the commit: what a site would answer "saved" to
            finally:
                connection.close()
        except Exception as exc:  # noqa: BLE001 - reported by the test
            self.errors.append(exc)

    def wait_for(self, rows: int) -> None:
        deadline = time.monotonic() + 30
        while len(self.acknowledged) < rows and not self.errors and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not self.errors, self.errors
        assert len(self.acknowledged) >= rows

    def finish(self) -> None:
        self.stop.set()
        self.join(30)
        assert not self.errors, self.errors


def restored_answers(site) -> set[int]:
    with site.app_context():
        return set(db.session.execute(db.text(
            "SELECT id FROM audit_events WHERE action = 'quiz.answer_saved'")).scalars())


def _run(source, target, writer: Writer, tmp_path, before_backup=None):
    """Write, back up while writing, restore; the ids acknowledged before the backup, and those restored."""
    storage = source.extensions["lms.storage"]
    for number in range(40):  # files to copy too: the backup lasts while the writer goes on
        storage.put(f"course-assets/{number}/{'%064x' % number}", bytes([number]) * 200_000)
    writer.start()
    writer.wait_for(300)
    acknowledged = list(writer.acknowledged)
    archive = tmp_path / "during.tar"
    try:
        if before_backup:
            before_backup(acknowledged)
        made = run_lms(source, "backup", archive)
        during = len(writer.acknowledged) - len(acknowledged)
    finally:
        writer.finish()
    assert made.exit_code == 0, made.stderr
    assert during > 0, "the writer did not go on while the backup ran"
    restored = run_lms(target, "restore", archive)
    assert restored.exit_code == 0, restored.stderr
    assert row_counts(target) == manifest_of(archive)["tables"]
    return acknowledged, restored_answers(target), writer.acknowledged


def test_a_sqlite_backup_taken_while_rows_are_written_holds_every_acknowledged_row(make_site, tmp_path):
    source, target = make_site("sqlite", migrate=True), make_site("sqlite")
    path = tmp_path / "site-0" / "lms.sqlite3"

    def connect():
        connection = sqlite3.connect(path, timeout=30)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the tables in the main file, as on a site
        # No checkpoint in the meantime, as between two checkpoints of a busy site: the rows stay in the -wal file.
        connection.execute("PRAGMA wal_autocheckpoint=0")
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection

    copied = {}

    def copy_as_cp_did(acknowledged):
        shutil.copy(path, tmp_path / "cp.sqlite3")
        plain = sqlite3.connect(tmp_path / "cp.sqlite3")
        copied["rows"] = {row[0] for row in plain.execute(
            "SELECT id FROM audit_events WHERE action = 'quiz.answer_saved'")}
        plain.close()

    acknowledged, restored, everything = _run(source, target, Writer(connect), tmp_path, copy_as_cp_did)
    # The failure this guards against: the plain copy lacks rows that had been acknowledged.
    assert set(acknowledged) - copied["rows"], "the plain copy held every row: the test would not see the failure"
    # The backup holds every acknowledged row, and rows of one moment: the first N, no gap.
    assert set(acknowledged) <= restored
    assert restored == set(everything[:len(restored)])


def test_a_postgres_backup_taken_while_rows_are_written_counts_what_it_dumped(make_site, tmp_path):
    source, target = make_site("postgresql", migrate=True), make_site("postgresql")
    with source.app_context():
        database = db.engine.url.database
    url = postgres_admin_url().rsplit("/", 1)[0] + "/" + database

    acknowledged, restored, everything = _run(source, target, Writer(lambda: psycopg.connect(url)), tmp_path)
    assert set(acknowledged) <= restored
    assert restored == set(everything[:len(restored)])


@pytest.fixture(autouse=True)
def _no_leftover_threads():
    yield
    assert not [t for t in threading.enumerate() if isinstance(t, Writer) and t.is_alive()]
