"""The production install as the README gives it: a wheel built from the repository, installed
into a fresh virtual environment, then `lms init` on a fresh PostgreSQL database, run from a
folder outside the repository.

It proves that the wheel carries what the app needs at run time (the Alembic migrations, the
shipped courses, the compiled catalogues) and nothing of the development tooling, and that the
installed app looks for nothing in the source tree and serves its pages through gunicorn. Marked `slow` (about a minute: pip installs
every dependency into the new environment) and not `db`, so `make test` runs it once, in its
first pass; it needs PostgreSQL whatever the backend, and skips without it, except with CI set.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
import zipfile
from pathlib import Path

import psycopg
import pytest
from alembic.script import ScriptDirectory

from config import migrations_dir, shipped_courses_dir
from lms.packages.reader import package_folders, read_package
from tests.helpers import postgres_admin_url, postgres_available

pytestmark = [pytest.mark.slow, pytest.mark.install]
ROOT = Path(__file__).resolve().parent.parent
# Left out of the copy the wheel is built from: what a fresh clone does not have either.
NOT_SOURCES = shutil.ignore_patterns(".git", ".venv", "build", "dist", "instance", "*.egg-info", "__pycache__",
                                     ".pytest_cache", "*.mo")
MO_MAGIC = (b"\xde\x12\x04\x95", b"\x95\x04\x12\xde")  # GNU gettext .mo, either byte order


def run(args, **kwargs) -> subprocess.CompletedProcess:
    """A command whose output is shown in the failure message when it does not exit 0."""
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=600, **kwargs)
    assert result.returncode == 0, f"{args} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture()
def database():
    """A fresh, empty PostgreSQL database (its URL), dropped afterwards."""
    admin_url = postgres_admin_url()
    if not postgres_available(admin_url):
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL does not answer at {admin_url} and CI=true")
        pytest.skip(f"PostgreSQL does not answer at {admin_url}")
    name = f"lms_wheel_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def build_wheel(tmp_path: Path) -> Path:
    """Build the wheel from a copy of the repository, as a clean clone would build it.

    A copy, because building in place compiles the catalogues and writes build/ in the working
    tree while other test workers read them.
    """
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCES)
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", tmp_path / "dist", source])
    (wheel,) = (tmp_path / "dist").glob("lms-*.whl")
    return wheel


def database_state(url: str) -> dict[str, tuple]:
    """Every table's rows, as one checksum per table: equal states have equal checksums."""
    with psycopg.connect(url) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]
        checksum = "SELECT count(*), md5(string_agg(r::text, ',' ORDER BY r::text)) FROM \"{}\" r"
        return {t: conn.execute(checksum.format(t)).fetchone() for t in tables}


def test_the_wheel_installs_and_initialises_a_fresh_database(tmp_path, database):
    wheel = build_wheel(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    # The development tooling stays out of the production install.
    assert not [n for n in names if {"bench", "tests"} & set(n.split("/")[:-1])]
    # What the app reads at run time is in: migrations, catalogues, courses.
    assert {"lms/migrations/env.py", "lms/migrations/script.py.mako", "lms/migrations/alembic.ini",
            "lms/translations/uk/LC_MESSAGES/messages.mo"} <= set(names)
    versions = sorted(p.name for p in (migrations_dir() / "versions").glob("*.py"))
    assert versions and all(f"lms/migrations/versions/{v}" in names for v in versions)

    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", venv])
    run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", wheel])
    lms = venv / "bin" / "lms"

    workdir = tmp_path / "site"  # where an operator would start the service: not the repository
    workdir.mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("LMS_") and k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}}
    env.update({"LMS_ENV": "production", "LMS_SECRET_KEY": "w" * 64, "LMS_DATABASE_URL": database})

    # The installed code, not the checkout, answers; its folders are in the package or the working directory.
    where = run([venv / "bin" / "python", "-c",
                 "import lms, config; c = config.load_config(); "
                 "print(lms.__file__); print(c['INSTANCE_PATH']); print(c['COURSES_DIR'])"],
                cwd=workdir, env=env).stdout.splitlines()
    package = Path(where[0]).resolve().parent
    assert package.parent.name == "site-packages" and venv.resolve() in package.parents
    assert Path(where[1]).resolve() == (workdir / "instance").resolve()
    assert Path(where[2]) == package / "shipped_courses"
    mo = package / "translations" / "uk" / "LC_MESSAGES" / "messages.mo"
    assert mo.read_bytes()[:4] in MO_MAGIC

    assert "init" in run([lms, "--help"], cwd=workdir, env=env).stdout

    first = run([lms, "init"], cwd=workdir, env=env)
    assert first.stdout.startswith("Database created: migrated from nothing to the latest schema (revision ")

    head = ScriptDirectory(str(migrations_dir())).get_current_head()
    shipped = {read_package(folder, shipped_courses_dir())[0].slug for folder in package_folders(shipped_courses_dir())}
    assert shipped
    with psycopg.connect(database) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(head,)]
        courses = dict(conn.execute("SELECT slug, status FROM courses").fetchall())
    assert courses == {slug: "published" for slug in shipped}
    state = database_state(database)

    second = run([lms, "init"], cwd=workdir, env=env)
    reported = [line.split() for line in second.stdout.splitlines()[1:]]
    assert sorted(reported) == sorted(["unchanged", slug] for slug in shipped), second.stdout
    assert database_state(database) == state

    # The README's next steps: production refuses to start without a secret, and gunicorn
    # serves "wsgi:app" from the working directory, in Ukrainian from the compiled catalogue.
    refused = subprocess.run([lms, "init"], capture_output=True, text=True, cwd=workdir, timeout=120,
                             env={**env, "LMS_SECRET_KEY": ""})
    assert refused.returncode != 0 and refused.stderr.startswith("Error: LMS_SECRET_KEY is required")
    assert "Увійти" in serve_login_page(venv, workdir, env)  # "Sign in"
    assert not (package.parent / "instance").exists() and not (package / "instance").exists()


def serve_login_page(venv: Path, workdir: Path, env: dict) -> str:
    """The sign-in page in Ukrainian, from the installed gunicorn serving `wsgi:app`."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = workdir / "gunicorn.log"
    with log.open("wb") as out:
        server = subprocess.Popen([venv / "bin" / "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                                   "wsgi:app"], cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=out)
    try:
        deadline = time.monotonic() + 60
        request = urllib.request.Request(f"http://127.0.0.1:{port}/login", headers={"Accept-Language": "uk"})
        while True:
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    return response.read().decode()
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    server.kill()
                    server.wait(timeout=10)
                    raise AssertionError("gunicorn did not serve: " + log.read_text()[-2000:])
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=10)
