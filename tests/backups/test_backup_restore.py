"""`lms backup` and `lms restore` on the session's database (SQLite, and PostgreSQL with `-m db`): a backup
restored into a new, empty database holds the same rows and files, and the site works on it; what the
restore refuses, it refuses in one line and changes nothing."""
from __future__ import annotations

import hashlib
import importlib.metadata
import re
from pathlib import Path
from datetime import UTC, datetime, timedelta

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.auth.models import User
from lms.catalog.models import CourseAsset
from lms.extensions import db as _db
from tests.backups.conftest import manifest_of, members, require_postgres_programs, rewrite, row_counts, run_lms
from tests.conftest import BACKEND
from tests.helpers import Auth, make_user, take_quiz
from tests.packages.sample import PIXEL

pytestmark = pytest.mark.db
KIND = "postgresql" if BACKEND == "postgres" else "sqlite"
# The latest schema revision, as the migrations folder says (every new migration moves it).
HEAD = ScriptDirectory(str(Path(__file__).resolve().parents[2] / "migrations")).get_current_head()
DATABASE_MEMBER = {"sqlite": "database/lms.sqlite3", "postgresql": "database/lms.pgdump"}[KIND]


def assert_refused(result, *fragments):
    """One line on stderr starting with "Error: ", holding `fragments`; a non-zero exit code."""
    assert result.exit_code != 0, result.output
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: ") and "Traceback" not in result.stderr, result.stderr
    for fragment in fragments:
        assert fragment in last, (fragment, last)
    return last


@pytest.fixture()
def backup(app, db, world, course, auth, tmp_path):
    """A site with a trainee who enrolled and answered the quiz, backed up by `lms backup`: (archive, the rows
    counted just before, the result)."""
    if KIND == "postgresql":
        require_postgres_programs()
    auth.login(world["trainee"].email)
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    take_quiz(auth, db, "sample", "check")
    before = row_counts(app)
    archive = tmp_path / "site.tar.gz"
    result = run_lms(app, "backup", archive)
    assert result.exit_code == 0, result.stderr
    return archive, before, result


def test_a_backup_restored_into_an_empty_database_is_the_same_site(app, db, backup, make_site):
    archive, before, made = backup
    # The manifest says what the archive holds, and every member matches its checksum.
    manifest, content = manifest_of(archive), members(archive)
    assert manifest["database"]["kind"] == KIND and manifest["database"]["schema_revision"] == HEAD
    assert manifest["tables"] == before and before["attempt_answers"] >= 5
    assert manifest["platform_version"] == importlib.metadata.version("lms")
    assert abs(datetime.fromisoformat(manifest["created_at"]) - datetime.now(UTC)) < timedelta(minutes=5)
    assert set(content) == set(manifest["members"]) | {"manifest.json"}
    for name, facts in manifest["members"].items():
        assert hashlib.sha256(content[name]).hexdigest() == facts["sha256"] and len(content[name]) == facts["size"]
    key = db.session.scalar(select(CourseAsset.storage_key).where(CourseAsset.path == "basics/pixel.png"))
    assert content[f"files/{key}"] == PIXEL and DATABASE_MEMBER in content
    # Progress per table on stderr; the outcome on stdout.
    assert f"database: table attempt_answers, {before['attempt_answers']} rows" in made.stderr
    assert re.search(r"files: \d+ of \d+ \(", made.stderr)
    assert f"at schema revision {HEAD}, {len(before)} tables with {sum(before.values())} rows" in made.stdout
    # Readable by its owner only (personal data, password hashes); audited after it was taken, so not in it.
    assert archive.stat().st_mode & 0o777 == 0o600
    assert row_counts(app)["audit_events"] == before["audit_events"] + 1
    event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))
    assert event.action == "backup.created" and event.details["rows"] == sum(before.values())

    target = make_site(KIND)
    restored = run_lms(target, "restore", archive)
    assert restored.exit_code == 0, restored.stderr
    assert re.search(r"checking: (\d+) of \1 ", restored.stderr)
    assert "database: table attempt_answers, " in restored.stderr and "as in the backup" in restored.stderr
    assert f"{len(before)} tables with {sum(before.values())} rows (as counted in the backup)" in restored.stdout
    assert row_counts(target) == manifest["tables"]

    # The site works on the restored data: sign in, the course, the lesson and its image from the storage.
    auth = Auth(target.test_client())
    assert auth.login("trainee@example.org").headers["Location"] == "/"
    my = auth.client.get("/my")
    assert my.status_code == 200 and "Sample course" in my.get_data(as_text=True)
    lesson = auth.client.get("/courses/sample/lessons/intro")
    assert lesson.status_code == 200
    assert 'src="/courses/sample/assets/basics/pixel.png?v=' in lesson.get_data(as_text=True)
    image = auth.client.get("/courses/sample/assets/basics/pixel.png")
    assert image.status_code == 200 and image.data == PIXEL
    with target.app_context():
        attempt = _db.session.execute(_db.text("SELECT id FROM quiz_attempts")).scalar_one()
    review = auth.client.get(f"/attempts/{attempt}/review")
    assert review.status_code == 200 and "Passed." in review.get_data(as_text=True)


