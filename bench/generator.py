"""`python -m bench generate`: fill an empty database with a deterministic data set of a given size.

Rows go in through bulk inserts only (SQLAlchemy Core executemany in batches of 20,000; COPY on
PostgreSQL), in one pass over the trainees: each trainee's history is planned in memory and the
batches are written, parents first, whenever about 200,000 rows are waiting, so memory stays
flat whatever the size. While rows go in, the secondary (non-unique) indexes of the large tables
are dropped, and built again at the end; on PostgreSQL foreign-key triggers are skipped when the
role may (`session_replication_role = replica`, superusers only) since the generator makes every
reference itself. Finally the planner statistics are refreshed (ANALYZE).

Before the first row goes in, the database is marked as generated (`bench.marker`): only a
database bearing that mark is ever emptied or generated into again (`--force`).

Deterministic: the same size, seed and anchor day give the same rows.
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import Engine

from bench import people, sizes
from bench.content import Ids, build_course
from bench.history import (
    ANSWER_COLUMNS, ATTEMPT_COLUMNS, CERTIFICATE_COLUMNS, ENROLMENT_COLUMNS, FEEDBACK_COLUMNS, PROGRESS_COLUMNS,
    TABLES, History,
)
from bench.loader import Loader, TableStats, loader_for
from bench.marker import (
    Refused, display_url, finish_marker, is_empty, remove_marker, require_bench_database, write_marker,
)

FLUSH_ROWS = 200_000
BIG_TABLES = ("users", *TABLES)
HISTORY_SHAPES = {"enrolments": ENROLMENT_COLUMNS, "certificates": CERTIFICATE_COLUMNS,
                  "feedback": FEEDBACK_COLUMNS, "lesson_progress": PROGRESS_COLUMNS,
                  "quiz_attempts": ATTEMPT_COLUMNS, "attempt_answers": ANSWER_COLUMNS}
CATALOGUE_TABLES = ("courses", "course_topics", "course_staff", "modules", "lessons", "quizzes", "questions",
                    "choices")


class GenerationRefused(Refused):
    """Generation cannot start (non-empty database, XL on SQLite); the message says why in one line."""


#: The step that writes the kept figures onto the enrolments: rows updated, not added.
KEPT_ON_ENROLMENTS = "enrolments (kept figures)"


@dataclass
class GenerationReport:
    """What was generated: rows and seconds per table, in all, and the size on disk after."""

    size: str
    seed: int
    dialect: str
    stats: dict[str, TableStats] = field(default_factory=dict)
    seconds: float = 0.0
    disk_bytes: int | None = None

    @property
    def rows(self) -> int:
        """Rows added (the enrolments' kept figures are written onto rows already counted)."""
        return sum(s.rows for name, s in self.stats.items() if name != KEPT_ON_ENROLMENTS)


def table_rows(engine: Engine) -> dict[str, int]:
    """Rows in each table of the schema (alembic's own excepted)."""
    from lms.extensions import db

    with engine.connect() as conn:
        return {t.name: conn.execute(text(f'SELECT count(*) FROM "{t.name}"')).scalar_one()
                for t in db.metadata.sorted_tables}


def wipe(engine: Engine) -> None:
    """Delete every row of every table of the schema (the tables themselves stay) and the bench's mark.

    Refuses (NotBenchDatabase) a database holding rows the bench did not generate. The mark goes
    in the same transaction as the rows: the database is then empty, which generation accepts."""
    from lms.extensions import db

    require_bench_database(engine, "delete every row")
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))
        remove_marker(conn)
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.execute(text("VACUUM"))


def disk_bytes(engine: Engine) -> int | None:
    """Bytes the database takes on disk (the SQLite file with its WAL, or pg_database_size)."""
    import os

    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one())
    path = engine.url.database
    if not path or path == ":memory:":
        return None
    return sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))


def check_can_generate(engine: Engine, force: bool = False) -> None:
    """Raise GenerationRefused unless generation may write here: an empty database, or (with
    `force`, which empties it first) one the bench generated. Asked before migrating, too."""
    if is_empty(engine):
        return
    if not force:
        raise GenerationRefused(f"{display_url(engine)} is not empty: use a fresh LMS_DATABASE_URL, "
                                "`python -m bench drop`, or --force to delete everything in it first")
    require_bench_database(engine, "delete every row for --force")


