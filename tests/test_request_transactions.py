"""PostgreSQL: a request's reads run outside any transaction (no BEGIN, no COMMIT: two round trips fewer per
page), and its first statement that may write, lock rows or read through a server-side cursor opens the
transaction that the request's commit ends. What a request writes is still all or nothing, and nothing is
left open when it fails."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import event, select, text, update

from lms.auth.models import User

pytestmark = pytest.mark.db

_ENDS = re.compile(r'\tF\t\d+\tQuery\t "(BEGIN|COMMIT|ROLLBACK)"')


@pytest.fixture()
def postgres(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no round trips to save")
    return db


@pytest.fixture()
def sent(postgres, tmp_path):
    """What the pool's connections send to the server, from libpq's trace: a function giving the BEGINs,
    COMMITs and ROLLBACKs sent so far."""
    path = tmp_path / "libpq.trace"
    file = path.open("w")

    def trace(driver, _record):
        driver.pgconn.trace(file.fileno())

    event.listen(postgres.engine, "connect", trace)
    postgres.engine.dispose()  # new connections, traced from their start

    def ends() -> list[str]:
        file.flush()
        return _ENDS.findall(Path(path).read_text())

    yield ends
    event.remove(postgres.engine, "connect", trace)
    postgres.session.remove()
    postgres.engine.dispose()
    file.close()


def test_pages_that_only_read_send_no_begin_and_no_commit(client, auth, world, course, sent):
    auth.login(world["trainee"].email)
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    assert client.get("/courses/sample/lessons/intro").status_code == 200  # the first view writes: one transaction
    before = sent()
    assert before.count("BEGIN") >= 1 and before.count("BEGIN") == before.count("COMMIT") + before.count("ROLLBACK")
    for url in ("/courses/sample/lessons/intro", "/courses/", "/courses/sample", "/my", "/courses/sample/quizzes/check"):
        assert client.get(url).status_code == 200
    assert sent() == before


def _in_request(app, work):
    """Run `work(session)` inside a request, then end the request as Flask does; returns what work returned."""
    from lms.extensions import db

    with app.test_request_context("/"):
        try:
            return work(db.session)
        finally:
            app.do_teardown_request(None)
            db.session.remove()


def test_a_request_that_reads_then_fails_halfway_through_its_writes_keeps_none_of_them(app, world, postgres):
    trainee_id, admin_email = world["trainee"].id, world["admin"].email
    postgres.session.remove()

    def work(session):
        assert session.scalar(select(User.name).where(User.id == trainee_id)) == "Taras Trainee"
        session.execute(update(User).where(User.id == trainee_id).values(name="Written, then lost"))
        with pytest.raises(Exception, match="unique|duplicate"):
            session.execute(update(User).where(User.id == trainee_id).values(email=admin_email))
        return session.connection().connection.dbapi_connection

    driver = _in_request(app, work)
    # Back in the pool: nothing open, and transactions again for whoever takes it next (jobs, the CLI).
    assert driver.info.transaction_status == 0 and driver.autocommit is False
    assert postgres.session.scalar(select(User.name).where(User.id == trainee_id)) == "Taras Trainee"


def test_rows_locked_by_a_request_stay_locked_until_its_commit(app, world, postgres):
    trainee_id = world["trainee"].id
    postgres.session.remove()

    def work(session):
        session.execute(select(User.id).where(User.id == trainee_id).with_for_update()).one()
        driver = session.connection().connection.dbapi_connection
        return driver.info.transaction_status, driver.autocommit

    status, autocommit = _in_request(app, work)
    assert status != 0 and autocommit is False  # in a transaction: the lock lasts until its end


def test_a_server_side_cursor_reads_inside_a_transaction(app, world, postgres):
    postgres.session.remove()

    def work(session):
        return [row.email for row in session.execute(select(User).order_by(User.id).execution_options(yield_per=2))
                .scalars()]

    assert len(_in_request(app, work)) == len(world) - 2  # the two institutions are not accounts


def test_text_statements_run_in_a_transaction(app, world, postgres):
    trainee_id = world["trainee"].id
    postgres.session.remove()

    def work(session):
        session.execute(text("UPDATE users SET name = 'Textual, not committed' WHERE id = :id"), {"id": trainee_id})
        return session.connection().connection.dbapi_connection.info.transaction_status

    assert _in_request(app, work) != 0
    assert postgres.session.scalar(select(User.name).where(User.id == trainee_id)) == "Taras Trainee"


def test_a_savepoint_in_a_request_opens_the_transaction(app, world, postgres):
    trainee_id = world["trainee"].id
    postgres.session.remove()

    def work(session):
        with session.begin_nested():
            session.execute(update(User).where(User.id == trainee_id).values(name="Inside a savepoint"))
        session.commit()

    _in_request(app, work)
    assert postgres.session.scalar(select(User.name).where(User.id == trainee_id)) == "Inside a savepoint"
