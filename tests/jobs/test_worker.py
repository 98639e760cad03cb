"""`lms worker`, as `make run` and the operator's systemd unit start it: a separate process that takes jobs from
the queue's SQLite store and runs them against the platform's database."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from lms.core import clock
from lms.jobs.queue import huey, storage_for
from lms.quizzes.jobs import close_expired_attempts
from lms.quizzes.models import QuizAttempt
from tests.conftest import BACKEND
from tests.helpers import start_attempt

LMS = str(Path(sys.executable).parent / "lms")
ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.mark.slow
@pytest.mark.skipif(BACKEND != "sqlite", reason="one database is enough to show the worker process runs jobs")
def test_the_worker_process_runs_a_queued_job(app, db, client, auth, world, course, tmp_path):
    auth.login(world["trainee"].email)
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    attempt_id = start_attempt(auth, "sample", "check")
    db.session.execute(update(QuizAttempt).where(QuizAttempt.id == attempt_id)
                       .values(deadline_at=clock.now() - timedelta(hours=1)))
    db.session.commit()

    queue = f"sqlite:///{tmp_path / 'jobs.sqlite3'}"
    memory = huey.storage
    huey.storage = storage_for(queue, "lms")
    try:
        close_expired_attempts()  # queued in the SQLite store, as a web server of `make run` queues
    finally:
        huey.storage = memory
    env = {**os.environ, "LMS_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "LMS_JOBS_URL": queue,
           "LMS_INSTANCE_PATH": str(tmp_path), "LMS_SECRET_KEY": "test-secret"}
    worker = subprocess.Popen([LMS, "worker", "--workers", "1", "--no-scheduler"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        status = "in_progress"
        while time.monotonic() < deadline and status == "in_progress":
            time.sleep(0.3)
            db.session.expire_all()
            status = db.session.get(QuizAttempt, attempt_id).status
    finally:
        worker.send_signal(signal.SIGINT)
        output = worker.communicate(timeout=30)[0]
    assert status == "expired", output
    assert "worker: 1 thread(s), scheduler off, queue SqliteStorage" in output


@pytest.mark.parametrize("command", [["worker"], ["jobs", "run-pending"]])
def test_the_worker_refuses_to_start_in_production_without_the_public_url(app, db, monkeypatch, command):
    """A job has no request to take the site's address from: without LMS_PUBLIC_URL every link in the mails it
    writes would point at http://localhost, so production refuses to run jobs at all (one line, exit 1)."""
    from lms.jobs import cli as jobs_cli

    monkeypatch.setitem(app.config, "ENV", "production")
    monkeypatch.setitem(app.config, "PUBLIC_URL", "")
    started = []
    monkeypatch.setattr(jobs_cli, "run_pending", lambda **_kw: started.append(1) or 0)
    result = app.test_cli_runner().invoke(args=command)
    assert result.exit_code == 1
    assert "Error: LMS_PUBLIC_URL is not set: the links in mails written by jobs" in result.output
    assert "would point at http://localhost" in result.output and started == []


def test_elsewhere_the_worker_warns_without_the_public_url_and_is_quiet_with_it(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["jobs", "run-pending"])
    assert result.exit_code == 0 and "ran 0 job(s)" in result.output
    assert "warning: LMS_PUBLIC_URL is not set" in result.stderr
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://learn.example.org")
    monkeypatch.setitem(app.config, "ENV", "production")
    result = runner.invoke(args=["jobs", "run-pending"])
    assert result.exit_code == 0 and "LMS_PUBLIC_URL" not in result.stderr