def generate(engine: Engine, size: sizes.Size, seed: int = 1, *, force: bool = False, anchor: date | None = None,
             out: Callable[[str], None] = print) -> GenerationReport:
    """Generate `size` into the database of `engine` (migrated to the latest schema beforehand).

    Refuses a non-empty database unless `force`, and with `force` one the bench did not generate."""
    dialect = engine.dialect.name
    if size.postgres_only and dialect != "postgresql":
        raise GenerationRefused(f"size {size.name} needs PostgreSQL (set LMS_DATABASE_URL=postgresql://...)")
    check_can_generate(engine, force)
    if not is_empty(engine):
        out("deleting every row first (--force)")
        wipe(engine)
    anchor_day = anchor or datetime.now(UTC).date()
    with engine.begin() as conn:  # marked before the first row: an interrupted run can be dropped
        write_marker(conn, size.name, seed, anchor_day)
    anchor_at = datetime(anchor_day.year, anchor_day.month, anchor_day.day, tzinfo=UTC)
    report = GenerationReport(size.name, seed, dialect)
    started = time.perf_counter()
    out(f"generating size {size.name} (seed {seed}, anchor {anchor_day}) into {dialect}: {size.institutions} "
        f"institutions, {size.trainees:,} trainees, {size.courses} courses")
    with engine.connect() as conn:
        loader = loader_for(conn)
        _fast_session(conn, out)
        dropped = _drop_secondary_indexes(conn)
        conn.commit()
        try:
            _generate(conn, loader, size, seed, anchor_at, out)
        finally:
            conn.rollback()
            _recreate_indexes(conn, dropped, out)
            conn.commit()
            _reset_session(conn)
        _keep_figures(conn, loader, out)
        _fix_sequences(conn)
        conn.commit()
    _analyze(engine, out)
    with engine.begin() as conn:
        finish_marker(conn)
    report.stats = loader.stats
    report.seconds = time.perf_counter() - started
    report.disk_bytes = disk_bytes(engine)
    for name, stats in loader.stats.items():
        out(f"  {name:<16} {stats.rows:>12,} rows  {stats.seconds:8.1f} s  {stats.rate:>10,.0f} rows/s")
    disk = f", {report.disk_bytes / 2**20:,.0f} MiB on disk" if report.disk_bytes is not None else ""
    out(f"done: {report.rows:,} rows in {report.seconds:.1f} s{disk}")
    return report


def _generate(conn, loader: Loader, size: sizes.Size, seed: int, anchor: datetime, out) -> None:
    from lms.core.security import hash_password
    from lms.extensions import db

    tables = db.metadata.tables
    start = anchor - timedelta(days=sizes.HISTORY_DAYS + 30)
    password_hash = hash_password(sizes.BENCH_PASSWORD)
    institution_rows = people.institutions(size.institutions, start)
    _timed(out, "institutions", loader, lambda: loader.write(
        loader.shape(tables["institutions"], people.INSTITUTION_COLUMNS), institution_rows))
    staff = people.staff_rows(institution_rows, password_hash, start, anchor)
    user_shape = loader.shape(tables["users"], people.USER_COLUMNS)
    loader.write(user_shape, staff)
    coordinators = {row[5]: row[0] for row in staff if row[4] == "coordinator"}
    instructors = [row[0] for row in staff if row[4] == "instructor"]
    ids = Ids()
    for _ in staff:
        ids.take("users")
    courses = [build_course(i, ids, instructors, start) for i in range(size.courses)]
    for name in CATALOGUE_TABLES:
        rows = [r for c in courses for r in c.rows[name]]
        _timed(out, name, loader, lambda rows=rows, name=name: loader.write_dicts(tables[name], rows))
    conn.commit()

    history = History(ids, courses, anchor)
    shapes = {name: loader.shape(tables[name], columns) for name, columns in HISTORY_SHAPES.items()}
    trainees: list[tuple] = []
    last_line = time.perf_counter()
    begun = last_line
    for number in range(size.trainees):
        rng = random.Random(seed * 1_000_003 + number)
        institution = institution_rows[number % len(institution_rows)]
        user = people.trainee_row(ids.take("users"), number, institution, rng, password_hash, anchor)
        trainees.append(user)
        history.trainee(user, institution, coordinators[institution[0]], 1, number, rng, size.enrolments_per_trainee)
        if history.pending >= FLUSH_ROWS:
            _flush(conn, loader, user_shape, trainees, history, shapes)
            trainees = []
            if time.perf_counter() - last_line > 5:
                last_line = time.perf_counter()
                rate = (number + 1) / (last_line - begun)
                out(f"  ... {number + 1:,} / {size.trainees:,} trainees ({rate:,.0f} trainees/s, "
                    f"{sum(s.rows for s in loader.stats.values()):,} rows so far)")
    _flush(conn, loader, user_shape, trainees, history, shapes)


