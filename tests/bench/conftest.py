"""Fixtures of the bench tests: a tiny generated data set, the bench configuration of the app, and
`python -m bench` run in process as a user runs it."""
from __future__ import annotations

import contextvars
import logging
from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine

from bench.cli import bench_group
from bench.marker import remove_marker

ANCHOR = date(2026, 6, 1)


@pytest.fixture(autouse=True)
def _no_bench_marker_left(database_url):
    """The `db` fixture empties the app's tables only: the bench's mark would stay behind in the
    session's database and vouch for the rows the next test writes."""
    yield
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            remove_marker(conn)
    finally:
        engine.dispose()


@pytest.fixture()
def generated(db):
    """The tiny data set in the test database (emptied again after the test by the `db` fixture)."""
    from bench.generator import generate
    from bench.sizes import SIZES

    return generate(db.engine, SIZES["tiny"], seed=7, anchor=ANCHOR, out=lambda _line: None)


@pytest.fixture()
def bench_app(app, database_url, tmp_path):
    """The bench configuration (the app plus the bare route) on the test database: a second app,
    so the bare route never appears in the app the other tests enumerate."""
    from bench.app import create_bench_app

    bench = create_bench_app({
        "TESTING": True, "SECRET_KEY": "bench-test-secret", "PASSWORD_HASH_MEMORY_KIB": 8, "PASSWORD_HASH_TIME_COST": 1,
        "INSTANCE_PATH": str(tmp_path / "instance"), "SQLALCHEMY_DATABASE_URI": database_url,
        "PRIVACY_NOTICE_AT_SIGN_IN": False,
    })
    yield bench
    with bench.app_context():
        from lms.extensions import db

        db.session.remove()
        db.engine.dispose()


def run_bench(runner: CliRunner, args, env: dict):
    """Invoke the group outside the test's app context (in a context of its own, as IsolatedClient
    does): `with_appcontext` would otherwise use the test's app instead of building one from env."""
    return contextvars.Context().run(runner.invoke, bench_group, list(args), env=env, prog_name="python -m bench")


@pytest.fixture()
def bench_cli(app, db, database_url, tmp_path):
    """`python -m bench ARGS...` on the test database: the group builds its own app from LMS_* as
    the command does. Returns a function giving click's Result (output holds stdout and stderr)."""
    runner = CliRunner()
    env = {"LMS_DATABASE_URL": database_url, "LMS_INSTANCE_PATH": str(tmp_path / "bench-instance"),
           "LMS_ENV": "development", "LMS_LOG_LEVEL": "WARNING"}
    level = logging.getLogger("lms").level  # create_app sets the "lms" level; the other tests keep theirs

    def invoke(*args: str, **more_env: str):
        return run_bench(runner, args, {**env, **more_env})

    yield invoke
    logging.getLogger("lms").setLevel(level)
