"""The `lms` command: init, demo, users, institutions, and one-line errors."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lms.auth.models import User
from lms.institutions.models import Institution

pytestmark = pytest.mark.db
ROOT = Path(__file__).resolve().parent.parent
LMS = str(Path(sys.executable).parent / "lms")


@pytest.fixture()
def cli(app, db):
    return app.test_cli_runner()


def test_demo_adds_institutions_and_one_account_per_role_twice_safely(cli, db, client, auth):
    first = cli.invoke(args=["demo"])
    second = cli.invoke(args=["demo"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    for role in ("admin", "instructor", "assessor", "coordinator", "trainee"):
        assert f"{role}@demo.example" in first.output
    assert db.session.query(User).count() == 5
    assert {i.country for i in db.session.query(Institution)} >= {"UA", "GE", "MD", "AM"}
    password = next(line.split("password: ")[1] for line in second.output.splitlines() if "trainee@" in line)
    assert auth.login("trainee@demo.example", password).headers["Location"] == "/"


def test_demo_instructor_owns_the_courses_and_the_assessor_marks_them(cli, db):
    from lms.catalog.models import CourseStaff
    from tests.helpers import make_course

    course = make_course()
    assert cli.invoke(args=["demo"]).exit_code == 0
    result = cli.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    staff = {(s.user.email, s.course_id, s.role) for s in db.session.query(CourseStaff)}
    assert staff == {("instructor@demo.example", course.id, "owner"), ("assessor@demo.example", course.id, "assessor")}
    line = next(line for line in result.output.splitlines() if "assessor@demo.example" in line)
    assert line.split()[0] == "assessor" and line.endswith("password: demo-assessor-pass")
    assessor = db.session.query(User).filter_by(email="assessor@demo.example").one()
    assert assessor.role == "instructor"  # an assessor is an instructor account with the staff role "assessor"


def test_demo_assessor_sees_the_marking_queue_and_not_the_editor(cli, db, client, auth):
    """Signed in as the demo assessor: the marking queue lists the course; its editing pages are refused."""
    from tests.helpers import make_course

    course = make_course()
    assert cli.invoke(args=["demo"]).exit_code == 0
    auth.login("assessor@demo.example", "demo-assessor-pass")
    assert 'href="/assess"' in client.get("/").get_data(as_text=True)  # "Marking" in the header
    queue = client.get("/assess")
    assert queue.status_code == 200 and course.title in queue.get_data(as_text=True)
    assert client.get(f"/author/{course.slug}/").status_code == 403


@pytest.mark.parametrize("args,env,address", [
    ((), {}, "http://127.0.0.1:5000"),
    (("--port", "5077"), {}, "http://127.0.0.1:5077"),
    (("--host", "0.0.0.0", "--port", "8080"), {}, "http://127.0.0.1:8080"),  # every interface: this machine's
    ((), {"FLASK_RUN_PORT": "5099"}, "http://127.0.0.1:5099"),  # as `lms run` reads it
    (("--port", "5077"), {"PUBLIC_URL": "https://learn.example.org"}, "https://learn.example.org"),
], ids=["default", "port", "any-interface", "flask-run-port", "public-url"])
def test_demo_and_users_create_print_the_address_the_site_is_served_at(cli, app, db, world, monkeypatch,
                                                                         args, env, address):
    monkeypatch.delenv("FLASK_RUN_HOST", raising=False)
    monkeypatch.delenv("FLASK_RUN_PORT", raising=False)
    monkeypatch.setitem(app.config, "PUBLIC_URL", env.get("PUBLIC_URL", ""))
    if "FLASK_RUN_PORT" in env:
        monkeypatch.setenv("FLASK_RUN_PORT", env["FLASK_RUN_PORT"])
    demo = cli.invoke(args=["demo", *args])
    assert demo.exit_code == 0, demo.output
    assert f"Demo accounts (sign in at {address}/login):" in demo.output
    created = cli.invoke(args=["users", "create", "--email", "new@example.org", "--name", "New", "--role", "admin",
                               *args])
    assert created.exit_code == 0, created.output
    assert f"One-time set-password link: {address}/set-password/" in created.output


def test_make_run_prints_the_sign_in_address_of_its_port(cli, db, monkeypatch):
    """`make run PORT=5077`: the demo accounts are printed with the address the server is started on."""
    monkeypatch.delenv("FLASK_RUN_PORT", raising=False)
    monkeypatch.delenv("FLASK_RUN_HOST", raising=False)
    plan = subprocess.run(["make", "-n", "run", "PORT=5077"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert plan.returncode == 0, plan.stderr
    commands = [line.split() for line in plan.stdout.splitlines() if line.split()[:1] == [".venv/bin/lms"]]
    demo = next(c for c in commands if c[1] == "demo")
    serve = next(c for c in commands if c[1] == "run")
    assert serve[2:] == ["--host", "127.0.0.1", "--port", "5077"]
    # The job queue's worker, beside the server, its mails' links on the server's address unless set otherwise.
    assert 'LMS_PUBLIC_URL="${LMS_PUBLIC_URL:-http://127.0.0.1:5077}" .venv/bin/lms worker &' in plan.stdout
    result = cli.invoke(args=demo[1:])
    assert result.exit_code == 0, result.output
    assert "Demo accounts (sign in at http://127.0.0.1:5077/login):" in result.output


def test_users_create_prints_a_set_password_link(cli, db, world):
    result = cli.invoke(args=["users", "create", "--email", "Officer@Example.org", "--name", "Officer",
                              "--role", "trainee", "--institution", "ua-acad"])
    assert result.exit_code == 0, result.output
    assert "/set-password/" in result.output
    assert db.session.query(User).filter_by(email="officer@example.org").one().institution.code == "UA-ACAD"


def test_institutions_add(cli, db):
    result = cli.invoke(args=["institutions", "add", "--code", "GE-PA", "--name", "Police Academy", "--country", "ge"])
    assert result.exit_code == 0 and "GE-PA" in result.output
    assert db.session.query(Institution).one().country == "GE"


@pytest.mark.parametrize("folder", ["empty", "missing"])
def test_init_says_when_there_are_no_courses_to_import_and_succeeds(cli, db, app, monkeypatch, tmp_path, folder):
    courses = tmp_path / "courses"
    if folder == "empty":
        courses.mkdir()
    monkeypatch.setitem(app.config, "COURSES_DIR", str(courses))
    result = cli.invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert "Database is already at the latest schema (revision " in result.output
    assert f"No course packages found in {courses}" in result.output
    assert "set LMS_COURSES_DIR or run `lms courses import PATH`" in result.output


def test_init_imports_and_publishes_the_shipped_courses_once(cli, db):
    from lms.catalog.models import Course

    first = cli.invoke(args=["init"])
    second = cli.invoke(args=["init"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert "No course packages" not in first.output
    courses = db.session.query(Course).all()
    assert courses and {c.status for c in courses} == {"published"}
    assert second.output.count("unchanged") == len(courses)


@pytest.mark.slow
def test_init_says_whether_it_created_upgraded_or_left_the_schema(tmp_path):
    """A new database is created, an older one upgraded from its revision, a current one left as it is."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(ROOT / "migrations")).get_current_head()
    previous = ScriptDirectory(str(ROOT / "migrations")).get_revision(head).down_revision
    created = run_lms("init", "--no-courses", tmp_path=tmp_path)
    assert created.returncode == 0, created.stderr
    assert created.stdout == f"Database created: migrated from nothing to the latest schema (revision {head}).\n"
    assert run_lms("db", "downgrade", previous, tmp_path=tmp_path).returncode == 0
    upgraded = run_lms("init", "--no-courses", tmp_path=tmp_path)
    assert upgraded.stdout == (f"Database upgraded from schema revision {previous} to the latest "
                               f"(revision {head}).\n"), upgraded.stderr
    again = run_lms("init", "--no-courses", tmp_path=tmp_path)
    assert again.stdout == f"Database is already at the latest schema (revision {head}); nothing to migrate.\n"


