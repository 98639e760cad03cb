"""Database engine settings that differ by backend, how a request's transaction ends, and which of the
database's failures mean "it does not answer" or "it is busy" rather than a fault of the code."""
from __future__ import annotations

import logging
import sqlite3
import time

from flask import Flask
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

log = logging.getLogger("lms.db")

# Set in a connection's `info` by a statement that may change data; cleared when its transaction ends.
_WROTE = "lms_wrote"

# SQLite's result codes (sqlite3's `sqlite_errorname`) of a database another connection holds locked...
SQLITE_BUSY = {"SQLITE_BUSY", "SQLITE_LOCKED"}
# ...and of a file that cannot be opened, read or written (gone, unreadable, full, damaged).
SQLITE_UNAVAILABLE = {"SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_READONLY", "SQLITE_FULL", "SQLITE_CORRUPT",
                      "SQLITE_NOTADB", "SQLITE_PERM", "SQLITE_PROTOCOL"}
# PostgreSQL's SQLSTATEs of a statement that lost to another (serialisation, deadlock, a lock not granted,
# the statement timeout): the same request a moment later usually succeeds...
POSTGRES_BUSY = {"40001", "40P01", "55P03", "57014"}
# ...and the classes of a server that is gone or refusing work: connection (08), operator intervention
# (57P: shut down, crashed, starting up) and insufficient resources (53: too many connections, disk full).
POSTGRES_UNAVAILABLE = ("08", "57P", "53")


def configure_sqlite(engine: Engine, busy_timeout_seconds: float = 10) -> None:
    """SQLite: enforce foreign keys, let readers work while a writer commits (WAL), and let a writer wait up
    to `busy_timeout_seconds` for another's write lock before it fails with "database is locked"."""
    if engine.dialect.name != "sqlite":
        return
    busy_ms = max(0, int(busy_timeout_seconds * 1000))

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        if ":memory:" not in str(engine.url):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


def plan_without_jit(engine: Engine) -> None:
    """PostgreSQL: no JIT compilation of statements on the application's connections.

    PostgreSQL compiles a statement to machine code when the planner's cost estimate passes
    `jit_above_cost`, and inlines and optimises it past `jit_optimize_above_cost`. The reports and
    exports get there (a page's statements read a few rows by index, far below it), and for them
    compiling cost more than it saved: at L (500,000 enrolments) the completion report's statement
    spent 3.8-4.0 s compiling (EXPLAIN ANALYZE) and ran in 8.3-11.9 s without JIT against 10.2-14.7 s
    with it, in four alternating pairs. Set once per connection, when it is opened.
    """
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "connect")
    def _no_jit(dbapi_connection, _record):
        dbapi_connection.execute("SET jit = off")
        dbapi_connection.commit()


