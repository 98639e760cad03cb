"""Database engine settings that differ by backend, how a request's transaction ends, and which of the
database's failures mean "it does not answer" or "it is busy" rather than a fault of the code."""
from __future__ import annotations

import logging
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, has_request_context
from sqlalchemy import event, exc, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

log = logging.getLogger("lms.db")

# Set in a connection's `info` by a statement that may change data; cleared when its transaction ends.
_WROTE = "lms_wrote"
# Set in a connection's `info` while a request's session holds it: its reads run without a transaction.
_READS_OUTSIDE = "lms_reads_outside_transaction"
# A statement that takes row locks: it must run inside the transaction whose writes they protect.
_LOCKING = re.compile(r"\bFOR\s+(NO\s+KEY\s+UPDATE|UPDATE|KEY\s+SHARE|SHARE)\b", re.IGNORECASE)
# In a session's `info`: the objects whose loaded attributes outlive its commits (`keep_through_commits`)...
_KEPT = "lms_kept"
# ...what they held when the last commit was sent, restored once the commit has expired them...
_KEPT_VALUES = "lms_kept_values"
# ...and the tables written in bulk (UPDATE or DELETE statements) since: their objects are not restored.
_BULK_WRITTEN = "lms_bulk_written"

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


# Textual SQL on purpose: a request's compiled SELECTs may run outside any transaction (`read_outside_transactions`),
# where a setting made for the transaction would end with the statement; text opens the transaction it lasts for.
_PARALLEL_ON = text("SELECT set_config('parallel_setup_cost', '0', true), set_config('parallel_tuple_cost', '0', true)")
_PARALLEL_OFF = text("SELECT set_config(name, reset_val, true) FROM pg_settings "
                     "WHERE name IN ('parallel_setup_cost', 'parallel_tuple_cost')")


@contextmanager
def parallel_plans(session: Session) -> Iterator[None]:
    """PostgreSQL: the statements run in the block may be shared among parallel workers wherever the server
    allows them (`max_parallel_workers_per_gather`, 2 by default; 0 turns this off): for the reports that
    aggregate every enrolment in scope. Nothing on SQLite.

    PostgreSQL's default costs of starting workers (`parallel_setup_cost`) and of passing each row back from them
    (`parallel_tuple_cost`) keep the admin's completion report at XL (2 million enrolments) in one process: 4.7 s.
    Costed at nothing, the scan of the enrolments and their joins to the trainees run in the workers: 3.5 s, the
    same figures (docs/performance.md). Both settings are made for the enclosing transaction only and put back to
    the connection's own values after the block, so the page's other statements are planned as before; a block
    that raises leaves them to the rollback that follows.
    """
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    session.execute(_PARALLEL_ON)
    yield
    session.execute(_PARALLEL_OFF)


class not_by_index(ColumnElement):  # noqa: N801 (used as a function, as SQLAlchemy's own constructs are)
    """`column` as an expression that SQLite's planner cannot serve from an index; the column itself elsewhere.

    Grouping every enrolment in scope by a column with an index of its own (`run_id`), SQLite walks that index for
    the order and fetches each row from the table one at a time, where a scan of the table in its own order and a
    sort of the groups take half as long (the run report at M: 255 ms against 130 ms, docs/performance.md). SQLite's
    documented way to keep a term from using an index is a unary `+` before the column.
    """

    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column):
        self.column = column
        self.type = column.type

    @property
    def _from_objects(self):
        return self.column._from_objects


@compiles(not_by_index)
def _not_by_index(element, compiler, **kw):
    return compiler.process(element.column, **kw)


@compiles(not_by_index, "sqlite")
def _not_by_index_sqlite(element, compiler, **kw):
    return "+" + compiler.process(element.column, **kw)


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


def keep_through_commits(session: Session, instance) -> None:
    """Let `instance`'s loaded column attributes stay valid through the session's commits.

    A commit expires every object of the session (`expire_on_commit`), so the next read of any of its
    attributes runs a SELECT. For the signed-in account that is a second read of the same row in the same
    request: after a page's write, the menu, the locale selector and the security headers each read the
    account again. What the object held when the commit was sent is what the database holds (the commit's
    flush wrote the object's own changes), so it is put back once the commit has expired it. Two cases
    still reload: an attribute assigned an SQL expression or expired by hand (not loaded at the commit),
    and any object of a table written by a bulk UPDATE or DELETE in the transaction, which may have changed
    its row behind the object's back (`lms.mail` keeps the unread count that way).

    Global `expire_on_commit=False` would do the same for every object, including rows that another
    statement of the request changed in SQL; this keeps the rule for everything else. Listeners are
    installed by `init_kept_objects`.
    """
    session.info.setdefault(_KEPT, []).append(instance)


def init_kept_objects(db) -> None:
    """Install the session listeners of `keep_through_commits` (once, whatever number of apps share `db`)."""
    session_class = db.session.session_factory.class_
    if event.contains(session_class, "after_commit", _remember_kept):
        return
    event.listen(session_class, "do_orm_execute", _note_bulk_write)
    event.listen(session_class, "after_commit", _remember_kept)
    event.listen(session_class, "after_transaction_end", _restore_kept)


def _note_bulk_write(execute_state) -> None:
    if execute_state.is_update or execute_state.is_delete:
        table = getattr(execute_state.statement, "table", None)
        execute_state.session.info.setdefault(_BULK_WRITTEN, set()).add(getattr(table, "name", None))


