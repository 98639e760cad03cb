"""Test fixtures: one app per test session, a fresh database per worker, clean tables per test.

The database is SQLite by default. With `LMS_TEST_BACKEND=postgres` it is a fresh PostgreSQL
database on `LMS_TEST_POSTGRES_URL` (default: the local server), created for the session and
dropped after it; `make test` runs the tests marked `db` that way too.
"""
from __future__ import annotations

import contextvars
import logging
import os
import re
import shutil
import socket
import threading
import uuid
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from tests.helpers import (
    Auth, make_course, make_institution, make_user, postgres_admin_url, postgres_available,
)

BACKEND = os.environ.get("LMS_TEST_BACKEND", "sqlite")


def pytest_report_header(config):
    return f"database backend: {BACKEND}"


# --- no email address in the application log --------------------------------------------------------
# Every record of the "lms" loggers is captured for the whole session, as the application's handlers
# write it (register_logging puts the email-masking filter on every "lms" handler, this one included).
# Each process checks its own records: an xdist worker hands what it found to the controller, which
# fails the run; without xdist the process fails its own run.
EMAIL_SHAPED = re.compile(r"[\w.+%'-]+(?:@|%40)[\w-]+(?:\.[\w-]+)+", re.UNICODE)


class LmsLogRecorder(logging.Handler):
    """Keeps the email-shaped strings found in the "lms" log (at most 50)."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.leaks: list[str] = []
        self.records = 0

    def emit(self, record):
        self.records += 1
        try:
            text = self.format(record)
        except Exception:  # noqa: BLE001 - a broken record must not hide the others
            text = str(record.msg)
        for found in EMAIL_SHAPED.findall(text):
            if len(self.leaks) < 50:
                self.leaks.append(f"{record.name}: {found} (in {text[:120]!r})")


def pytest_configure(config):
    config._lms_log_recorder = LmsLogRecorder()
    config._lms_log_leaks = []
    logging.getLogger("lms").addHandler(config._lms_log_recorder)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """xdist controller: collect what each worker found."""
    node.config._lms_log_leaks.extend(getattr(node, "workeroutput", {}).get("lms_email_leaks", []))


def pytest_sessionfinish(session, exitstatus):
    config = session.config
    leaks = list(config._lms_log_recorder.leaks)
    if hasattr(config, "workeroutput"):  # an xdist worker: the controller reports
        config.workeroutput["lms_email_leaks"] = leaks
        return
    leaks += config._lms_log_leaks
    if leaks:
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        lines = [f"FAILED: {len(leaks)} email address(es) reached the application log:"] + [f"  {x}" for x in leaks]
        if reporter:
            reporter.write("\n")
        for line in lines:
            reporter.write_line(line, red=True) if reporter else print(line)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_sessionstart(session):
    """Compile the translation catalogues as `make` does, so a bare `pytest` tests what users get."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in (Path(__file__).resolve().parent.parent / "lms" / "translations").glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as f:
            catalogue = read_po(f)
        partial = mo.with_suffix(f".{os.getpid()}.tmp")
        with partial.open("wb") as f:
            write_mo(f, catalogue)
        os.replace(partial, mo)  # atomic: parallel workers never read half a file


