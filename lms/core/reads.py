"""Plain reads: a SELECT of columns (no mapped objects) run on the session's connection, in its transaction.

The session's own `execute` takes the ORM's path for every statement, including one that loads no object: it
sets up the ORM's execution and result handling, which on the bench machine cost about 65 µs a statement more
than the same statement on the connection (issue 25), as much as SQLite takes to run most reads of a trainee's
page. A named read whose rows are plain values (ids, counts, columns) uses these instead. Changes still pending
in the session are flushed first, as the session's autoflush would, so the read sees them.

This module knows no feature.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Row
from sqlalchemy.sql import Executable

from lms.extensions import db


def _connection():
    session = db.session()
    if session.autoflush:
        session.flush()  # the session's autoflush, which a statement on the connection does not run (nothing to do
        # and next to no cost when nothing is pending; `no_autoflush` blocks are respected)
    return session.connection()


def plain_rows(statement: Executable, parameters: Mapping[str, Any] | None = None) -> Sequence[Row]:
    """Every row of `statement` (a SELECT of columns), as tuples with named fields."""
    return _connection().execute(statement, parameters).all()


def plain_first(statement: Executable, parameters: Mapping[str, Any] | None = None) -> Row | None:
    """The first row of `statement`, or None."""
    return _connection().execute(statement, parameters).first()


def plain_scalar(statement: Executable, parameters: Mapping[str, Any] | None = None) -> Any:
    """The first column of the first row of `statement`, or None."""
    return _connection().execute(statement, parameters).scalar()


def plain_scalars(statement: Executable, parameters: Mapping[str, Any] | None = None) -> list:
    """The first column of every row of `statement`."""
    return list(_connection().execute(statement, parameters).scalars())
