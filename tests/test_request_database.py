"""A request's database connection and transaction: on PostgreSQL a request that only read
sends no ROLLBACK, so the connection keeps its prepared statements, a connection that sat idle is checked
before use, and statements are planned without JIT compilation; on both databases anything a
request wrote without committing is rolled back. A connection that dies during a page gives the
"unavailable" page with an error reference, or, when it dies at the end of a page that only read,
the page itself."""
from __future__ import annotations

import logging
import re
import time

import pytest
from sqlalchemy import event, select, text, update

from lms.auth.models import User
from tests.helpers import postgres_admin_url

pytestmark = pytest.mark.db


@pytest.fixture()
def postgres(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("prepared statements kept across requests concern PostgreSQL (SQLite keeps its own)")
    return db


@pytest.fixture()
def endings(postgres):
    """Counts the COMMITs and ROLLBACKs of the connections while the test runs."""
    seen = {"commit": 0, "rollback": 0}

    def count(kind):
        def listener(_conn):
            seen[kind] += 1
        return listener

    listeners = [("commit", count("commit")), ("rollback", count("rollback"))]
    for name, listener in listeners:
        event.listen(postgres.engine, name, listener)
    yield seen
    for name, listener in listeners:
        event.remove(postgres.engine, name, listener)


def test_pages_keep_their_prepared_statements(client, auth, world, course, postgres):
    auth.login(world["trainee"].email)
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    postgres.session.remove()
    postgres.engine.dispose()  # one connection from here on: the requests run one after the other
    for _ in range(8):
        assert client.get("/courses/sample/lessons/intro").status_code == 200
    prepared = postgres.session.scalar(text("SELECT count(*) FROM pg_prepared_statements"))
    # psycopg prepares a statement on its fifth run; a ROLLBACK at the end of each page dropped them all.
    assert prepared >= 2  # at least the signed-in user's and the lesson page's own statement


def test_a_read_only_page_ends_with_commit(client, auth, world, course, endings):
    auth.login(world["trainee"].email)
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    client.get("/courses/sample/lessons/intro")  # the first visit writes (and commits) the progress
    before = dict(endings)
    assert client.get("/courses/sample/lessons/intro").status_code == 200
    assert client.get("/courses/").status_code == 200
    assert endings["commit"] - before["commit"] == 2 and endings["rollback"] == before["rollback"]


def _end_request(app, work):
    """Run `work` inside a request, then end the request as Flask does (teardown, then session removal)."""
    from lms.extensions import db

    with app.test_request_context("/"):
        work(db.session)
        app.do_teardown_request(None)
        db.session.remove()


def _change_in_memory(session, user_id):
    session.get(User, user_id).name = "Only in memory"


def _flush_without_commit(session, user_id):
    session.get(User, user_id).name = "Flushed but never committed"
    session.flush()


def _update_without_commit(session, user_id):
    session.execute(update(User).where(User.id == user_id).values(name="Written by a bare UPDATE"))


def _write_through_text(session, user_id):
    session.execute(text("UPDATE users SET name = 'Written by textual SQL' WHERE id = :id"), {"id": user_id})


@pytest.mark.parametrize("work", [_change_in_memory, _flush_without_commit, _update_without_commit,
                                  _write_through_text])
def test_what_a_request_left_uncommitted_is_lost(app, world, db, work):
    """Pending changes are not flushed, and flushed or directly written changes are rolled back."""
    trainee_id = world["trainee"].id
    db.session.remove()
    _end_request(app, lambda session: work(session, trainee_id))
    assert db.session.scalar(select(User.name).where(User.id == trainee_id)) == "Taras Trainee"


def test_a_connection_lost_while_idle_is_replaced_before_the_next_page(client, auth, world, course, postgres):
    """The database restarted (or a firewall cut the connection) while the pool's connection waited:
    the next page still answers, on a new connection."""
    auth.login(world["trainee"].email)
    postgres.session.remove()
    postgres.engine.dispose()
    assert client.get("/courses/sample").status_code == 200  # the pool now holds one connection
    pool = postgres.engine.pool
    record = pool._pool.queue[0]  # noqa: SLF001 - the one waiting connection
    backend = record.dbapi_connection.info.backend_pid
    import psycopg

    with psycopg.connect(postgres_admin_url(), autocommit=True) as other:  # outside the pool
        other.execute("SELECT pg_terminate_backend(%s)", (backend,))
    record.info["lms_idle_since"] -= 3600  # as if it had waited an hour
    assert client.get("/courses/sample").status_code == 200
    assert postgres.session.scalar(text("SELECT pg_backend_pid()")) != backend


def test_statements_are_planned_without_jit_compilation(client, auth, world, postgres):
    """PostgreSQL's JIT compiled the reports' statements for longer than it saved (lms.core.db.plan_without_jit)."""
    admin_email = world["admin"].email
    postgres.session.remove()
    postgres.engine.dispose()  # a connection opened from here on, as the app opens them
    assert postgres.session.scalar(text("SHOW jit")) == "off"
    auth.login(admin_email)
    assert client.get("/reports/").status_code == 200
    assert postgres.session.scalar(text("SHOW jit")) == "off"


def _terminate(backend: int) -> None:
    """End a PostgreSQL backend from outside the pool, as a restart would, and wait until it is gone."""
    import psycopg

    with psycopg.connect(postgres_admin_url(), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", (backend,))
        deadline = time.monotonic() + 10
        while other.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (backend,)).fetchone():
            assert time.monotonic() < deadline, "the backend did not end"
            time.sleep(0.05)


def test_a_connection_that_died_in_use_gives_the_unavailable_page(client, auth, world, course, postgres, caplog):
    """The pool's connection was working a moment ago (so it is not pinged) and dies before the next page:
    that page answers 503 with a reference the log also names, instead of an error inside the error page;
    the page after it works on a new connection."""
    auth.login(world["trainee"].email)
    postgres.session.remove()
    postgres.engine.dispose()
    assert client.get("/courses/sample").status_code == 200  # the pool now holds one connection
    _terminate(postgres.engine.pool._pool.queue[0].dbapi_connection.info.backend_pid)  # noqa: SLF001
    with caplog.at_level(logging.ERROR, logger="lms.errors"):
        page = client.get("/courses/sample")
    body = page.get_data(as_text=True)
    assert page.status_code == 503 and "Temporarily unavailable" in body and page.headers["Retry-After"]
    reference = re.search(r"Error reference: ([0-9a-f]{12})", body).group(1)
    assert f"error {reference} on GET /courses/sample: the database does not answer" in caplog.text
    assert "Traceback" not in body and "psycopg" not in body
    assert client.get("/courses/sample").status_code == 200


def test_a_read_only_page_whose_connection_dies_at_its_end_is_still_shown(client, auth, world, course, postgres,
                                                                         caplog):
    """The connection dies after the page's reads, where the request ends: a page that only read sent no
    BEGIN and has no COMMIT to send (lms.core.db.read_outside_transactions), so the person gets the page,
    and the dead connection is found and replaced by a later request."""
    auth.login(world["trainee"].email)
    assert client.get("/courses/").status_code == 200
    killed = []

    def kill_at_the_end(connection):
        if not killed:
            killed.append(connection.connection.dbapi_connection.info.backend_pid)
            _terminate(killed[0])

    event.listen(postgres.engine, "commit", kill_at_the_end)
    try:
        with caplog.at_level(logging.WARNING, logger="lms.db"):
            page = client.get("/courses/")
    finally:
        event.remove(postgres.engine, "commit", kill_at_the_end)
    assert killed, "the request did not reach its end"
    assert page.status_code == 200 and "Sample course" in page.get_data(as_text=True)
    assert "COMMIT failed" not in caplog.text
    # The next page may meet the dead connection (the "unavailable" page, as after any restart); then a new one.
    assert client.get("/courses/").status_code in (200, 503)
    assert client.get("/courses/").status_code == 200


def test_a_report_block_is_planned_with_parallel_workers_within_a_request_and_only_there(app, postgres):
    from sqlalchemy import func

    from lms.core.db import parallel_plans

    def costs():
        # Compiled SELECTs: in a request they run outside any transaction unless one is open.
        return (postgres.session.scalar(select(func.current_setting("parallel_setup_cost"))),
                postgres.session.scalar(select(func.current_setting("parallel_tuple_cost"))))

    with app.test_request_context("/reports/"):
        before = costs()
        assert before != ("0", "0")
        with parallel_plans(postgres.session):
            # The setting opened the transaction it lasts for, so the report's own SELECT runs in it with it.
            assert costs() == ("0", "0")
        assert costs() == before  # the page's later statements are planned as before
        postgres.session.rollback()
        assert costs() == before
