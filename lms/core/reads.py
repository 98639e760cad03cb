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
from functools import cache
from typing import Any

from sqlalchemy import Row, inspect
from sqlalchemy.orm import make_transient_to_detached
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


def table_columns(model) -> tuple:
    """The columns of `model`'s table in order: what a plain read selects for `as_object`."""
    return _columns(model)[0]


@cache
def _columns(model) -> tuple[tuple, tuple[str, ...]]:
    columns = tuple(model.__table__.columns)
    mapper = inspect(model)
    return columns, tuple(mapper.get_property_by_column(column).key for column in columns)


def as_object(model, values: Sequence[Any]):
    """The session's object of `model` for a row read plainly, `values` being its `table_columns(model)` in order.

    The session's own object for that row when it holds one; else a new object put in the session as that row,
    unchanged (`make_transient_to_detached`): no statement, and none of the ORM's handling of results, which on
    the bench machine costs twice what reading the row plainly does. Its relationships load as they would
    (lazily) unless the caller sets them (`set_committed_value`).
    """
    session = db.session()
    keys = _columns(model)[1]
    instance = inspect(model).class_manager.new_instance()
    instance.__dict__.update(zip(keys, values))
    make_transient_to_detached(instance)
    held = session.identity_map.get(inspect(instance).key)
    if held is not None:
        return held
    session.add(instance)
    return instance
