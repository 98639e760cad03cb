"""Alembic environment: the schema's only source of truth, for SQLite and PostgreSQL alike.

Run through `lms db ...` (Flask-Migrate). Tests (pytest-alembic) hand in their own connection
through `config.attributes["connection"]`.

Every run is one transaction, on SQLite too (`sqlite_transactional_ddl`), inside `refusing_data_loss`:
a downgrade that would lose data the older schema cannot hold is refused at the end of the run, listing
every such loss, unless the operator accepted it (`lms db downgrade --accept-data-loss`, or
`-x accept-data-loss=yes`), and the rollback leaves the database as it was (lms.core.migrating).
"""
import logging

from alembic import context
from flask import current_app
from sqlalchemy.engine import Connection, Engine

from lms.core.migrating import refusing_data_loss, sqlite_transactional_ddl

config = context.config
# No fileConfig(): migrations run inside the application (`lms db`, `lms init`, tests), whose
# logging is already set up; alembic.ini's logging section would double every line.
logger = logging.getLogger("alembic.env")

migrate_ext = current_app.extensions["migrate"]
target_metadata = migrate_ext.db.metadata


def render_item(type_, obj, autogen_context):
    """Write our UTC timestamp type as the plain SQLAlchemy type it stores."""
    from lms.core.types import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def process_revision_directives(context_, revision, directives):
    """Do not write an empty migration when autogenerate finds no change."""
    if getattr(config.cmd_opts, "autogenerate", False):
        script = directives[0]
        if script.upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")


def configure_args() -> dict:
    args = dict(migrate_ext.configure_args)
    args.setdefault("process_revision_directives", process_revision_directives)
    args.setdefault("render_item", render_item)
    args.setdefault("render_as_batch", True)
    args.setdefault("compare_type", True)
    return args


def run_migrations_offline():
    """Emit SQL for the database URL without connecting."""
    context.configure(url=str(migrate_ext.db.engine.url), target_metadata=target_metadata,
                      literal_binds=True, **configure_args())
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Migrate over a live connection: the test's, or the application's engine; all steps in one
    transaction, refused at its end if they would lose data not accepted."""
    given = config.attributes.get("connection")
    if isinstance(given, Connection):
        _run(given)  # the caller's connection and transaction: the caller commits or rolls back
        return
    engine = given if isinstance(given, Engine) else migrate_ext.db.engine
    with engine.connect() as connection, sqlite_transactional_ddl(connection):
        _run(connection, transactional_ddl=True)


def _run(connection: Connection, **options) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, **options, **configure_args())
    with context.begin_transaction(), refusing_data_loss(config):
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