@pytest.mark.slow
def test_init_refuses_a_database_newer_than_the_code(tmp_path):
    import sqlite3

    assert run_lms("init", "--no-courses", tmp_path=tmp_path).returncode == 0
    with sqlite3.connect(tmp_path / "cli.sqlite3") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    result = run_lms("init", tmp_path=tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == ("Error: the database is at schema revision 9999, which this version of the platform "
                             "does not know (was it upgraded by a newer version?); nothing was changed\n")


def test_init_no_courses_only_migrates(cli, db):
    from lms.catalog.models import Course

    result = cli.invoke(args=["init", "--no-courses"])
    assert result.exit_code == 0 and "No course packages" not in result.output
    assert db.session.query(Course).count() == 0


def test_a_checkout_reads_its_own_folders(tmp_path, monkeypatch):
    """Development (this checkout, installed editable): the repository's folders, not the package's."""
    from config import default_instance_dir, load_config, migrations_dir, shipped_courses_dir, source_checkout

    assert source_checkout() == ROOT
    assert migrations_dir() == ROOT / "migrations" and (migrations_dir() / "env.py").is_file()
    assert shipped_courses_dir() == ROOT / "courses"
    assert default_instance_dir() == ROOT / "instance"
    monkeypatch.delenv("LMS_COURSES_DIR", raising=False)
    monkeypatch.delenv("LMS_INSTANCE_PATH", raising=False)
    monkeypatch.setenv("LMS_SECRET_KEY", "k" * 40)
    monkeypatch.chdir(tmp_path)  # the working directory matters only to an installed wheel
    config = load_config()
    assert config["INSTANCE_PATH"] == str(ROOT / "instance") and config["COURSES_DIR"] == str(ROOT / "courses")
    assert config["MIGRATIONS_DIR"] == str(ROOT / "migrations")
    monkeypatch.setenv("LMS_COURSES_DIR", str(tmp_path))
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path / "inst"))
    config = load_config()
    assert config["COURSES_DIR"] == str(tmp_path) and config["INSTANCE_PATH"] == str(tmp_path / "inst")


