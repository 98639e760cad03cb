"""An export job whose worker was killed while writing it does not stay "running" forever: it stops showing
progress, the periodic check marks it failed after LMS_EXPORT_JOB_STALE_MINUTES, its page says it failed, and
its maker starts it again from the report. A job still showing progress is left to run."""
from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from lms.core import clock
from lms.extensions import db
from lms.reports import downloads, services
from lms.reports.models import ExportJob
from tests.helpers import Auth

pytestmark = pytest.mark.db


class WorkerKilled(BaseException):
    """What a killed worker leaves behind: nothing of the job's own error handling runs."""


def five_minutes_after(moment):
    """The first minute after `moment` at which the every-5-minutes check runs."""
    start = moment.replace(second=0, microsecond=0)
    return start + timedelta(minutes=5 - start.minute % 5)


@pytest.fixture()
def admin(app, client, world, course, monkeypatch):
    from lms.learning.services import enrol

    for person in (world["trainee"], world["other_trainee"]):
        enrol(person, course)
    monkeypatch.setitem(app.config, "EXPORT_JOB_ROWS", 0)  # every export is a job
    assert Auth(client).login("admin@example.org").status_code == 302
    return client


def ask(client) -> int:
    response = client.get("/reports/enrolments/export.csv")
    assert response.status_code == 303
    return int(response.headers["Location"].rsplit("/", 1)[1])


def killed_after_one_row(monkeypatch):
    """The next export job's worker dies after writing a row."""
    real = downloads.write

    def write(export, fmt, progress=None, every=downloads.PROGRESS_EVERY):
        progress(1)
        raise WorkerKilled

    monkeypatch.setattr(downloads, "write", write)
    return real


def test_a_job_whose_worker_was_killed_is_marked_failed_and_can_be_started_again(app, admin, run_jobs, monkeypatch,
                                                                                 caplog):
    real_write = killed_after_one_row(monkeypatch)
    started = clock.now().replace(microsecond=0)
    clock.freeze(started)
    try:
        job_id = ask(admin)
        with pytest.raises(WorkerKilled):
            run_jobs()
        db.session.expire_all()
        job = db.session.get(ExportJob, job_id)
        assert (job.status, job.rows_done, job.heartbeat_at) == ("running", 1, started)
        page = admin.get(f"/reports/exports/{job_id}").get_data(as_text=True)
        assert "1 of 2 rows" in page

        # Within LMS_EXPORT_JOB_STALE_MINUTES (15) of its last progress it may be slow, not lost: left alone.
        check = five_minutes_after(started + timedelta(minutes=10))
        clock.freeze(check)
        run_jobs(periodic=True, now=check)
        db.session.expire_all()
        assert db.session.get(ExportJob, job_id).status == "running"

        # Past them, the check marks it failed, with what happened for the admins.
        check = five_minutes_after(started + timedelta(minutes=15))
        clock.freeze(check)
        with caplog.at_level(logging.WARNING, logger="lms.reports"):
            run_jobs(periodic=True, now=check)
        db.session.expire_all()
        job = db.session.get(ExportJob, job_id)
        assert (job.status, job.file_key, job.heartbeat_at, job.finished_at) == ("failed", None, None, check)
        assert job.error == ("Stalled: no progress for 15 minutes, at 1 of 2 rows (its worker was stopped or killed "
                             "while writing it)")
        assert f"export job {job_id} made no progress for 15 minutes" in caplog.text
        page = admin.get(f"/reports/exports/{job_id}").get_data(as_text=True)
        assert "This export failed: no file was made" in page and "Start the export again" in page
        assert "Stalled: no progress for 15 minutes" in page  # the error, for admins
        assert 'http-equiv="refresh"' not in page
        assert admin.get(f"/reports/exports/{job_id}/status.json").get_json()["status"] == "failed"
        assert admin.get(f"/reports/exports/{job_id}/download").status_code == 404

        # Started again from the report, it is a new job that ends with the file.
        monkeypatch.setattr(downloads, "write", real_write)
        again = ask(admin)
        assert again != job_id
        run_jobs()
        page = admin.get(f"/reports/exports/{again}").get_data(as_text=True)
        assert "The export is complete: 2 rows." in page
        assert admin.get(f"/reports/exports/{again}/download").status_code == 200
        assert db.session.get(ExportJob, again).heartbeat_at is None  # a finished job has none
    finally:
        clock.freeze(None)


def test_a_job_that_keeps_showing_progress_is_left_running(app, admin, run_jobs, monkeypatch):
    killed_after_one_row(monkeypatch)
    started = clock.now().replace(microsecond=0)
    clock.freeze(started)
    try:
        job_id = ask(admin)
        with pytest.raises(WorkerKilled):
            run_jobs()
        clock.freeze(started + timedelta(minutes=14))
        services.record_progress(job_id, 2)  # still writing (as a slow worker would)
        check = five_minutes_after(started + timedelta(minutes=20))
        clock.freeze(check)
        assert services.fail_stalled_export_jobs(check) == 0
        db.session.expire_all()
        job = db.session.get(ExportJob, job_id)
        assert (job.status, job.rows_done, job.heartbeat_at) == ("running", 2, started + timedelta(minutes=14))
        # Then it stops: 15 minutes after its last progress it is failed; progress after that does not revive it.
        last = started + timedelta(minutes=14)
        assert services.fail_stalled_export_jobs(last + timedelta(minutes=14, seconds=59)) == 0
        assert services.fail_stalled_export_jobs(last + timedelta(minutes=15, seconds=1)) == 1
        services.record_progress(job_id, 3)
        db.session.expire_all()
        assert (db.session.get(ExportJob, job_id).status, db.session.get(ExportJob, job_id).rows_done) == ("failed", 2)
    finally:
        clock.freeze(None)


def test_queued_and_finished_jobs_are_never_marked_stalled(app, admin, run_jobs):
    queued = ask(admin)
    later = clock.now() + timedelta(days=1)
    assert services.fail_stalled_export_jobs(later) == 0  # a job waiting for a worker runs when one comes
    run_jobs()
    assert services.fail_stalled_export_jobs(later) == 0
    db.session.expire_all()
    assert db.session.get(ExportJob, queued).status == "done"


def test_the_stale_minutes_are_a_setting_of_at_least_one(monkeypatch):
    from config import ConfigError, load_config

    monkeypatch.setenv("LMS_EXPORT_JOB_STALE_MINUTES", "0")
    with pytest.raises(ConfigError, match="LMS_EXPORT_JOB_STALE_MINUTES must be 1 or more"):
        load_config()
