"""Production serving: gunicorn starts the app from wsgi.py and serves pages."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_gunicorn_serves_the_site(tmp_path):
    env = {**os.environ, "LMS_ENV": "production", "LMS_SECRET_KEY": "x" * 40, "LMS_INSTANCE_PATH": str(tmp_path),
           "LMS_DATABASE_URL": f"sqlite:///{tmp_path}/prod.sqlite3"}
    subprocess.run([str(BIN / "lms"), "init", "--no-courses"], env=env, cwd=ROOT, check=True, capture_output=True)
    port = free_port()
    # Started as the operator's guide starts it: the platform's settings (gthread workers) from lms.gunicorn_conf.
    server = subprocess.Popen([str(BIN / "gunicorn"), "-c", "python:lms.gunicorn_conf", "--bind", f"127.0.0.1:{port}",
                               "--workers", "1", "wsgi:app"],
                              env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120  # a loaded CI machine starts Python slowly: a wait, not a timing
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
                    assert response.status == 200
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise AssertionError("gunicorn did not start: " + (server.stdout.read().decode() if server.poll() is not None else ""))
                time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=30) as response:
            body = response.read().decode()
            assert response.status == 200 and "Sign in" in body
            assert "max-age" in response.headers["Strict-Transport-Security"]
    finally:
        server.terminate()
        server.wait(timeout=60)  # gthread workers finish their threads first; a loaded machine is slow to exit


def test_a_serving_process_settles_its_heap_once_built():
    """`wsgi.py` builds the application, then freezes what start-up left (lms.core.startup): a full collection of the
    cycle collector then walks only what requests made since, not the quarter of a million objects the process
    holds for its life."""
    import gc

    from lms.core.startup import settle

    source = (Path(__file__).resolve().parent.parent / "wsgi.py").read_text(encoding="utf-8")
    assert "settle()" in source.split("create_app()", 1)[1]
    try:
        settle()
        assert gc.get_freeze_count() > 1000
        assert all(count < 1000 for count in gc.get_count())
    finally:
        gc.unfreeze()