def test_a_database_with_rows_is_refused_and_replaced_with_force(backup, make_site):
    archive, before, _made = backup
    target = make_site(KIND, migrate=True)
    with target.app_context():
        make_user("late@example.org", "Written after the backup", "admin")
    storage = target.extensions["lms.storage"]
    storage.put("course-assets/999/stray", b"a file of the replaced data")
    counts = row_counts(target)

    refused = run_lms(target, "restore", archive)
    assert_refused(refused, "the database is not empty (2 rows in 2 tables, such as 1 in", "give --force", "nothing was restored")
    assert row_counts(target) == counts and storage.exists("course-assets/999/stray")

    forced = run_lms(target, "restore", archive, "--force")
    assert forced.exit_code == 0, forced.stderr
    assert row_counts(target) == before
    with target.app_context():
        emails = set(_db.session.scalars(select(User.email)))
    assert "late@example.org" not in emails and "trainee@example.org" in emails
    assert not storage.exists("course-assets/999/stray")
    assert "deleted 1 stored files the backup does not hold" in forced.stdout


def test_an_archive_of_a_newer_schema_is_refused(backup, make_site, tmp_path):
    archive, _before, _made = backup

    def newer(data):
        data["database"]["schema_revision"] = "0099"
        data["platform_version"] = "9.0.0"

    target = make_site(KIND)
    result = run_lms(target, "restore", rewrite(archive, tmp_path / "newer.tar", manifest=newer))
    assert_refused(result, "the backup is of schema revision 0099, newer than this version of the platform knows "
                           f"(its latest is {HEAD}); restore it with platform version 9.0.0 or newer")
    assert row_counts(target) == {}
    assert not list(target.extensions["lms.storage"].keys())


@pytest.mark.parametrize("damaged", ["database", "file"])
def test_a_damaged_archive_is_refused_before_anything_changes(backup, make_site, tmp_path, damaged):
    archive, _before, _made = backup
    wanted = DATABASE_MEMBER if damaged == "database" else "files/"

    def flip(name, body):
        if not name.startswith(wanted):
            return body
        return body[:len(body) // 2] + bytes([body[len(body) // 2] ^ 1]) + body[len(body) // 2 + 1:]

    target = make_site(KIND)
    result = run_lms(target, "restore", rewrite(archive, tmp_path / "damaged.tar", change=flip))
    assert_refused(result, "the archive is damaged: ", "does not match its checksum in the manifest",
                   "nothing was restored")
    assert row_counts(target) == {} and not list(target.extensions["lms.storage"].keys())


def test_refusals_of_restore_are_one_line(backup, make_site, tmp_path):
    archive, _before, _made = backup
    target = make_site(KIND)

    def unknown_format(data):
        data["format"] = "something-else"

    def later_format(data):
        data["format_version"] = 2

    text = tmp_path / "notes.tar"
    text.write_text("not an archive")
    cases = [
        (tmp_path / "missing.tar", "missing.tar: no such file"),
        (text, "is not a backup archive of the platform, or is damaged"),
        (tmp_path, "is a directory"),
        (rewrite(archive, tmp_path / "f.tar", manifest=unknown_format),
         "not a backup archive of the platform (its manifest is of another format)"),
        (rewrite(archive, tmp_path / "v.tar", manifest=later_format),
         "the archive is of format 2, made by a newer version of the platform"),
        (rewrite(archive, tmp_path / "x.tar", change=lambda name, body: body, rename={DATABASE_MEMBER: "extra"}),
         "the archive holds 'extra', which its manifest does not list"),
        (rewrite(archive, tmp_path / "k.tar", manifest=lambda data: data["members"].update(
            {"files/../../etc/cron.d/x": {"sha256": "0" * 64, "size": 1}})),
         "the archive's manifest is not valid ('files/../../etc/cron.d/x' is not a storage key)"),
        (rewrite(archive, tmp_path / "y.tar", manifest=lambda data: data["members"].update(
            {"files/course-assets/1/gone": {"sha256": "0" * 64, "size": 1}})),
         "the archive lacks 1 member(s) that its manifest lists, such as 'files/course-assets/1/gone'"),
    ]
    for path, fragment in cases:
        assert_refused(run_lms(target, "restore", path), fragment)
    assert row_counts(target) == {} and not list(target.extensions["lms.storage"].keys())


def test_an_archive_of_the_other_kind_of_database_is_refused(backup, make_site, tmp_path):
    archive, _before, _made = backup
    other = {"sqlite": "postgresql", "postgresql": "sqlite"}[KIND]
    other_member = {"sqlite": "database/lms.sqlite3", "postgresql": "database/lms.pgdump"}[other]

    def relabel(data):
        data["database"]["kind"] = other

    swapped = rewrite(archive, tmp_path / "swapped.tar", manifest=relabel, checksums=True,
                      rename={DATABASE_MEMBER: other_member})
    target = make_site(KIND)
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    assert_refused(run_lms(target, "restore", swapped),
                   f"the backup holds a {names[other]} database, and LMS_DATABASE_URL names a {names[KIND]} one")
    assert row_counts(target) == {}


def test_refusals_of_backup_are_one_line_and_leave_no_file(app, db, make_site, tmp_path):
    out = tmp_path / "backups"
    out.mkdir()
    existing = out / "taken.tar"
    existing.write_bytes(b"an earlier backup")
    cases = [
        ((existing,), "taken.tar already exists: a backup never overwrites a file"),
        ((out / "no-such-folder" / "b.tar",), "no-such-folder is not a folder"),
        ((out / "b.zip",), "b.zip: name the archive FILE.tar, or FILE.tar.gz"),
    ]
    for args, fragment in cases:
        assert_refused(run_lms(app, "backup", *args), fragment)
    unmigrated = make_site(KIND)
    assert_refused(run_lms(unmigrated, "backup", out / "empty.tar"),
                   "does not exist: run `lms init` first" if KIND == "sqlite" else
                   "the database has no schema yet (no Alembic revision): run `lms init` first")
    assert sorted(p.name for p in out.iterdir()) == ["taken.tar"]  # nothing half-written is left
    assert existing.read_bytes() == b"an earlier backup"
