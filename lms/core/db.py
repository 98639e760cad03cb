"""Database engine settings that differ by backend, and how a request's transaction ends."""
from __future__ import annotations

import time

from flask import Flask
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

# Set in a connection's `info` by a statement that may change data; cleared when its transaction ends.
_WROTE = "lms_wrote"


def configure_sqlite(engine: Engine) -> None:
    """SQLite: enforce foreign keys, and let readers work while a writer commits (WAL)."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
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
    def _commit_if_read_only(exc):
        if exc is not None:
            return
        session = db.session()
        if not session.in_transaction() or session.new or session.dirty or session.deleted:
            return
        if session.connection().info.get(_WROTE):
            return
        session.expire_on_commit = False  # the session ends here: nothing left to refresh
        session.commit()
