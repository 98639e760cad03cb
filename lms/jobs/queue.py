"""The job queue: work that does not belong in a request, on Huey (see pyproject.toml for why Huey).

One queue for the platform (`huey`, made when this module is imported so that features can declare
their jobs with `@job` and `@periodic` at import time); `init_jobs` gives it its storage from
LMS_JOBS_URL when the application is built:

- `sqlite:///path` (the default: `instance/jobs.sqlite3`, shared by `lms run` and `lms worker` on one
  machine, no server needed);
- `redis://host:port/db` in production (several app servers and workers);
- `memory`: the tests' queue, in the process; nothing runs by itself there, `run_pending` runs it.

A job runs inside an application context with its own database session. It is retried on failure
after `backoff`, then twice that, four times... seconds; after its last retry the failure is kept as a
`FailedJob` row for the admins' page (lms.jobs.services), with its error, and can be retried from there.
Huey's own times (retry etas, the periodic schedule) follow lms.core.clock, so tests move them with it.
"""
from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import UTC
from pathlib import Path

from flask import Flask, current_app, has_app_context
from huey import Huey, crontab
from huey import signals as huey_signals
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from sqlalchemy import event
from sqlalchemy.orm import Session

from lms.core import clock
from lms.extensions import db

log = logging.getLogger(__name__)

__all__ = ["huey", "job", "periodic", "crontab", "enqueue", "after_commit", "run_pending", "init_jobs"]

# Jobs waiting for their session's commit (Session.info key).
_AFTER_COMMIT = "lms.jobs.after_commit"
# The arguments of a failed job kept for the admins' page are cut to this many characters, the error too.
ERROR_CHARS = 4000


class PlatformHuey(Huey):
    """Huey on the platform's clock (retry etas and the periodic schedule read lms.core.clock), whose store is
    opened when it is first used: building an application (for a command that queues nothing, say) opens no
    file and no connection."""

    _storage = None
    _open_storage: Callable | None = None

    @property
    def storage(self):
        if self._storage is None and self._open_storage is not None:
            self._storage = self._open_storage()
        return self._storage

    @storage.setter
    def storage(self, value) -> None:
        self._storage = value

    def _get_timestamp(self):
        return clock.now().astimezone(UTC).replace(tzinfo=None)  # Huey's times are naive UTC


huey = PlatformHuey("lms", storage_class=MemoryStorage, results=False, utc=True)
_state: dict = {"app": None, "on_failure": None}


def storage_for(url: str, name: str):
    """The Huey storage a LMS_JOBS_URL names (see the module's docstring)."""
    if url == "memory":
        return MemoryStorage(name)
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        path.parent.mkdir(parents=True, exist_ok=True)  # the instance folder, made as the database's is
        return SqliteStorage(name, filename=str(path))
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisStorage(name, url=url)
    raise ValueError(f"LMS_JOBS_URL: {url!r} is not memory, sqlite:///path or redis://host:port/db")


def init_jobs(app: Flask, on_failure: Callable[[str, str, int, str], None]) -> None:
    """Give the queue the storage of this application's settings; `on_failure(task, args, attempts, error)` keeps
    a job that failed its last retry (called inside an app context)."""
    url, name = app.config["JOBS_URL"], app.config["JOBS_NAME"]
    huey.storage = None
    huey._open_storage = lambda: storage_for(url, name)
    _state["app"] = app
    _state["on_failure"] = on_failure


def _app() -> Flask:
    if has_app_context():
        return current_app._get_current_object()
    if _state["app"] is None:
        raise RuntimeError("the job queue has no application: call create_app() first")
    return _state["app"]


def _in_app_context(func: Callable) -> Callable:
    @functools.wraps(func)
    def run(*args, **kwargs):
        # A context of its own, as a request has: its own database session, rolled back if the job fails.
        with _app().app_context():
            try:
                return func(*args, **kwargs)
            except BaseException:
                db.session.rollback()
                raise
            finally:
                db.session.remove()
    return run


