"""Writes of the reports: the audit record of every export (who, what, which filters, how many rows), and the
export jobs (an export too big for a request, written in the background: `ExportJob`).

Export actions all start with "export." so that the personal-data pages can list them by prefix:
export.completion_report, export.drilldown, export.enrolments, export.expiring_certificates, export.run_report.

An export job's file is written to the storage first and its row after (the storage's rule): a job that
fails leaves no file a row names, and never a partial one. Its progress (`record_progress`) is written in a
short transaction of its own, so that its page can read it while the job runs, with its heartbeat: a running
job whose heartbeat is older than EXPORT_JOB_STALE_MINUTES lost its worker (stopped or killed mid-job, which
no retry of the queue follows) and is marked failed by `fail_stalled_export_jobs`, so that its maker sees it
failed and starts it again.
"""
from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from typing import BinaryIO

from flask import current_app
from sqlalchemy import delete, func, select, update

from lms.audit import services as audit
from lms.core import clock
from lms.core.storage import StorageError, StorageNotFound, current_storage
from lms.extensions import db
from lms.jobs import after_commit
from lms.reports.filters import ExpiringFilters, ReportFilters
from lms.reports.models import ExportJob
from lms.reports.queries.jobs import export_jobs_to_prune

log = logging.getLogger("lms.reports")

EXPORT_ACTIONS = ("export.completion_report", "export.drilldown", "export.enrolments", "export.expiring_certificates",
                  "export.run_report")
# The storage's folder of export files: exports/<job id>-<random>.<suffix>.
KEY_PREFIX = "exports/"
ERROR_CHARS = 2000


def record_export(actor, action: str, fmt: str, filters: ReportFilters | ExpiringFilters, rows: int, *, via: str = "page",
                  institution_id: int | None = None) -> None:
    """Audit an export before (CSV) or as (XLSX) it leaves; `via` is "page", "api" or "job"."""
    if action not in EXPORT_ACTIONS:
        raise ValueError(action)
    if institution_id is None and actor is not None and actor.role == "coordinator":
        institution_id = actor.institution_id
    audit.record(action, actor=actor, institution_id=institution_id, format=fmt, filters=filters.as_dict(),
                 rows=rows, via=via)
    db.session.commit()


# --- export jobs -----------------------------------------------------------------------------------------

def create_export_job(user, kind: str, fmt: str, filters: dict, zone: str, rows_total: int, run,
                      params: dict | None = None) -> ExportJob:
    """Record that `user` asked for an export too big for a request, and queue `run(job_id)` (the job that
    writes it, `lms.reports.tasks.run_export`) when this commits."""
    job = ExportJob(user_id=user.id, kind=kind, fmt=fmt, filters=filters, params=params or {}, zone=zone,
                    status="queued", rows_done=0, rows_total=rows_total, created_at=clock.now())
    db.session.add(job)
    db.session.flush()
    after_commit(run, job.id)
    db.session.commit()
    return job


def start_export_job(job: ExportJob, rows_total: int) -> None:
    """The job starts (again, after a failed try): nothing done yet, `rows_total` counted anew."""
    job.status, job.rows_done, job.rows_total, job.error = "running", 0, rows_total, None
    job.heartbeat_at = clock.now()
    db.session.commit()


def record_progress(job_id: int, rows_done: int) -> None:
    """How many rows the job has written, and that it is alive, in a short transaction of its own (the job's
    session is reading). A job marked failed meanwhile (`fail_stalled_export_jobs`) is left failed."""
    with db.engine.begin() as connection:
        connection.execute(update(ExportJob).where(ExportJob.id == job_id, ExportJob.status == "running")
                           .values(rows_done=rows_done, heartbeat_at=clock.now()))


