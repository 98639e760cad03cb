"""PostgreSQL's client programs as the backups use them: the version that fits the server, the password
kept off the command line, and a restore that fails half-way changing nothing."""
from __future__ import annotations

import subprocess

import pytest

from lms.auth.models import User
from lms.backups import postgres
from lms.backups.archive import BackupError
from lms.extensions import db
from tests.backups.conftest import rewrite, row_counts, run_lms
from tests.helpers import make_user


def fake_programs(root, versions, name="pg_dump"):
    """Debian's layout, /usr/lib/postgresql/N/bin/NAME, with programs that only tell their version."""
    for version in versions:
        folder = root / str(version) / "bin"
        folder.mkdir(parents=True)
        program = folder / name
        program.write_text(f"#!/bin/sh\necho '{name} (PostgreSQL) {version}.3 (Debian {version}.3-1)'\n")
        program.chmod(0o755)
    return str(root / "*" / "bin")


@pytest.mark.parametrize("installed,server,chosen", [
    ((13, 15, 16), 15, 15),  # the server's own version
    ((13, 15, 16), 14, 15),  # else the oldest newer one
    ((16,), 12, 16),
])
def test_the_client_programs_of_the_servers_version_are_chosen(tmp_path, monkeypatch, installed, server, chosen):
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-on-the-path"))
    search = fake_programs(tmp_path, installed)
    assert postgres.find_program("pg_dump", server, search) == tmp_path / str(chosen) / "bin" / "pg_dump"


def test_older_or_missing_client_programs_are_refused_in_words(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-on-the-path"))
    with pytest.raises(BackupError, match=r"pg_dump 15 is older than the PostgreSQL server \(17\): install the "
                                          r"client programs of version 17 \(Debian: postgresql-client-17\)"):
        postgres.find_program("pg_dump", 17, fake_programs(tmp_path / "old", (13, 15)))
    with pytest.raises(BackupError, match=r"pg_restore is not installed: .*apt-get install postgresql-client"):
        postgres.find_program("pg_restore", 15, str(tmp_path / "none" / "*" / "bin"))


def test_the_password_goes_in_the_environment_never_on_a_command_line(make_site, tmp_path, monkeypatch):
    password = "s3cret-not-for-ps"
    source = make_site("postgresql", migrate=True, password=password)  # the test server trusts: any password works
    target = make_site("postgresql", password=password)
    started = []
    real = subprocess.Popen

    def spy(args, *rest, **kwargs):
        started.append((list(map(str, args)), kwargs.get("env") or {}))
        return real(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", spy)
    archive = tmp_path / "site.tar"
    assert run_lms(source, "backup", archive).exit_code == 0
    assert run_lms(target, "restore", archive).exit_code == 0
    programs = {args[0].rsplit("/", 1)[-1] for args, _env in started}
    assert {"pg_dump", "pg_restore", "psql"} <= programs
    for args, env in started:
        assert not any(password in arg for arg in args), args
        if any(arg.startswith("--dbname=") for arg in args):  # pg_dump and psql connect
            assert env.get("PGPASSWORD") == password and "@" in args[-2] + args[-1], args


def test_a_restore_that_fails_half_way_leaves_the_database_as_it_was(make_site, tmp_path):
    source = make_site("postgresql", migrate=True)
    with source.app_context():
        make_user("officer@example.org", "Officer", "admin")
        # Rows enough that the dump is mostly data, after its table of contents.
        db.session.execute(db.text(
            "INSERT INTO audit_events (created_at, action, details) SELECT now(), 'test.filler', "
            "json_build_object('noise', md5(n::text) || md5((n * 7)::text)) FROM generate_series(1, 3000) AS n"))
        db.session.commit()
    archive = tmp_path / "site.tar"
    assert run_lms(source, "backup", archive).exit_code == 0
    # A dump cut short, with a manifest that agrees: its table of contents reads, its data ends early.
    cut = rewrite(archive, tmp_path / "cut.tar", checksums=True,
                  change=lambda name, body: body[:len(body) * 2 // 3] if name.endswith(".pgdump") else body)

    target = make_site("postgresql", migrate=True)
    with target.app_context():
        make_user("kept@example.org", "Kept Admin", "admin")
    before = row_counts(target)
    result = run_lms(target, "restore", cut, "--force")
    assert result.exit_code == 1, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: pg_restore failed and the database is unchanged: "), last
    assert row_counts(target) == before
    with target.app_context():
        assert db.session.query(User.email).scalar() == "kept@example.org"
