"""Sign-in throttling per account and per address, in memory and shared through Redis."""
from __future__ import annotations

import logging
import os
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.core import clock
from lms.core.counters import Counters
from lms.core.when import format_time
from tests.helpers import PASSWORD, csrf_token, redis_answers, redis_url

pytestmark = pytest.mark.db


def attempt(client, email, password="wrong-password", address="10.0.0.1", headers=None):
    page = client.get("/login", environ_base={"REMOTE_ADDR": address})
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": csrf_token(page.get_data(as_text=True))},
                       environ_base={"REMOTE_ADDR": address}, headers=headers)


def test_an_account_is_throttled_after_five_failures(client, world):
    email = world["trainee"].email
    for _ in range(5):
        assert attempt(client, email).status_code == 200
    blocked = attempt(client, email)
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins for this account" in blocked.get_data(as_text=True)
    # Even the right password waits: the counts are per account, from any address.
    assert attempt(client, email, PASSWORD, address="10.0.0.2").status_code == 429
    # Other accounts are not affected.
    assert attempt(client, world["admin"].email, PASSWORD).status_code == 302


def failed_checks(db) -> int:
    """How many passwords were checked and found wrong (each leaves an audit event)."""
    return db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "auth.login_failed"))


@pytest.fixture()
def frozen():
    moment = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    clock.freeze(moment)
    yield moment
    clock.freeze(None)


def test_the_account_delay_doubles_and_the_right_password_after_it_signs_in(app, client, world, db, frozen):
    email = world["trainee"].email
    for _ in range(5):
        assert attempt(client, email).status_code == 200
    assert failed_checks(db) == 5
    # Past the limit: one minute, from any address, and the page says until when.
    blocked = attempt(client, email, address="10.0.0.9")
    assert blocked.status_code == 429 and blocked.headers["Retry-After"] == "60"
    with app.test_request_context():
        until = format_time(frozen + timedelta(seconds=60))
    assert until in blocked.get_data(as_text=True)
    # When the delay is over one attempt is checked; its failure doubles the delay: 2, then 4 minutes ...
    waited = timedelta(0)
    for expected in (120, 240, 480, 900, 900):
        waited += timedelta(seconds=int(blocked.headers["Retry-After"]))
        clock.freeze(frozen + waited - timedelta(seconds=1))
        assert attempt(client, email).status_code == 429  # a second early
        clock.freeze(frozen + waited)
        assert attempt(client, email).status_code == 200  # checked, and wrong
        blocked = attempt(client, email)
        assert blocked.status_code == 429 and blocked.headers["Retry-After"] == str(expected)
    assert failed_checks(db) == 10  # nothing else was checked
    # ... up to 15 minutes; the right password after the delay signs in and the account starts afresh.
    clock.freeze(frozen + waited + timedelta(seconds=900))
    assert attempt(client, email, PASSWORD).status_code == 302
    assert attempt(app.test_client(), email).status_code == 200


def test_a_right_password_during_the_delay_waits_too(client, world, frozen):
    email = world["trainee"].email
    for _ in range(5):
        attempt(client, email)
    assert attempt(client, email, PASSWORD).status_code == 429
    clock.freeze(frozen + timedelta(seconds=60))
    assert attempt(client, email, PASSWORD).status_code == 302


def test_redis_down_falls_back_to_memory_logged_never_500(app, client, world, db, monkeypatch, caplog):
    """Nothing listens on port 1: the counts live in the worker's memory, the limits still hold, a warning
    says so once."""
    monkeypatch.setitem(app.extensions, "lms.counters", Counters("redis://127.0.0.1:1/0"))
    email = world["trainee"].email
    with caplog.at_level(logging.WARNING, logger="lms.counters"):
        for _ in range(5):
            assert attempt(client, email).status_code == 200
        blocked = attempt(client, email)
        assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) == 60
        assert attempt(client, world["admin"].email, PASSWORD).status_code == 302
    assert failed_checks(db) == 5
    warnings = [r for r in caplog.records if r.name == "lms.counters" and "Redis does not answer" in r.message]
    assert len(warnings) == 1