def job(retries: int = 3, backoff: int = 30, name: str | None = None):
    """Make `func` a job: `enqueue(func, ...)` or `after_commit(func, ...)` queue it; it runs in an app context,
    retried `retries` times after `backoff`, 2x, 4x... seconds. Its arguments must be JSON-like (ids, strings)."""
    def decorator(func: Callable):
        return huey.task(retries=retries, retry_delay=backoff, retry_backoff=2, name=name)(_in_app_context(func))
    return decorator


def periodic(schedule, retries: int = 0, name: str | None = None):
    """Make `func` a periodic job run by the scheduler when `schedule` (a `crontab(...)`) matches the minute."""
    def decorator(func: Callable):
        return huey.periodic_task(schedule, retries=retries, name=name)(_in_app_context(func))
    return decorator


def enqueue(task, *args):
    """Queue `task(*args)` now."""
    return task(*args)


def after_commit(task, *args) -> None:
    """Queue `task(*args)` when the current database transaction commits (nothing if it rolls back), so that the
    worker reads what the transaction wrote."""
    session = db.session()
    if not session.in_transaction():
        session.begin()  # so that a rollback before anything is written forgets the job too
    session.info.setdefault(_AFTER_COMMIT, []).append((task, args))


@event.listens_for(Session, "after_commit")
def _queue_committed(session) -> None:
    waiting = session.info.pop(_AFTER_COMMIT, None)
    for task, args in waiting or ():
        try:
            task(*args)
        except Exception:  # noqa: BLE001 - the transaction is committed; the periodic sweeps catch up
            log.exception("could not queue %s", getattr(task, "name", task))


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session, previous_transaction) -> None:
    if not session.in_transaction():
        session.info.pop(_AFTER_COMMIT, None)


@huey.signal(huey_signals.SIGNAL_ERROR)
def _keep_final_failure(signal, task, exc=None) -> None:
    if task.retries:  # more tries to come
        return
    on_failure = _state["on_failure"]
    if on_failure is None:
        return
    attempts = _attempts(task)
    try:
        with _app().app_context():
            on_failure(task_name(task), task.args, attempts, f"{type(exc).__name__}: {exc}"[:ERROR_CHARS])
    except Exception:  # noqa: BLE001 - the log still has it
        log.exception("could not keep the failure of %s (%s attempts)", task_name(task), attempts)


def task_name(task) -> str:
    """The name a job is registered under (its module and function), kept with a failure to queue it again."""
    return huey._registry.task_to_string(type(task))


def task_by_name(name: str):
    """A new task of the job registered as `name` (`task_name`), or None if this version has no such job."""
    task_class = huey._registry._registry.get(name)
    return None if task_class is None else task_class


def _attempts(task) -> int:
    """How many times the job ran: 1 + the retries it was declared with (Huey counts them down)."""
    return 1 + (getattr(type(task), "default_retries", 0) or 0)


def run_pending(now=None, periodic: bool = False, limit: int = 10_000) -> int:
    """Run what is due, as the worker and the scheduler would, in this process: the queued jobs, the retries
    whose time has come and, with `periodic`, the periodic jobs due at this minute; then whatever those queued,
    until nothing is due. For tests and `lms jobs run-pending` (cron without a worker). Returns the jobs run."""
    timestamp = (now or clock.now()).astimezone(UTC).replace(tzinfo=None)
    if periodic:
        for task in huey.read_periodic(timestamp):
            huey.enqueue(task)
    ran = 0
    while ran < limit:
        for task in huey.read_schedule(timestamp):
            huey.enqueue(task)
        task = huey.dequeue()
        if task is None:
            break
        huey.execute(task, timestamp)
        ran += 1
    return ran


def queue_figures() -> dict:
    """How many jobs wait now and for a later time (the admins' page)."""
    return {"pending": huey.pending_count(), "scheduled": huey.scheduled_count()}