def test_an_installed_wheel_reads_the_package_and_the_working_directory(tmp_path, monkeypatch):
    """Installed (config.py in site-packages, no pyproject.toml beside it): the copies in the package, and
    instance/ under the working directory; tests/test_wheel_install.py proves it on a real install."""
    import config

    site_packages = tmp_path / "site-packages"
    monkeypatch.setattr(config, "BASE_DIR", site_packages)
    monkeypatch.chdir(tmp_path)
    assert config.source_checkout() is None
    assert config.migrations_dir() == site_packages / "lms" / "migrations"
    assert config.shipped_courses_dir() == site_packages / "lms" / "shipped_courses"
    assert config.default_instance_dir() == tmp_path / "instance"


def run_lms(*args, env_extra=None, tmp_path=None):
    env = {**os.environ, "LMS_INSTANCE_PATH": str(tmp_path), "LMS_DATABASE_URL": f"sqlite:///{tmp_path}/cli.sqlite3",
           **(env_extra or {})}
    return subprocess.run([LMS, *args], capture_output=True, text=True, env=env, timeout=120, cwd=ROOT)


@pytest.mark.slow
def test_bad_arguments_give_one_line_and_nonzero_exit(tmp_path):
    assert run_lms("init", "--no-courses", tmp_path=tmp_path).returncode == 0
    cases = [
        ("users", "create", "--email", "x@example.org", "--name", "X", "--role", "trainee"),
        ("users", "create", "--email", "bad", "--name", "X", "--role", "admin"),
        ("users", "create", "--email", "x@example.org", "--name", "X", "--role", "king"),
        ("users", "create", "--email", "x@example.org", "--name", "X", "--role", "trainee", "--institution", "NOPE"),
        ("institutions", "add", "--code", "X", "--name", "Y", "--country", "Ukraine"),
        ("courses", "export", "no-such-course", str(tmp_path / "out")),
        ("courses", "check", str(tmp_path / "missing")),
        ("no-such-command",),
        ("users", "create", "--bogus"),
    ]
    for args in cases:
        result = run_lms(*args, tmp_path=tmp_path)
        lines = result.stderr.strip().splitlines()
        assert result.returncode != 0, args
        assert len(lines) == 1 and lines[0].startswith("Error: "), (args, result.stderr)
        assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.slow
def test_production_refuses_to_start_without_secret_key(tmp_path):
    result = run_lms("courses", "list", env_extra={"LMS_ENV": "production", "LMS_SECRET_KEY": ""}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert result.stderr.strip() .startswith("Error: LMS_SECRET_KEY is required")
    assert len(result.stderr.strip().splitlines()) == 1


def test_development_secret_is_generated_once_and_kept(tmp_path, monkeypatch):
    from config import load_config

    monkeypatch.delenv("LMS_SECRET_KEY", raising=False)
    first = load_config(INSTANCE_PATH=str(tmp_path))
    second = load_config(INSTANCE_PATH=str(tmp_path))
    assert first["SECRET_KEY"] == second["SECRET_KEY"] and len(first["SECRET_KEY"]) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_configuration_comes_from_the_environment(tmp_path, monkeypatch):
    from config import ConfigError, load_config

    monkeypatch.delenv("LMS_DATABASE_URL", raising=False)
    config = load_config(INSTANCE_PATH=str(tmp_path))
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'lms.sqlite3'}"
    assert config["SESSION_COOKIE_SECURE"] is False
    monkeypatch.setenv("LMS_ENV", "production")
    monkeypatch.setenv("LMS_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("LMS_DATABASE_URL", "postgresql://lms@db/lms")
    prod = load_config(INSTANCE_PATH=str(tmp_path))
    assert prod["SESSION_COOKIE_SECURE"] and prod["REMEMBER_COOKIE_SECURE"] and prod["SESSION_COOKIE_HTTPONLY"]
    assert prod["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert prod["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://lms@db/lms"
    monkeypatch.setenv("LMS_MAX_UPLOAD_MB", "lots")
    with pytest.raises(ConfigError):
        load_config(INSTANCE_PATH=str(tmp_path))
