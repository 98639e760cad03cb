"""Redis killed under a running site that keeps its sign-in counts there (LMS_RATELIMIT_STORAGE_URI): signing in
never fails (each worker counts in its memory meanwhile and says so once in the log), /readyz answers 503
naming Redis while /healthz stays 200, and once Redis is back both answer 200 again.

The Redis is the test's own, on a free port (tests/faults/servers.py); the shared one is not touched.
"""
from __future__ import annotations

import pytest
import requests

from tests.faults.servers import Gunicorn, Redis, set_up_site, sign_in_answer, signed_in, site_env

pytestmark = pytest.mark.faults


@pytest.fixture()
def redis_server():
    server = Redis()
    server.start()
    yield server
    server.kill()


def readiness(base: str) -> tuple[int, dict]:
    answer = requests.get(base + "/readyz", timeout=10)
    return answer.status_code, answer.json()


def test_signing_in_goes_on_while_redis_is_down(redis_server, tmp_path):
    env = site_env(tmp_path, f"sqlite:///{tmp_path}/site.sqlite3", LMS_RATELIMIT_STORAGE_URI=redis_server.url,
                   LMS_RATELIMIT_KEY_PREFIX="faults")
    set_up_site(env)
    server = Gunicorn(env, tmp_path, workers=2, threads=2)
    try:
        assert readiness(server.base) == (200, {"database": "ok", "redis": "ok", "status": "ok"})
        signed_in(server.base)
        redis_server.kill()
        for _ in range(6):  # enough to meet both workers
            assert signed_in(server.base).get(server.base + "/profile", timeout=10).status_code == 200
        assert readiness(server.base) == (503, {"database": "ok", "redis": "unreachable", "status": "error"})
        assert requests.get(server.base + "/healthz", timeout=10).status_code == 200
        # wrong passwords are still counted, in each worker's memory: the form again, then a refusal
        wrong = {sign_in_answer(server.base, password="wrong-password").status_code for _ in range(12)}
        assert wrong == {200, 429}
        log = server.log.read_text()
        assert "Internal Server Error" not in log and "Traceback" not in log, log[-3000:]
        warnings = log.count("Redis does not answer")
        assert 1 <= warnings <= 2, log[-3000:]  # once per worker that needed it
        redis_server.start()
        assert readiness(server.base) == (200, {"database": "ok", "redis": "ok", "status": "ok"})
    finally:
        server.stop()