def test_successful_sign_ins_do_not_count(client, world):
    for _ in range(8):
        assert attempt(client, world["trainee"].email, PASSWORD, address="127.0.0.1").status_code == 302
        client.post("/logout", data={"csrf_token": csrf_token(client.get("/profile").get_data(as_text=True))})


def test_an_address_is_throttled_across_accounts(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ADDRESS", "3 per 10 minutes")
    for n in range(3):
        assert attempt(client, f"nobody{n}@example.org", address="10.9.9.9").status_code == 200
    blocked = attempt(client, "someone-else@example.org", address="10.9.9.9")
    assert blocked.status_code == 429 and "from your network" in blocked.get_data(as_text=True)
    assert attempt(client, "someone-else@example.org", address="10.9.9.8").status_code == 200


def test_a_spoofed_forwarded_for_is_ignored_without_trusted_proxies(app, client, world, db, monkeypatch):
    """LMS_TRUSTED_PROXIES=0 (the default): a client naming a new address in each request is still one address."""
    assert app.config["TRUSTED_PROXIES"] == 0
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ADDRESS", "3 per 10 minutes")
    for n in range(3):
        assert attempt(client, f"nobody{n}@example.org", address="10.9.9.9",
                       headers={"X-Forwarded-For": f"192.0.2.{n}"}).status_code == 200
    blocked = attempt(client, world["admin"].email, PASSWORD, address="10.9.9.9",
                      headers={"X-Forwarded-For": "192.0.2.200"})
    assert blocked.status_code == 429
    addresses = set(db.session.scalars(select(AuditEvent.details["ip"].as_string())
                                       .where(AuditEvent.action == "auth.login_failed")))
    assert addresses == {"10.9.9.9"}  # the audit log too records the connection's address


def test_a_stolen_session_cookie_claiming_the_owners_address_is_signed_out(client, world):
    """Session protection compares the connection's address, not an X-Forwarded-For the client wrote."""
    assert attempt(client, world["admin"].email, PASSWORD, address="10.0.0.5").status_code == 302
    assert client.get("/admin/audit/", environ_base={"REMOTE_ADDR": "10.0.0.5"}).status_code == 200
    stolen = client.get("/admin/audit/", environ_base={"REMOTE_ADDR": "10.6.6.6"},
                        headers={"X-Forwarded-For": "10.0.0.5"})
    assert stolen.status_code == 302 and "/login" in stolen.headers["Location"]



WORKER = """
import sys
from lms import create_app
app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
client = app.test_client()
codes = [client.post("/login", data={"email": sys.argv[1], "password": "wrong"}).status_code
         for _ in range(int(sys.argv[2]))]
print(" ".join(map(str, codes)))
"""


@pytest.mark.slow
def test_two_workers_share_counts_through_redis(app, database_url, tmp_path):
    """Two processes (two gunicorn workers, or two servers) with Redis storage see one count."""
    import subprocess
    import sys

    url = redis_url()
    if not redis_answers(url):
        if os.environ.get("CI"):
            pytest.fail(f"Redis does not answer at {url} and CI=true")
        pytest.skip(f"Redis does not answer at {url}")
    email = f"shared-{uuid.uuid4().hex[:8]}@example.org"
    env = {**os.environ, "LMS_RATELIMIT_STORAGE_URI": url, "LMS_DATABASE_URL": database_url,
           "LMS_INSTANCE_PATH": str(tmp_path), "LMS_SECRET_KEY": "s" * 32, "LMS_LOG_LEVEL": "WARNING"}

    def worker(count: int) -> list[str]:
        result = subprocess.run([sys.executable, "-c", WORKER, email, str(count)], env=env, capture_output=True,
                                text=True, timeout=120, check=True)
        return result.stdout.split()

    assert worker(3) == ["200", "200", "200"]
    assert worker(3) == ["200", "200", "429"]  # the second process knows the first one's failures
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(f"*{email}*"):
        client.delete(key)
