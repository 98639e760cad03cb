"""The job queue (lms.jobs): jobs run after their transaction commits, fail, are retried with backoff on the
platform's clock, and a job that failed every try is on the admins' page, where retrying it works."""
from __future__ import annotations

import os
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.audit import services as audit
from lms.audit.models import AuditEvent
from lms.core import clock
from lms.extensions import db as _db
from lms.jobs import after_commit, enqueue, job
from lms.jobs.models import FailedJob
from lms.jobs.queue import huey, storage_for
from tests.helpers import redis_answers, redis_url

pytestmark = pytest.mark.db

# What the jobs below do, by test: whether the flaky one fails, and how often each ran.
STATE = {"fail": True, "runs": 0}


@job(retries=2, backoff=30)
def flaky_job(label: str) -> None:
    """Fails while STATE says so; otherwise writes an audit event named after its label."""
    STATE["runs"] += 1
    if STATE["fail"]:
        raise ConnectionRefusedError(f"the mail server refused ({label})")
    audit.record("test.job_done", label=label)
    _db.session.commit()


@job()
def quiet_job(label: str) -> None:
    audit.record("test.job_done", label=label)
    _db.session.commit()


@pytest.fixture(autouse=True)
def _reset():
    STATE.update(fail=True, runs=0)
    yield
    clock.freeze(None)


def done(label: str) -> int:
    _db.session.expire_all()
    return _db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "test.job_done", AuditEvent.details["label"].as_string() == label))


def test_a_job_queued_after_commit_runs_only_if_the_transaction_commits(db, run_jobs):
    after_commit(quiet_job, "rolled back")
    db.session.rollback()
    after_commit(quiet_job, "committed")
    assert huey.pending_count() == 0  # not before the commit
    db.session.commit()
    assert huey.pending_count() == 1
    assert run_jobs() == 1
    assert done("committed") == 1 and done("rolled back") == 0


def test_a_failing_job_is_retried_with_backoff_then_kept_with_its_error_and_retried_from_the_admin_page(
        app, db, world, client, auth, run_jobs):
    start = clock.now().replace(microsecond=0)
    clock.freeze(start)
    enqueue(flaky_job, "digest")
    assert run_jobs() == 1 and STATE["runs"] == 1
    assert run_jobs() == 0  # the retry waits its 30 seconds
    clock.freeze(start + timedelta(seconds=31))
    assert run_jobs() == 1 and STATE["runs"] == 2
    clock.freeze(start + timedelta(seconds=31 + 59))
    assert run_jobs() == 0  # the second retry waits twice as long
    clock.freeze(start + timedelta(seconds=31 + 61))
    assert run_jobs() == 1 and STATE["runs"] == 3
    clock.freeze(start + timedelta(days=1))
    assert run_jobs() == 0  # three tries, then no more
    failed = db.session.scalars(select(FailedJob)).one()
    assert (failed.task, failed.arguments, failed.attempts) == ("tests.jobs.test_queue.flaky_job", '["digest"]', 3)
    assert failed.error == "ConnectionRefusedError: the mail server refused (digest)"
    assert done("digest") == 0

    auth.login(world["admin"].email)
    page = client.get("/admin/jobs/").get_data(as_text=True)
    assert "tests.jobs.test_queue.flaky_job" in page and "ConnectionRefusedError: the mail server refused" in page
    assert "1 failed job" in page
    STATE["fail"] = False  # the mail server is back
    response = auth.post(f"/admin/jobs/{failed.id}/retry", {}, form_page="/admin/jobs/")
    assert response.status_code == 302
    assert "The job is queued again." in client.get("/admin/jobs/").get_data(as_text=True)
    assert run_jobs() == 1 and done("digest") == 1
    db.session.expire_all()
    failed = db.session.get(FailedJob, failed.id)
    assert failed.retried_at is not None and failed.retried_by_id == world["admin"].id
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "job_retried", AuditEvent.actor_id == world["admin"].id)) == 1
    page = client.get("/admin/jobs/").get_data(as_text=True)
    assert "Retried" in page and f"/admin/jobs/{failed.id}/retry" not in page
    assert "No job has failed." in client.get("/admin/jobs/?waiting=1").get_data(as_text=True)


def test_the_periodic_jobs_run_when_their_minute_comes(db, run_jobs):
    """The scheduler's jobs: closing expired attempts every minute, retention once a day at 02:17 UTC."""
    names = {type(task).__name__ for task in huey._registry.periodic_tasks}
    assert {"close_expired_attempts", "prune_daily"} <= names
    at = clock.now().replace(hour=2, minute=17, second=0, microsecond=0)
    due = {type(t).__name__ for t in huey.read_periodic(at.replace(tzinfo=None))}
    assert due == {"close_expired_attempts", "prune_daily"}
    due = {type(t).__name__ for t in huey.read_periodic((at + timedelta(minutes=1)).replace(tzinfo=None))}
    assert due == {"close_expired_attempts"}
    clock.freeze(at)
    assert run_jobs(periodic=True) == 2



@pytest.fixture()
def redis_queue():
    """The queue on a real Redis (production's store), under a name of this test's own."""
    url = redis_url()
    if not redis_answers(url):
        if os.environ.get("CI"):
            pytest.fail(f"Redis does not answer at {url} and CI=true")
        pytest.skip(f"Redis does not answer at {url}")
    memory = huey.storage
    huey.storage = storage_for(url, f"lms-test-{uuid.uuid4().hex[:8]}")
    yield huey.storage
    huey.storage.flush_all()
    huey.storage = memory


def test_on_redis_a_job_waits_in_redis_and_its_retry_in_the_schedule(db, run_jobs, redis_queue):
    start = clock.now().replace(microsecond=0)
    clock.freeze(start)
    after_commit(flaky_job, "on redis")
    db.session.commit()
    assert redis_queue.queue_size() == 1  # in Redis, for any worker of any server
    assert run_jobs() == 1 and redis_queue.schedule_size() == 1
    STATE["fail"] = False
    assert run_jobs() == 0
    clock.freeze(start + timedelta(seconds=31))
    assert run_jobs() == 1 and done("on redis") == 1
    assert redis_queue.queue_size() == 0 and redis_queue.schedule_size() == 0
