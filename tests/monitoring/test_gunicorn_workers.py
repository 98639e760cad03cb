"""gunicorn with two workers, as documented (`-c python:lms.gunicorn_conf`, PROMETHEUS_MULTIPROC_DIR,
LMS_LOG_FORMAT=json): /metrics adds up both workers, a dead worker's gauges go while its counts stay,
values left by an earlier run are gone, and every line gunicorn and the platform write is one JSON object."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.test_gunicorn import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HEALTHZ = ("lms_http_requests_total", (("endpoint", "main.healthz"), ("method", "GET"), ("status_class", "2xx")))


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


def samples(base: str) -> dict:
    status, text = get(f"{base}/metrics")
    assert status == 200
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def worker_pids(folder: Path) -> set[int]:
    """The processes whose live gauges are in the folder (prometheus_client's gauge_livesum_<pid>.db files)."""
    return {int(p.stem.rsplit("_", 1)[1]) for p in folder.glob("gauge_livesum_*.db")}


def wait_for(check, what: str, server, seconds: float = 90):  # a wait on a loaded machine, not a timing
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline or server.poll() is not None:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.1)


@pytest.mark.slow
def test_two_workers_one_exposition_and_json_lines(tmp_path):
    folder = tmp_path / "prometheus"
    env = {**os.environ, "LMS_ENV": "production", "LMS_SECRET_KEY": "x" * 40, "LMS_INSTANCE_PATH": str(tmp_path),
           "LMS_DATABASE_URL": f"sqlite:///{tmp_path}/prod.sqlite3", "LMS_LOG_FORMAT": "json"}
    # No `lms init`: /healthz and /metrics read no table (the database file is made on the first connection).
    # An earlier run left a count behind (written as a worker writes it); starting gunicorn must forget it.
    subprocess.run([sys.executable, "-c", "from lms.core.metrics import REQUESTS; "
                    "REQUESTS.labels('main.healthz', 'GET', '2xx').inc(1000)"],
                   env={**env, "PROMETHEUS_MULTIPROC_DIR": str(folder)}, cwd=ROOT, check=True)
    assert list(folder.glob("counter_*.db"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp_path / "gunicorn.log").open("w+")
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "python:lms.gunicorn_conf", "--workers", "2", "--no-control-socket",
         "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        env={**env, "PROMETHEUS_MULTIPROC_DIR": str(folder)}, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    answered = 0
    try:
        def healthy():
            nonlocal answered
            try:
                ok = get(f"{base}/healthz")[0] == 200
            except OSError:
                return False
            answered += ok
            return ok

        wait_for(healthy, "gunicorn to answer", server)
        first = wait_for(lambda: len(worker_pids(folder)) == 2 and worker_pids(folder), "both workers", server)
        with ThreadPoolExecutor(4) as pool:
            codes = list(pool.map(lambda _: get(f"{base}/healthz")[0], range(40)))
        assert codes == [200] * 40
        answered += 40

        before = samples(base)
        assert before[HEALTHZ] == answered  # both workers' counts, and nothing of the earlier run
        assert before[("lms_db_pool_size", ())] == 10  # two workers' pools of 5: a sum over processes
        assert before[("lms_db_pool_checked_out", ())] == 0

        # A worker dies (as in a crash or a timeout): gunicorn starts another, its gauges replace the dead one's.
        dead = sorted(first)[0]
        os.kill(dead, signal.SIGKILL)
        wait_for(lambda: dead not in worker_pids(folder) and len(worker_pids(folder)) == 2, "a new worker", server)
        after = samples(base)
        assert after[("lms_db_pool_size", ())] == 10  # not 15: the dead worker's gauges were forgotten
        assert after[HEALTHZ] == answered  # its requests still count
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=15)
    log.seek(0)
    written = [line for line in log.read().splitlines() if line.strip()]
    entries = [json.loads(line) for line in written]  # fails on any line that is not one JSON object
    assert all({"time", "level", "logger", "message"} <= set(e) for e in entries)
    messages = [e["message"] for e in entries]
    assert any(m.startswith("Booting worker") for m in messages)  # the master's own lines
    assert any(f"pid:{dead}" in m and "SIGKILL" in m for m in messages), messages
