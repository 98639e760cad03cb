"""The load mix's own PostgreSQL database, for a `make bench` that ran on SQLite (what a clean clone does).

The load mix is meant for PostgreSQL: many trainees writing at once is what a production site runs on it. When
`bench run` measured a SQLite database, its load-mix section runs on the database named by
LMS_BENCH_POSTGRES_URL (by default `lms_bench_loadmix` on the local server, as the tests' PostgreSQL), created
when missing and generated at the run's size when empty, then kept for the next run like the SQLite bench
files. Set LMS_BENCH_POSTGRES_URL to an empty string to skip it; when no server answers, the section says so.
"""
from __future__ import annotations

import os

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/lms_bench_loadmix"


def loadmix_database_url(out) -> tuple[str | None, str]:
    """The SQLAlchemy URL of the load mix's PostgreSQL database, created first when missing; or None and why
    there is none (the variable set empty, no server answering)."""
    given = os.environ.get("LMS_BENCH_POSTGRES_URL", DEFAULT_URL)
    if not given.strip():
        return None, "LMS_BENCH_POSTGRES_URL is set empty"
    target = make_url(given).set(drivername="postgresql+psycopg")
    if not target.database:
        return None, "LMS_BENCH_POSTGRES_URL names no database"
    shown = target.render_as_string(hide_password=True)
    admin = target.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (target.database,)).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(target.database)))
                out(f"created {shown} for the load mix")
    except psycopg.Error as error:
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        return None, f"no PostgreSQL answers at {shown} ({first}); set LMS_BENCH_POSTGRES_URL"
    return target.render_as_string(hide_password=False), ""
