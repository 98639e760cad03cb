"""Fixtures of the bench tests: a tiny generated data set, and the bench configuration of the app."""
from __future__ import annotations

from datetime import date

import pytest

ANCHOR = date(2026, 6, 1)


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
        "TESTING": True, "SECRET_KEY": "bench-test-secret", "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        "INSTANCE_PATH": str(tmp_path / "instance"), "SQLALCHEMY_DATABASE_URI": database_url,
        "PRIVACY_NOTICE_AT_SIGN_IN": False,
    })
    yield bench
    with bench.app_context():
        from lms.extensions import db

        db.session.remove()
        db.engine.dispose()