@pytest.fixture(autouse=True)
def _clock_as_it_was():
    """Whatever a test does to the platform's clock, it is put back as it was before the test: a test that stopped it
    and did not start it again left it stopped for the next tests of its worker, and a live server there then dated
    everything at that moment (an offline lesson view was refused as made "before the enrolment")."""
    from lms.core import clock

    before = clock.frozen_at()
    yield
    clock.freeze(before)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A fresh, empty database for this test session (one per xdist worker)."""
    if BACKEND == "postgres":
        import psycopg

        admin_url = postgres_admin_url()
        if not postgres_available(admin_url):
            if os.environ.get("CI"):
                pytest.fail(f"PostgreSQL does not answer at {admin_url} and CI=true")
            pytest.skip(f"PostgreSQL does not answer at {admin_url}")
        worker = re.sub(r"\W", "", os.environ.get("PYTEST_XDIST_WORKER", "main"))
        name = f"lms_test_{worker}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        base = admin_url.rsplit("/", 1)[0]
        yield f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    """The application, built once per session, with the schema made by Alembic."""
    os.environ["LMS_DATABASE_URL"] = database_url
    # Every app this process builds (the bench's too) queues its jobs in memory, where a test runs them.
    os.environ["LMS_JOBS_URL"] = "memory"
    from flask_migrate import upgrade

    from lms import create_app

    instance = tmp_path_factory.mktemp("instance")
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        # argon2id still, at a cost fit for thousands of tests (production refuses it: config.ARGON2_FLOOR)
        "PASSWORD_HASH_MEMORY_KIB": 8, "PASSWORD_HASH_TIME_COST": 1,
        "INSTANCE_PATH": str(instance),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "COURSES_DIR": str(Path(__file__).resolve().parent.parent / "courses"),
        # The notice after sign-in is tested in tests/privacy; elsewhere sign-in goes straight on.
        "PRIVACY_NOTICE_AT_SIGN_IN": False,
        # Jobs wait in this process's memory until a test runs them (`run_jobs`, lms.jobs.run_pending).
        "JOBS_URL": "memory",
    })
    app.test_client_class = IsolatedClient
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        from lms.extensions import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture()
def db(app):
    """The database inside an app context; every table is emptied after the test."""
    from lms.extensions import db as _db

    with app.app_context():
        yield _db
        _db.session.remove()
        _truncate(_db)
        from lms.core.counters import counters

        counters().clear()  # sign-in counts do not leak from one test into the next
        from lms.jobs.queue import huey

        huey.storage.flush_all()  # nor do the jobs a test queued and did not run


def _truncate(db) -> None:
    """Empty every table the test filled, children first, and let their ids start at 1 again.

    On PostgreSQL, a TRUNCATE of every table costs about half a second (a new file for each table and index),
    which over a thousand tests was minutes of the suite; a test fills a few tables, so those are found with one
    statement and emptied with DELETE, and every sequence is set back."""
    from sqlalchemy import text

    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            probe = " UNION ALL ".join(f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM \"{t}\")" for t in tables)
            filled = {name for (name,) in conn.execute(text(probe))}
            for table in tables:
                if table in filled:
                    conn.execute(text(f'DELETE FROM "{table}"'))
            # Every sequence, not only the filled tables': an insert rolled back leaves its table empty and its
            # sequence moved on.
            sequences = _sequences(conn)
            if sequences:
                conn.execute(text("SELECT " + ", ".join(f"setval('\"{seq}\"', 1, false)" for seq in sequences)))
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))


_SEQUENCES: list[str] = []


def _sequences(conn) -> list[str]:
    """Every sequence that numbers a column of a table (serial or identity), read once."""
    from sqlalchemy import text

    if not _SEQUENCES:
        _SEQUENCES.extend(conn.execute(text(
            "SELECT s.relname FROM pg_depend d"
            " JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'"
            " JOIN pg_class t ON t.oid = d.refobjid AND t.relkind = 'r'"
            " WHERE d.deptype IN ('a', 'i')")).scalars())
    return _SEQUENCES


class IsolatedClient(FlaskClient):
    """A test client whose every request gets its own app context, `g` and database session,
    as in production, even though the test itself holds an app context for its own queries."""

    def open(self, *args, **kwargs):
        send = super().open
        return contextvars.Context().run(send, *args, **kwargs)


@pytest.fixture()
def client(app, db):
    """A browser without JavaScript: the Flask test client (CSRF on, as in production)."""
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture()
def auth(client):
    """Sign in and out as a user would, through the pages."""
    return Auth(client)


@pytest.fixture()
def world(db):
    """Two institutions in two countries with one account per role, and one more trainee each."""
    ua = make_institution("UA-ACAD", "Border Academy of Ukraine", "UA")
    ge = make_institution("GE-ACAD", "Border Police Academy of Georgia", "GE")
    return {
        "ua": ua,
        "ge": ge,
        "admin": make_user("admin@example.org", "Ada Admin", "admin"),
        "instructor": make_user("instructor@example.org", "Ivan Instructor", "instructor"),
        "coordinator": make_user("coord@example.org", "Kateryna Coordinator", "coordinator", ua),
        "trainee": make_user("trainee@example.org", "Taras Trainee", "trainee", ua),
        "other_coordinator": make_user("coord@example.ge", "Nino Coordinator", "coordinator", ge),
        "other_trainee": make_user("trainee@example.ge", "Giorgi Trainee", "trainee", ge),
    }


@pytest.fixture()
def course(db, tmp_path):
    """The small sample course (two lessons, a quiz of every question kind, a final), published."""
    from lms.catalog.queries import course_by_slug
    from lms.packages.importer import import_course
    from lms.packages.reader import read_package
    from tests.packages.sample import write_sample

    spec, problems = read_package(write_sample(tmp_path / "packages"))
    assert not problems
    import_course(spec, publish=True)
    return course_by_slug("sample")


@pytest.fixture(scope="session")
def _smtp_server_of_the_session():
    """One aiosmtpd server on a loopback port for the whole test session (per xdist worker)."""
    from tests.mailserver import SmtpServer

    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture()
def smtp_server(app, _smtp_server_of_the_session):
    """A real SMTP server in the test process that the app sends its mail to during the test (the LMS_MAIL_*
    settings point at it). `.messages` holds what it accepted (email.message.EmailMessage, read them with
    tests.mailserver.text_of / html_of); `.refuse(451)`, `.refuse(550)` and `.drop()` make the next
    deliveries fail. Without this fixture, mail goes to the development file backend (instance/mail/)."""
    server = _smtp_server_of_the_session
    server.clear()
    saved = {key: app.config.get(key) for key in server.settings}
    app.config.update(server.settings)
    yield server
    app.config.update(saved)
    server.clear()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture()
def live_server(app, db):
    """The test app served by a threaded WSGI server on 127.0.0.1; yields its base URL."""
    from werkzeug.serving import make_server

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(10)


@pytest.fixture(scope="session")
def chromium():
    """Headless Chromium (Debian's), never a downloaded one."""
    if not shutil.which("chromium") and not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed and CI=true (make test installs it with apt)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


__all__ = ["make_course"]


@pytest.fixture()
def run_jobs(app, db):
    """Run the queued jobs (and the retries whose time has come on lms.core.clock) as the worker would;
    `run_jobs(periodic=True)` also runs the periodic jobs due at this minute. Returns how many ran. The queue is
    emptied after the test."""
    from lms.jobs.queue import huey, run_pending

    db.session.commit()  # what the test wrote is what the worker reads
    yield run_pending
    huey.storage.flush_all()