def _remember_kept(session: Session) -> None:
    kept = session.info.get(_KEPT)
    if not kept or session.in_nested_transaction():
        return  # a savepoint's release expires nothing
    written = session.info.pop(_BULK_WRITTEN, set())
    values = []
    for instance in kept:
        state = inspect(instance)
        if state.session_id != session.hash_key or state.mapper.local_table.name in written or None in written:
            continue  # no longer in this session, or its table was written in bulk: the next read reloads it
        loaded = {attr.key: state.dict[attr.key] for attr in state.mapper.column_attrs if attr.key in state.dict}
        values.append((instance, loaded))
    session.info[_KEPT_VALUES] = values


def _restore_kept(session: Session, transaction) -> None:
    if transaction.parent is not None:
        return  # a savepoint: the outer transaction's end decides
    for instance, loaded in session.info.pop(_KEPT_VALUES, ()):
        for key, value in loaded.items():
            set_committed_value(instance, key, value)
    session.info.pop(_BULK_WRITTEN, None)  # after a rollback, its bulk writes are gone with it


def end_read_only_requests_with_commit(app: Flask, db) -> None:
    """End a request that only read with COMMIT instead of the pool's ROLLBACK.

    For a transaction that changed nothing the two are the same, but psycopg forgets every
    prepared statement of a connection at a ROLLBACK: ending each page that way made PostgreSQL
    plan every statement of every request again (EXPLAIN ANALYZE of the lesson page's statement:
    0.43 ms planning, 0.06 ms execution). A request that failed, left changes in the session or ran any
    statement that may write still ends with the rollback. SQLite keeps its statement cache across
    a rollback: there the request ends as before.

    Since a request's reads run outside any transaction (`read_outside_transactions`), psycopg sends
    nothing for this COMMIT unless a transaction is open, which for a request that wrote nothing means it
    locked rows or read through a server-side cursor.
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


def read_outside_transactions(db) -> None:
    """PostgreSQL: a request's statements run in autocommit until one may write; that one opens the transaction,
    which the request's commit (or rollback) ends.

    Every transaction costs two round trips besides its statements: the BEGIN that psycopg sends before
    the first statement, and the COMMIT (or ROLLBACK) at the end. A page that only reads needs neither: at
    READ COMMITTED, PostgreSQL's level, each statement of a transaction sees the data committed when it
    starts, exactly as a statement of its own does, so a page's reads see the same things either way. What a
    transaction gives beyond that is atomic writes and row locks held until the commit, so any statement
    but a compiled SELECT (a write, textual SQL, a SAVEPOINT), a SELECT ... FOR UPDATE or SHARE, or a server-side cursor (which lives in a transaction) switches the connection back to
    transactions before it runs: psycopg then sends BEGIN, and everything up to the commit, reads included,
    is in that transaction as before. A page that reads, then writes (a lesson's first view) writes
    atomically; its reads before the first write are not in the transaction, as they would not have been
    protected at READ COMMITTED either (the unique constraints decide between two requests that both read
    "not there yet"). After the commit, the next reads run outside again.

    Only the connection of a request's session does this (the jobs, the CLI and `engine.begin()` blocks keep
    their transactions); it goes back to transactions when it returns to the pool, after the pool's
    rollback has ended anything left open. A request that only read sends no COMMIT and no ROLLBACK, so
    psycopg's prepared statements, which it forgets at a ROLLBACK, are kept (see
    `end_read_only_requests_with_commit`, whose COMMIT then costs nothing).
    """
    engine = db.engine
    if engine.dialect.name != "postgresql":
        return
    session_class = db.session.session_factory.class_

    @event.listens_for(session_class, "after_begin")
    def _reads_outside(_session, _transaction, connection):
        if has_request_context():
            connection.info[_READS_OUTSIDE] = True

    @event.listens_for(engine, "before_cursor_execute")
    def _choose(conn, cursor, statement, _parameters, context, _executemany):
        if not conn.info.get(_READS_OUTSIDE):
            return
        driver = conn.connection.dbapi_connection
        if driver.info.transaction_status != _IDLE:
            return  # a transaction is open: the statement runs in it, whatever it is
        driver.autocommit = not _needs_transaction(context, statement, cursor)

    @event.listens_for(engine.pool, "checkin")
    def _back_to_transactions(driver, record):
        if record.info.pop(_READS_OUTSIDE, None) and driver is not None:
            try:
                driver.autocommit = False  # the pool's rollback ran before: nothing is open
            except Exception as error:  # noqa: BLE001 - a connection in an unknown state is not used again
                log.warning("a connection left autocommit badly (%s): discarded", describe(error))
                record.invalidate(error)


# psycopg's `pq.TransactionStatus.IDLE`: connected, no transaction open.
_IDLE = 0


def _needs_transaction(context, statement: str, cursor) -> bool:
    """Whether a statement must run in a transaction: it may write, takes row locks, or reads through a
    server-side cursor (a named cursor exists only inside a transaction)."""
    # Only a compiled SELECT may run outside: not textual SQL, DML, DDL, nor a SAVEPOINT (a compiled statement
    # too, which PostgreSQL refuses outside a transaction block).
    if context is None or context.compiled is None or context.is_text or not context.compiled.statement.is_select:
        return True
    return bool(getattr(cursor, "name", None)) or bool(_LOCKING.search(statement))


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
