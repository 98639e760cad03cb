"""Every refusal of the `lms` command is one readable English line on stderr and a non-zero exit code.

The cases run click's CliRunner against `lms.cli.cli` itself (the group the installed `lms` runs, with
its own error handling), on the test application; two run the installed `lms` as a subprocess.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo

from lms.cli import cli as lms_cli

pytestmark = pytest.mark.db
ROOT = Path(__file__).resolve().parent.parent
LMS = str(Path(sys.executable).parent / "lms")


@pytest.fixture()
def lms(app, db, monkeypatch):
    """Run `lms ARGS...` through CliRunner, as the installed command runs it, on the test application."""
    for name in ("FLASK_RUN_PORT", "FLASK_RUN_HOST", "LMS_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()

    def invoke(*args, input=None):
        return runner.invoke(lms_cli, [str(a) for a in args], obj=ScriptInfo(create_app=lambda: app), input=input)
    return invoke


def assert_one_line_refusal(result, *fragments):
    """Refused: a non-zero exit code, one line on stderr starting "Error: " and holding `fragments`."""
    lines = result.stderr.strip().splitlines()
    assert result.exit_code != 0, result.output
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.output and "RuntimeError" not in result.output, result.output
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def _production(app, monkeypatch) -> tuple:
    monkeypatch.setitem(app.config, "ENV", "production")
    return ("demo",)


def _anonymised(world):
    from lms.privacy.services import anonymise_user

    anonymise_user(world["other_trainee"], actor=None)
    return world["other_trainee"].id


def _course_folder_file(tmp_path: Path, world) -> Path:
    from tests.helpers import make_course

    make_course("demo-course")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "demo-course").write_text("not a folder")
    return tmp_path / "out"


def _foreign_folder(tmp_path: Path, world) -> Path:
    from tests.helpers import make_course

    make_course("demo-course")
    (tmp_path / "out" / "demo-course").mkdir(parents=True)
    (tmp_path / "out" / "demo-course" / "notes.txt").write_text("someone's notes")
    return tmp_path / "out"


NEW = ("users", "create", "--email", "new@example.org", "--name", "New Officer")
# (case, arguments (a callable of tmp_path and world for those that need data), what the line must say)
REFUSALS = [
    # users create
    ("missing option", ("users", "create", "--name", "X", "--role", "admin"), ["Missing option '--email'"]),
    ("unknown option", ("users", "create", "--bogus"), ["No such option", "--help"]),
    ("unknown role", (*NEW, "--role", "king"), ["'--role'", "king"]),
    ("unknown locale", (*NEW, "--role", "admin", "--locale", "de"), ["'--locale'"]),
    ("unknown institution", (*NEW, "--role", "trainee", "--institution", "NOPE"), ["no institution with code 'NOPE'"]),
    ("trainee without institution", (*NEW, "--role", "trainee"), ["belong to an institution", "--institution CODE"]),
    ("bad email", ("users", "create", "--email", "not-an-email", "--name", "X", "--role", "admin"),
     ["not a valid email address"]),
    ("duplicate email", ("users", "create", "--email", "ADMIN@example.org", "--name", "X", "--role", "admin"),
     ["already exists"]),
    ("empty name", ("users", "create", "--email", "x@example.org", "--name", " ", "--role", "admin"),
     ["the name is empty"]),
    ("short password", (*NEW, "--role", "admin", "--password", "short"),
     ["the password is refused", "Use at least 10 characters."]),
    ("common password", (*NEW, "--role", "admin", "--password", "password123"), ["too easy to guess"]),
    ("password is the email", (*NEW, "--role", "admin", "--password", "new@example.org"),
     ["Do not use your email address"]),
    ("bad port", (*NEW, "--role", "admin", "--port", "http"), ["'--port'"]),
    # institutions add
    ("bad institution code", ("institutions", "add", "--code", "X", "--name", "Y", "--country", "UA"),
     ["the code must be 2-32 letters"]),
    ("country name", ("institutions", "add", "--code", "UA-NEW", "--name", "Y", "--country", "Ukraine"),
     ["'Ukraine' is not a country code of ISO 3166-1"]),
    ("unassigned country code", ("institutions", "add", "--code", "XX-NEW", "--name", "Y", "--country", "XX"),
     ["'XX' is not a country code of ISO 3166-1"]),
    ("grouping, not a country", ("institutions", "add", "--code", "EU-NEW", "--name", "Y", "--country", "eu"),
     ["'eu' is not a country code"]),
    ("duplicate institution", ("institutions", "add", "--code", "ua-acad", "--name", "Y", "--country", "UA"),
     ["an institution with the code 'UA-ACAD' already exists"]),
    ("empty institution name", ("institutions", "add", "--code", "UA-NEW", "--name", "", "--country", "UA"),
     ["the name is empty"]),
    # courses
    ("check a missing folder", lambda tmp, w, app, mp: ("courses", "check", tmp / "missing"), ["is not a folder"]),
    ("check a folder without packages", lambda tmp, w, app, mp: ("courses", "check", tmp), ["no course packages"]),
    ("import a missing folder", lambda tmp, w, app, mp: ("courses", "import", tmp / "missing"), ["is not a folder"]),
    ("import a file", lambda tmp, w, app, mp: ("courses", "import", tmp / "course.zip"), ["is not a folder"]),
    ("import a folder without packages", lambda tmp, w, app, mp: ("courses", "import", tmp), ["no course packages"]),
    ("export an unknown course", lambda tmp, w, app, mp: ("courses", "export", "no-such-course", tmp),
     ["no course with slug 'no-such-course'"]),
    ("export over another folder",
     lambda tmp, w, app, mp: ("courses", "export", "demo-course", _foreign_folder(tmp, w)),
     ["exists and is not a course package"]),
    ("export over a file", lambda tmp, w, app, mp: ("courses", "export", "demo-course", _course_folder_file(tmp, w)),
     ["cannot write"]),
    # data
    ("neither id nor email", ("data", "anonymise", "--yes"), ["give exactly one of --id or --email"]),
    ("both id and email", ("data", "export", "--id", "1", "--email", "a@example.org", "--output", "x.json"),
     ["give exactly one of --id or --email"]),
    ("unknown account id", ("data", "anonymise", "--id", "999999", "--yes"), ["no account with id 999999"]),
    ("unknown account email", ("data", "export", "--email", "nobody@example.org", "--output", "x.json"),
     ["no account with the email address 'nobody@example.org'"]),
    ("export to a missing folder", lambda tmp, w, app, mp: ("data", "export", "--id", w["trainee"].id,
                                                   "--output", tmp / "missing" / "x.json"), ["is not a folder"]),
    ("unknown export format", ("data", "export", "--id", "1", "--format", "xml", "--output", "x.json"),
     ["'--format'"]),
    ("anonymise an anonymised account", lambda tmp, w, app, mp: ("data", "anonymise", "--id", _anonymised(w), "--yes"),
     ["is already anonymised"]),
    # production
    ("demo in production", lambda tmp, w, app, mp: _production(app, mp), ["refusing to add demo accounts", "--force"]),
    # the command itself
    ("unknown command", ("no-such-command",), ["No such command 'no-such-command'"]),
    ("extra argument", ("attempts", "close-expired", "now"), ["unexpected extra argument"]),
]


@pytest.mark.parametrize("args,fragments", [case[1:] for case in REFUSALS], ids=[case[0] for case in REFUSALS])
def test_every_refusal_is_one_readable_line(lms, app, world, tmp_path, monkeypatch, args, fragments):
    monkeypatch.chdir(tmp_path)
    if callable(args):
        args = args(tmp_path, world, app, monkeypatch)
    (tmp_path / "course.zip").write_bytes(b"PK")
    assert_one_line_refusal(lms(*args), *fragments)


def test_a_weak_password_is_refused_in_english_and_creates_nothing(lms, world):
    """The password rules are lazily translated texts: they used to end in "Working outside of request
    context"; they are rendered in English whatever the account's language."""
    from lms.auth.models import User

    line = assert_one_line_refusal(lms(*NEW, "--role", "admin", "--locale", "uk", "--password", "qwertyuiop"))
    assert line == "Error: the password is refused (--password): This password is too easy to guess. Choose another."
    assert User.query.filter_by(email="new@example.org").count() == 0