def finish_export_job(job: ExportJob, file: BinaryIO, name: str, rows: int, content_type: str) -> None:
    """Store the written file and offer it to its maker until EXPORT_JOB_HOURS from now."""
    suffix = name.rsplit(".", 1)[-1]
    key = f"{KEY_PREFIX}{job.id}-{secrets.token_hex(8)}.{suffix}"
    current_storage().put(key, file, content_type)
    now = clock.now()
    job.status, job.rows_done, job.file_key, job.file_name, job.heartbeat_at = "done", rows, key, name, None
    job.rows_total = max(job.rows_total, rows)
    job.finished_at, job.expires_at = now, now + timedelta(hours=current_app.config["EXPORT_JOB_HOURS"])
    db.session.commit()


def fail_export_job(job_id: int, error: str) -> None:
    """The job failed: the row says so, with the error (shown to admins); it keeps no file."""
    db.session.rollback()
    job = db.session.get(ExportJob, job_id)
    if job is None:
        return
    key = job.file_key  # a file stored before the failure is not offered (nor kept)
    job.status, job.error, job.finished_at, job.file_key, job.file_name, job.heartbeat_at = (
        "failed", error[:ERROR_CHARS], clock.now(), None, None, None)
    db.session.commit()
    _discard(key)


def fail_stalled_export_jobs(now: datetime | None = None) -> int:
    """Mark failed the running jobs without a heartbeat for EXPORT_JOB_STALE_MINUTES: their worker is gone (the
    queue does not run a job again whose worker was killed while running it). Returns how many."""
    now = now or clock.now()
    minutes = current_app.config["EXPORT_JOB_STALE_MINUTES"]
    before = now - timedelta(minutes=minutes)
    # A job started before the heartbeat existed has none: its age counts from when it was asked for.
    stalled = db.session.scalars(select(ExportJob).where(
        ExportJob.status == "running", func.coalesce(ExportJob.heartbeat_at, ExportJob.created_at) < before)).all()
    for job in stalled:
        log.warning("export job %s made no progress for %s minutes (at %s of %s rows): marked failed", job.id,
                    minutes, job.rows_done, job.rows_total)
        job.status, job.finished_at, job.heartbeat_at = "failed", now, None
        job.error = (f"Stalled: no progress for {minutes} minutes, at {job.rows_done} of {job.rows_total} rows "
                     "(its worker was stopped or killed while writing it)")
    db.session.commit()
    return len(stalled)


def expire_export_jobs(now: datetime | None = None) -> int:
    """Delete the files whose download time is over (they hold personal data); their rows say "expired".
    Returns how many files were deleted."""
    now = now or clock.now()
    jobs = db.session.scalars(select(ExportJob).where(ExportJob.status == "done", ExportJob.expires_at <= now)).all()
    deleted = 0
    for job in jobs:
        if _discard(job.file_key):
            job.status, job.file_key = "expired", None
            deleted += 1
    db.session.commit()
    return deleted


def prune_export_jobs(before: datetime) -> int:
    """Delete the records of export jobs made before `before` whose files are gone; returns how many."""
    rows = db.session.execute(delete(ExportJob).where(export_jobs_to_prune(before))
                              .execution_options(synchronize_session=False)).rowcount
    return rows or 0


def remove_export_jobs_of(user_id: int) -> list[str]:
    """Delete a person's export jobs (anonymisation, in the caller's transaction); returns the keys of their
    files, for the caller to delete after it commits (`discard_export_files`)."""
    keys = [k for k in db.session.scalars(select(ExportJob.file_key).where(ExportJob.user_id == user_id)) if k]
    db.session.execute(delete(ExportJob).where(ExportJob.user_id == user_id))
    return keys


def discard_export_files(keys: list[str]) -> None:
    """Delete export files from the storage (a file already gone is no error)."""
    for key in keys:
        _discard(key)


def _discard(key: str | None) -> bool:
    """Delete a file; False when the storage could not (it is down: the next run tries again)."""
    if not key:
        return True
    try:
        current_storage().delete(key)
    except StorageNotFound:
        return True
    except (StorageError, OSError):
        log.warning("could not delete export file %s", key)
        return False
    return True