def _flush(conn, loader: Loader, user_shape, trainees, history: History, shapes) -> None:
    loader.write(user_shape, trainees)
    for name in TABLES:
        loader.write(shapes[name], history.rows[name])
        history.rows[name] = []
    conn.commit()


def _keep_figures(conn, loader: Loader, out) -> None:
    """The figures the application keeps per enrolment and quiz (lms.learning.figures), counted from the rows
    just written, in one INSERT ... SELECT of the quizzes' rows and one UPDATE of the enrolments, as
    `lms reports recount` and migrations 0028 and 0029 do."""
    from lms.extensions import db
    from lms.learning import figures

    enrolments, quiz_figures = db.metadata.tables["enrolments"], db.metadata.tables["quiz_figures"]
    every = select(enrolments.c.id)
    quiz_rows = quiz_figures.insert().from_select(
        ["enrolment_id", "quiz_id", "attempts", "best", "passed", "submitted"], figures.counted_quizzes(every))
    for name, table, write in (("quiz_figures", quiz_figures, quiz_rows),
                               (KEPT_ON_ENROLMENTS, enrolments, figures.keep_counted(every))):
        started = time.perf_counter()
        rows = conn.execute(write).rowcount
        if rows is None or rows < 0:  # a driver that does not count an INSERT ... SELECT (psycopg says -1)
            rows = conn.execute(select(func.count()).select_from(table)).scalar_one()
        conn.commit()
        loader.stats[name] = TableStats(rows, time.perf_counter() - started)
        _timed(out, name, loader, lambda rows=rows: rows)


def _timed(out, name: str, loader: Loader, write) -> None:
    count = write()
    stats = loader.stats.get(name)
    if stats is not None and count:
        out(f"  {name:<16} {count:>12,} rows  {stats.rate:>10,.0f} rows/s")


def _fast_session(conn, out) -> None:
    """Settings of the generating connection only: no fsync per commit on SQLite, no FK triggers on
    PostgreSQL when the role is allowed to skip them."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA synchronous=OFF")
        conn.exec_driver_sql("PRAGMA cache_size=-262144")  # 256 MiB of page cache
    elif conn.dialect.name == "postgresql":
        try:
            conn.exec_driver_sql("SET session_replication_role = replica")
            conn.commit()
        except Exception:  # noqa: BLE001 - not a superuser: keep the checks, only slower
            conn.rollback()
            out("  (foreign-key checks stay on: the role may not set session_replication_role)")
        conn.exec_driver_sql("SET synchronous_commit = off")
        conn.commit()
        try:  # lz4 compresses the large JSON draws of attempts several times faster than pglz
            conn.exec_driver_sql("SET default_toast_compression = 'lz4'")
            conn.commit()
        except Exception:  # noqa: BLE001 - a server built without lz4
            conn.rollback()


def _reset_session(conn) -> None:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("RESET session_replication_role")
        conn.exec_driver_sql("RESET synchronous_commit")
        conn.exec_driver_sql("RESET default_toast_compression")
        conn.commit()


def _drop_secondary_indexes(conn) -> list:
    """Drop the non-unique indexes of the large tables; returns their definitions to build them again."""
    from lms.extensions import db

    existing = {t: {i["name"] for i in inspect(conn).get_indexes(t)} for t in BIG_TABLES}
    dropped = []
    for name in BIG_TABLES:
        for index in db.metadata.tables[name].indexes:
            if not index.unique and index.name in existing[name]:
                index.drop(conn)
                dropped.append(index)
    return dropped


def _recreate_indexes(conn, dropped: list, out) -> None:
    started = time.perf_counter()
    for index in dropped:
        index.create(conn)
    if dropped:
        out(f"  indexes          {len(dropped):>12} built again in {time.perf_counter() - started:.1f} s")


def _fix_sequences(conn) -> None:
    """PostgreSQL: move each id sequence past the ids the generator chose."""
    if conn.dialect.name != "postgresql":
        return
    from lms.extensions import db

    for table in db.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key:
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                              f"coalesce((SELECT max(id) FROM \"{table.name}\"), 0) + 1, false)"))


def _analyze(engine: Engine, out) -> None:
    """Refresh the planner's statistics, as a maintained database has them."""
    started = time.perf_counter()
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE)")
    else:
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # the size on disk is then the file's
    out(f"  statistics       refreshed in {time.perf_counter() - started:.1f} s")