def test_anonymise_asks_and_a_no_aborts_in_one_line(lms, world):
    result = lms("data", "anonymise", "--id", world["trainee"].id, input="n\n")
    assert result.exit_code == 1 and result.stderr.strip().splitlines()[-1] == "Aborted."
    assert world["trainee"].anonymised_at is None


def test_a_group_without_its_command_shows_its_help(lms):
    result = lms("users")
    assert result.exit_code == 0 and "Error" not in result.output
    assert result.stdout.startswith("Usage: ") and "create" in result.stdout


def test_init_names_packages_refused_then_ends_in_one_line(lms, app, monkeypatch, tmp_path):
    from tests.packages.sample import write_sample
    from tests.packages.test_check import replace

    bad = write_sample(tmp_path, "bad")
    replace(bad / "01-basics/03-check.quiz.yaml", "pass_mark: 60", "pass_mark: 140")
    monkeypatch.setitem(app.config, "COURSES_DIR", str(tmp_path))
    result = lms("init")
    assert result.exit_code == 1
    assert "refused    bad: 1 problem(s), nothing imported" in result.stderr
    assert result.stderr.strip().splitlines()[-1] == "Error: some course packages were refused (see above)"


def run_lms(*args, tmp_path, env_extra=None):
    env = {**os.environ, "LMS_INSTANCE_PATH": str(tmp_path), "LMS_DATABASE_URL": f"sqlite:///{tmp_path}/cli.sqlite3",
           **(env_extra or {})}
    return subprocess.run([LMS, *map(str, args)], capture_output=True, text=True, env=env, timeout=120, cwd=ROOT)


@pytest.mark.slow
def test_the_installed_command_refuses_in_one_line(tmp_path):
    """The real `lms`: a weak password, an unknown country, a database that does not answer, one that has no
    tables; one line each, no traceback."""
    assert run_lms("init", "--no-courses", tmp_path=tmp_path).returncode == 0
    cases = [
        (("users", "create", "--email", "x@example.org", "--name", "X", "--role", "admin", "--password", "short"), {},
         "Error: the password is refused (--password): Use at least 10 characters."),
        (("institutions", "add", "--code", "XX-1", "--name", "X", "--country", "XX"), {},
         "Error: 'XX' is not a country code of ISO 3166-1 (--country): use two letters such as UA, GE or MD"),
        (("courses", "list"), {"LMS_DATABASE_URL": "postgresql://lms@127.0.0.1:9/lms"},
         "Error: cannot connect to the database: "),
        (("courses", "list"), {"LMS_DATABASE_URL": f"sqlite:///{tmp_path}/empty.sqlite3"},
         "Error: the database has no tables yet"),
    ]
    for args, env, expected in cases:
        result = run_lms(*args, tmp_path=tmp_path, env_extra=env)
        lines = result.stderr.strip().splitlines()
        assert result.returncode != 0, args
        assert len(lines) == 1 and lines[0].startswith(expected), (args, result.stderr)
        assert "Traceback" not in result.stderr + result.stdout