def ping_idle_connections(engine: Engine, idle_seconds: float) -> None:
    """Check a pooled connection with a ping before use when it waited longer than `idle_seconds`.

    SQLAlchemy's `pool_pre_ping` pings at every checkout, which costs PostgreSQL pages one more
    round trip per request. A connection back in use within seconds was working a moment ago;
    one that sat idle (through a database restart, a network cut, a server-side timeout) is
    checked, and replaced when the ping fails, so the first request after a quiet night does not
    fail. A restart while requests are flowing fails the requests in flight either way, and the
    engine then discards every older connection.
    """
    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection, record):
        record.info["lms_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy):
        since = record.info.get("lms_idle_since")
        if since is None or time.monotonic() - since <= idle_seconds:
            return  # a new connection, or one in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # noqa: BLE001 - any failure means: use another connection
            raise exc.DisconnectionError(f"pooled connection failed its ping: {error}") from error


def track_writes(engine: Engine) -> None:
    """Mark a connection whose open transaction ran a statement that may change data.

    Anything that is not a compiled SELECT counts (INSERT, UPDATE, DELETE, DDL, textual SQL), so
    an unmarked transaction certainly only read.
    """
    @event.listens_for(engine, "before_cursor_execute")
    def _mark(conn, _cursor, _statement, _parameters, context, _executemany):
        if (context is None or context.compiled is None or context.isddl or context.is_text
                or context.isinsert or context.isupdate or context.isdelete):
            conn.info[_WROTE] = True

    def _clear(conn, *_args):
        # A connection that died (the server restarted, the network broke) is invalidated, and asking it
        # for its `info` would raise instead of letting the rollback finish; its mark goes with it, since
        # the pool clears a record's `info` when it connects again.
        if not conn.invalidated:
            conn.info.pop(_WROTE, None)

    event.listen(engine, "commit", _clear)
    event.listen(engine, "rollback", _clear)
    event.listen(engine.pool, "checkin", lambda _dbapi, record: record.info.pop(_WROTE, None))


def end_read_only_requests_with_commit(app: Flask, db) -> None:
    """End a request that only read with COMMIT instead of the pool's ROLLBACK.

    For a transaction that changed nothing the two are the same, but psycopg forgets every
    prepared statement of a connection at a ROLLBACK: ending each page that way made PostgreSQL
    plan every statement of every request again (EXPLAIN ANALYZE of the lesson page's statement:
    0.43 ms planning, 0.06 ms execution). A request that failed, left changes in the session or ran any
    statement that may write still ends with the rollback. SQLite keeps its statement cache across
    a rollback: there the request ends as before.
    """
    if db.engine.dialect.name != "postgresql":
        return
    track_writes(db.engine)

    @app.teardown_request
    def _commit_if_read_only(failure):
        if failure is not None:
            return
        session = db.session()
        try:
            if not session.in_transaction() or session.new or session.dirty or session.deleted:
                return
            if session.connection().info.get(_WROTE):
                return
            session.expire_on_commit = False  # the session ends here: nothing left to refresh
            session.commit()
        except exc.SQLAlchemyError as error:
            # The page is made and only read: a COMMIT that fails (the database went away meanwhile) loses
            # nothing, and raising here, past the error pages, would give the browser a bare "Internal
            # Server Error" instead of the page.
            rollback_quietly(session)
            log.warning("a read-only request's COMMIT failed after its page was made (%s)", describe(error))


def rollback_quietly(session) -> None:
    """Roll the session back, whatever state its connection is in: a rollback that fails (the connection
    is already gone) must not stop the error page that follows."""
    try:
        session.rollback()
    except Exception as error:  # noqa: BLE001 - the session is discarded at the end of the request anyway
        log.warning("rollback failed (%s)", describe(error))


def database_fault(error: BaseException) -> str | None:
    """What a failure says of the database: "busy" (another connection holds a lock past the wait, a
    statement lost to another or timed out, the pool has no connection free), "unavailable" (the server
    does not answer, a connection broke, SQLite's file cannot be opened), or None (anything else, the
    mistakes of the code among them, such as SQL that SQLite cannot run)."""
    if isinstance(error, exc.TimeoutError):  # every pooled connection in use past the pool's timeout
        return "busy"
    if isinstance(error, exc.DisconnectionError):
        return "unavailable"
    if not isinstance(error, exc.DBAPIError):
        return None
    if error.connection_invalidated:
        return "unavailable"
    original = error.orig
    if isinstance(original, sqlite3.Error):
        # The primary result code of an extended one (SQLITE_IOERR_SHORT_READ, SQLITE_CANTOPEN_ISDIR).
        primary = "_".join((getattr(original, "sqlite_errorname", None) or "").split("_")[:2])
        if primary in SQLITE_BUSY:
            return "busy"
        return "unavailable" if primary in SQLITE_UNAVAILABLE else None
    if not isinstance(error, (exc.OperationalError, exc.InterfaceError)):
        return None
    state = getattr(original, "sqlstate", None)
    if state in POSTGRES_BUSY:
        return "busy"
    if state is None or state.startswith(POSTGRES_UNAVAILABLE):
        return "unavailable"  # no SQLSTATE: the client library's own failure to reach the server
    return None


def describe(error: BaseException) -> str:
    """One line naming a database failure for the log: the driver's class and the first line of its
    message. Never the statement's parameters, which may hold personal data."""
    original = getattr(error, "orig", None) or error
    first = (str(original).strip().splitlines() or [""])[0]
    return f"{type(original).__name__}: {first[:300]}"
