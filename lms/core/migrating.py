"""What the migrations share: the guard against a downgrade that would lose data, and one transaction
for a whole migration run on SQLite as on PostgreSQL.

A downgrade keeps what the older schema can hold (it moves the data down, and its upgrade moves it back
up). Where the older schema has no place for some data, the downgrade calls `note_loss` before it
changes anything, saying what would be lost. The migration environment (migrations/env.py) runs every
step of a run in one transaction inside `refusing_data_loss`: at the end of the run, if any step noted
a loss and the operator did not accept it, it raises `DataLossRefused`, listing every loss of every
step, and the transaction rolls back: nothing was changed. The operator accepts with
`lms db downgrade --accept-data-loss` (`lms.commands`), which is the alembic x-argument
`accept-data-loss=yes` (`lms db downgrade -x accept-data-loss=yes`, `alembic -x accept-data-loss=yes`);
tests set the config attribute `accept_data_loss`.

A step notes a loss only when there is something to lose: a table that is empty, a column that holds
nothing, lose nothing, and such a downgrade is never refused.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from alembic import context as alembic_context
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection

log = logging.getLogger("lms.migrations")

ACCEPT_ARGUMENT = "accept-data-loss"  # the alembic x-argument: -x accept-data-loss=yes
ACCEPT_ATTRIBUTE = "accept_data_loss"  # the same, as a config attribute (tests, callers in Python)
_LOSSES = "lms_data_losses"  # config attribute: the (revision, what) noted during the current run
_YES = {"yes", "true", "1", "on"}


class DataLossRefused(RuntimeError):
    """A downgrade refused because it would lose data the older schema has no place for; nothing changed."""

    def __init__(self, losses: list[tuple[str, str]]):
        self.losses = losses
        listed = "; ".join(f"{revision}: {what}" for revision, what in losses)
        super().__init__(
            f"this downgrade would lose data that the older schema has no place for, so nothing was changed. "
            f"{listed}. Deal with them first, or accept the loss: `lms db downgrade REVISION --accept-data-loss` "
            f"(or -x {ACCEPT_ARGUMENT}=yes)")


def data_loss_accepted(config: Config) -> bool:
    """Whether the operator accepted losing data: the x-argument `accept-data-loss=yes` or the config
    attribute `accept_data_loss`."""
    if config.attributes.get(ACCEPT_ATTRIBUTE):
        return True
    for argument in getattr(config.cmd_opts, "x", None) or []:
        key, _, value = argument.partition("=")
        if key.strip() == ACCEPT_ARGUMENT and value.strip().lower() in _YES:
            return True
    return False


def note_loss(revision: str, what: str) -> None:
    """Say, from a downgrade and before it changes anything, that it would lose `what` (counts and kinds,
    never personal data: the text reaches the log).

    Inside the environment's `refusing_data_loss` the losses of every step are gathered and judged at
    the end of the run; run any other way, a loss not accepted is refused at once.
    """
    config = alembic_context.config
    losses = config.attributes.get(_LOSSES)
    if losses is None and not data_loss_accepted(config):
        raise DataLossRefused([(revision, what)])
    if losses is not None:
        losses.append((revision, what))
    if data_loss_accepted(config):
        log.warning("accepted loss going below schema revision %s: %s", revision, what)


@contextmanager
def refusing_data_loss(config: Config) -> Iterator[None]:
    """Around a migration run, inside its transaction: gather the losses the downgrades note, and at the
    end refuse them (raise `DataLossRefused`, so that the transaction rolls back) unless accepted."""
    config.attributes[_LOSSES] = []
    try:
        yield
        losses = config.attributes[_LOSSES]
    finally:
        config.attributes.pop(_LOSSES, None)
    if losses and not data_loss_accepted(config):
        raise DataLossRefused(losses)


@contextmanager
def sqlite_transactional_ddl(connection: Connection) -> Iterator[None]:
    """On SQLite, let a transaction begun on `connection` hold DDL too, so that a migration run is all or
    nothing there as on PostgreSQL (a refused downgrade of several steps changes nothing).

    Python's sqlite3 opens a transaction only before INSERT, UPDATE or DELETE: a CREATE or DROP met first
    is committed at once. Here the driver is told to leave transactions alone and the connection says
    BEGIN itself when SQLAlchemy begins one (SQLAlchemy's documented recipe for pysqlite). The driver's
    setting is put back afterwards: the connection returns to the pool as it came.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    driver = connection.connection.driver_connection
    saved = driver.isolation_level

    def _begin(conn):
        conn.exec_driver_sql("BEGIN")

    driver.isolation_level = None
    event.listen(connection, "begin", _begin)
    try:
        yield
    finally:
        event.remove(connection, "begin", _begin)
        driver.isolation_level = saved
