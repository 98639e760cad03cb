"""Sites of their own for the backup tests: an application on a fresh database (SQLite file, or a PostgreSQL
database created here and dropped after), with its own storage directory; `lms` run on one of them; and
archives rewritten by hand (a newer revision, a damaged member)."""
from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import func, inspect, select, table
from sqlalchemy.engine import make_url

from lms.cli import cli as lms_cli
from tests.helpers import postgres_admin_url, postgres_available

COURSES = str(Path(__file__).resolve().parents[2] / "courses")


def require_postgres() -> None:
    """Skip visibly when PostgreSQL does not answer; fail with CI=true."""
    if not postgres_available():
        message = f"PostgreSQL does not answer at {postgres_admin_url()}"
        if os.environ.get("CI"):
            pytest.fail(message + " and CI=true")
        pytest.skip(message)


def require_postgres_programs() -> None:
    """Skip visibly when PostgreSQL's client programs are missing (`make system-deps` installs them); fail
    with CI=true."""
    if not (shutil.which("pg_dump") and shutil.which("pg_restore") and shutil.which("psql")):
        message = "PostgreSQL's client programs are not installed (apt-get install postgresql-client)"
        if os.environ.get("CI"):
            pytest.fail(message + " and CI=true")
        pytest.skip(message)


@pytest.fixture()
def make_site(tmp_path):
    """make_site(kind, migrate=False, password=None): an application on a new, empty database of `kind`
    ("sqlite" or "postgresql"), at the latest schema when `migrate`; `password` goes into its URL."""
    import psycopg
    from flask_migrate import upgrade

    from lms import create_app
    from lms.extensions import db
    from tests.conftest import IsolatedClient

    made: list[tuple] = []

    def make(kind: str, migrate: bool = False, password: str | None = None):
        folder = tmp_path / f"site-{len(made)}"
        folder.mkdir()
        database = None
        if kind == "sqlite":
            url = f"sqlite:///{folder / 'lms.sqlite3'}"
        else:
            require_postgres()
            require_postgres_programs()
            database = f"lms_backup_{uuid.uuid4().hex[:10]}"
            with psycopg.connect(postgres_admin_url(), autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{database}"')
            url = make_url(postgres_admin_url()).set(drivername="postgresql+psycopg", database=database,
                                                     password=password).render_as_string(hide_password=False)
        site = create_app({
            "TESTING": True, "SECRET_KEY": "test-secret", "PASSWORD_HASH_MEMORY_KIB": 8, "PASSWORD_HASH_TIME_COST": 1,
            "INSTANCE_PATH": str(folder), "SQLALCHEMY_DATABASE_URI": url, "STORAGE_DIR": str(folder / "storage"),
            "COURSES_DIR": COURSES, "PRIVACY_NOTICE_AT_SIGN_IN": False,
        })
        site.test_client_class = IsolatedClient
        made.append((site, database))
        if migrate:
            with site.app_context():
                upgrade()
        return site

    yield make
    for site, database in made:
        with site.app_context():
            db.session.remove()
            db.engine.dispose()
        if database:
            with psycopg.connect(postgres_admin_url(), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def run_lms(site, *args):
    """`lms ARGS...` on `site`, as the installed command runs it (one-line errors included). The site's
    context is pushed here: Flask's commands use the application of a context already pushed (the test's)."""
    with site.app_context():
        return CliRunner().invoke(lms_cli, [str(a) for a in args], obj=ScriptInfo(create_app=lambda: site))


def row_counts(site) -> dict[str, int]:
    """Rows per table of the site's database, read by SQLAlchemy (not by the code under test)."""
    from lms.extensions import db

    with site.app_context(), db.engine.connect() as conn:
        names = [n for n in inspect(conn).get_table_names() if not n.startswith("sqlite_")]
        return {name: conn.scalar(select(func.count()).select_from(table(name))) for name in names}


def members(archive: Path) -> dict[str, bytes]:
    """Every member of an archive, by name."""
    with tarfile.open(archive) as tar:
        return {info.name: tar.extractfile(info).read() for info in tar.getmembers()}


def manifest_of(archive: Path) -> dict:
    return json.loads(members(archive)["manifest.json"])


def rewrite(archive: Path, target: Path, manifest=None, change=None, checksums: bool = False,
            rename: dict[str, str] | None = None) -> Path:
    """A copy of `archive` with members renamed by `rename`, passed through `change(name, bytes) -> bytes`,
    and its manifest through `manifest(dict)`; with `checksums` the manifest's list of members follows the
    renamed and changed members."""
    content = members(archive)
    data = json.loads(content.pop("manifest.json"))
    content = {(rename or {}).get(name, name): body for name, body in content.items()}
    if change:
        content = {name: change(name, body) for name, body in content.items()}
    if checksums:
        data["members"] = {name: {"sha256": hashlib.sha256(body).hexdigest(), "size": len(body)}
                           for name, body in content.items()}
    if manifest:
        data = manifest(data) or data
    content["manifest.json"] = json.dumps(data).encode()
    with tarfile.open(target, "w") as tar:
        for name, body in content.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    return target
