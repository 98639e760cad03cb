"""The checks behind /healthz and /readyz: does the database answer, does Redis.

Each check opens its own connection from the pool, outside the request's session, so a check never
leaves a transaction behind and never fails because of an earlier statement of the request.
"""
from __future__ import annotations

import logging

from sqlalchemy import exc, text

from lms.core.counters import counters
from lms.core.db import describe
from lms.extensions import db

log = logging.getLogger("lms.health")


def database_state() -> str:
    """"ok" when the database answers a statement now, else "unreachable".

    A pooled connection that died while the database restarted fails once and is discarded by the pool
    (with every connection older than it): the check then asks once more on a new connection, so it tells
    whether the database answers now, not whether the pool held a stale connection.
    """
    try:
        return _select_one()
    except exc.DBAPIError as error:
        if not error.connection_invalidated:
            return _unreachable(error)
    except exc.SQLAlchemyError as error:
        return _unreachable(error)
    try:
        return _select_one()
    except exc.SQLAlchemyError as error:
        return _unreachable(error)


def _select_one() -> str:
    with db.engine.connect() as connection:
        # SQLite answers SELECT 1 without opening its file: read the schema, so that a file locked by
        # another process or unreadable counts as the database not answering.
        connection.execute(text("SELECT count(*) FROM sqlite_master" if db.engine.dialect.name == "sqlite"
                                else "SELECT 1"))
    return "ok"


def _unreachable(error: Exception) -> str:
    log.warning("health check: the database does not answer (%s)", describe(error))
    return "unreachable"


def redis_state() -> str:
    """"ok", "not used" (the sign-in counts are kept in memory) or "unreachable"."""
    return counters().redis_state()
