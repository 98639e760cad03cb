"""The sign-in throttle under parallel requests, against gunicorn with two workers sharing Redis.

Many sign-ins released at the same instant (a barrier over 50 threads) must not get more passwords
checked than the limits allow: the slot is taken atomically before the check, in Redis, so this holds
across workers. Each checked wrong password leaves an `auth.login_failed` audit event, which is how the
checks are counted. Clients are told apart by their loopback source address (127.0.0.2, 127.0.0.3).
Without Redis at 127.0.0.1:6379 the tests skip, except with CI set, where that is a failure.
"""
from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
import requests

from tests.faults.servers import Gunicorn
from tests.helpers import PASSWORD
from tests.test_proxy import FromAddress

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent
ADMIN = "admin@example.org"
REDIS_URL = os.environ.get("LMS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_or_skip() -> None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001
        if os.environ.get("CI"):
            pytest.fail(f"Redis does not answer at {REDIS_URL} and CI=true ({exc})")
        pytest.skip(f"Redis does not answer at {REDIS_URL}")


@pytest.fixture()
def site(request, tmp_path):
    """gunicorn, 2 workers with threads, counting in Redis under a prefix of its own; yields (url, database, log).
    The per-address limit is the test's `address_limit` mark ("3 per 10 minutes"), else 100 per 10 minutes."""
    redis_or_skip()
    import redis

    mark = request.node.get_closest_marker("address_limit")
    prefix = f"lms-test-{uuid.uuid4().hex[:8]}"
    database = tmp_path / "site.sqlite3"
    env = {**os.environ, "LMS_ENV": "production", "LMS_SECRET_KEY": "x" * 40, "LMS_INSTANCE_PATH": str(tmp_path),
           "LMS_DATABASE_URL": f"sqlite:///{database}", "LMS_SECURE_COOKIES": "0",
           "LMS_PRIVACY_NOTICE_AT_SIGN_IN": "0", "LMS_LOG_LEVEL": "WARNING",
           "LMS_RATELIMIT_STORAGE_URI": REDIS_URL, "LMS_RATELIMIT_KEY_PREFIX": prefix,
           "LMS_LOGIN_LIMIT_PER_ADDRESS": mark.args[0] if mark else "100 per 10 minutes", "LMS_LOGIN_LIMIT_PER_ACCOUNT": "5 per 10 minutes"}
    subprocess.run([str(BIN / "lms"), "init", "--no-courses"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run([str(BIN / "lms"), "users", "create", "--email", ADMIN, "--name", "Site Admin", "--role", "admin",
                    "--password", PASSWORD], env=env, cwd=ROOT, check=True, capture_output=True)
    server = Gunicorn(env, tmp_path, workers=2, threads=8)
    try:
        yield server.base, database, server.log
    finally:
        server.stop()
        shared = redis.Redis.from_url(REDIS_URL)
        for key in shared.scan_iter(prefix + ":*"):
            shared.delete(key)


def failed_checks(database: Path) -> int:
    with sqlite3.connect(database) as conn:
        return conn.execute("SELECT count(*) FROM audit_events WHERE action = 'auth.login_failed'").fetchone()[0]


def together(base: str, address: str, attempts: list[tuple[str, str]]) -> list[requests.Response]:
    """Each (email, password) from its own browser at `address`: the forms are fetched first, then every
    sign-in is sent at the same instant."""
    barrier = threading.Barrier(len(attempts))
    answers: list[requests.Response | BaseException] = [None] * len(attempts)

    def one(n: int, email: str, password: str) -> None:
        try:
            browser = requests.Session()
            browser.mount("http://", FromAddress(address))
            page = browser.get(base + "/login", timeout=30).text
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
            barrier.wait(timeout=60)
            answers[n] = browser.post(base + "/login", data={"email": email, "password": password,
                                                             "csrf_token": token},
                                      allow_redirects=False, timeout=60)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            answers[n] = exc

    threads = [threading.Thread(target=one, args=(n, *pair)) for n, pair in enumerate(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    problems = [a for a in answers if not isinstance(a, requests.Response)]
    assert not problems, problems
    return answers


@pytest.mark.slow
def test_fifty_parallel_wrong_passwords_check_at_most_five(site):
    base, database, log = site
    answers = together(base, "127.0.0.2", [(ADMIN, "wrong-password")] * 50)
    codes = [a.status_code for a in answers]
    assert 500 not in codes, log.read_text()
    assert codes.count(200) == failed_checks(database) == 5  # the account's limit, and no more
    refused = [a for a in answers if a.status_code == 429]
    assert len(refused) == 45
    for answer in refused:
        assert int(answer.headers["Retry-After"]) > 0
        assert "Too many failed sign-ins" in answer.text


@pytest.mark.slow
@pytest.mark.address_limit("3 per 10 minutes")
def test_parallel_failures_from_one_address_leave_another_address_alone(site):
    base, database, log = site
    answers = together(base, "127.0.0.2", [(f"nobody{n}@example.org", "wrong-password") for n in range(20)])
    codes = [a.status_code for a in answers]
    assert 500 not in codes, log.read_text()
    assert codes.count(200) == failed_checks(database) == 3  # the address's limit, and no more
    for answer in answers:
        if answer.status_code == 429:
            assert int(answer.headers["Retry-After"]) > 0 and "from your network" in answer.text
    # Another address is not affected: the right password signs in at once.
    other = together(base, "127.0.0.3", [(ADMIN, PASSWORD)])
    assert other[0].status_code == 302
