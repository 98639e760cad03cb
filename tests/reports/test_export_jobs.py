"""Large exports as background jobs: progress, the file (the same bytes as the immediate export), a download for
its maker alone until it expires, the file deleted by the periodic job, a failure shown as one; small exports
named with their row count."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import openpyxl
import pytest
from bench.sizes import BENCH_ADMIN, BENCH_PASSWORD, Size
from lms.core import clock
from lms.core.storage import LocalStorage, StorageError, current_storage
from lms.reports import services
from lms.reports.models import ExportJob
from tests.helpers import Auth

pytestmark = pytest.mark.db

# A few thousand enrolments, generated in seconds (the bench's generator, smaller than its S).
EXPORT_SIZE = Size("export-test", institutions=3, trainees=700, courses=6, enrolments_per_trainee=5)
JOB_PAGE = re.compile(r"/reports/exports/(\d+)$")


@pytest.fixture()
def generated(db):
    from datetime import date

    from bench.generator import generate

    report = generate(db.engine, EXPORT_SIZE, seed=11, anchor=date(2026, 6, 1), out=lambda _line: None)
    yield report
    from bench.marker import remove_marker

    with db.engine.begin() as conn:
        remove_marker(conn)


@pytest.fixture()
def threshold(app, monkeypatch):
    """Set LMS_EXPORT_JOB_ROWS for this test."""
    def set_to(rows: int) -> None:
        monkeypatch.setitem(app.config, "EXPORT_JOB_ROWS", rows)
    return set_to


def started(response) -> int:
    """The id of the export job a response redirected to."""
    assert response.status_code == 303, response.status_code
    return int(JOB_PAGE.search(response.headers["Location"]).group(1))


def quarter_after(moment):
    """The next quarter hour: when the periodic job that deletes expired files runs."""
    start = moment.replace(minute=0, second=0, microsecond=0)
    return start + timedelta(minutes=15 * (moment.minute // 15 + 1))


def rows_in_name(response) -> int:
    name = re.search(r'filename="?([^";]+)', response.headers["Content-Disposition"]).group(1)
    return int(re.search(r"-(\d+)-rows(?:-excel)?\.(?:csv|xlsx)$", name).group(1))


def test_the_large_enrolment_export_runs_as_a_job_with_progress_and_the_same_file(client, generated, threshold,
                                                                                 run_jobs, monkeypatch):
    assert Auth(client).login(BENCH_ADMIN, BENCH_PASSWORD).status_code == 302
    threshold(10**9)
    immediate = client.get("/reports/enrolments/export.csv")
    assert immediate.status_code == 200
    body = immediate.get_data()
    total = len(body.decode("utf-8").splitlines()) - 1
    assert total > 3000 and rows_in_name(immediate) == total

    threshold(1000)
    job_id = started(client.get("/reports/enrolments/export.csv"))
    page = client.get(f"/reports/exports/{job_id}").get_data(as_text=True)
    assert f"0 of {total:,} rows" in page and 'http-equiv="refresh"' in page and "Waiting to start" in page
    status = client.get(f"/reports/exports/{job_id}/status.json").get_json()
    assert (status["status"], status["rows_done"], status["rows_total"], status["download"]) == (
        "queued", 0, total, None)

    # What the page says while the job runs: read at each step of progress the job writes.
    seen = []
    record = services.record_progress

    def watch(job, done):
        record(job, done)
        seen.append((done, client.get(f"/reports/exports/{job_id}/status.json").get_json()["rows_done"],
                     client.get(f"/reports/exports/{job_id}").get_data(as_text=True)))
    monkeypatch.setattr(services, "record_progress", watch)
    assert run_jobs() == 1
    assert len(seen) >= 1
    done, shown, text = seen[0]
    assert 0 < done < total and shown == done
    assert f"{done:,} of {total:,} rows" in text and 'http-equiv="refresh"' in text

    page = client.get(f"/reports/exports/{job_id}").get_data(as_text=True)
    assert f"The export is complete: {total:,} rows." in page and 'http-equiv="refresh"' not in page
    download = client.get(f"/reports/exports/{job_id}/download")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert download.get_data() == body  # byte for byte the immediate export's file
    assert rows_in_name(download) == total
    assert client.get(f"/reports/exports/{job_id}/status.json").get_json()["download"].endswith("/download")
    listing = client.get("/reports/exports/").get_data(as_text=True)
    assert "All trainees' enrolments (CSV)" in listing and "Ready: download" in listing

    # XLSX: the same writer, the same cells.
    threshold(10**9)
    immediate = openpyxl.load_workbook(io.BytesIO(client.get("/reports/enrolments/export.xlsx").get_data())).active
    threshold(1000)
    job_id = started(client.get("/reports/enrolments/export.xlsx"))
    run_jobs()
    made = openpyxl.load_workbook(io.BytesIO(client.get(f"/reports/exports/{job_id}/download").get_data())).active
    assert [list(r) for r in made.iter_rows(values_only=True)] == [list(r) for r in immediate.iter_rows(values_only=True)]


def test_the_download_is_its_makers_alone_until_it_expires_then_the_file_is_deleted(app, client, world, course,
                                                                                     threshold, run_jobs):
    from lms.learning.services import enrol

    for person in (world["trainee"], world["other_trainee"]):
        enrol(person, course)
    admin, coordinator = Auth(app.test_client()), Auth(client)
    assert admin.login("admin@example.org").status_code == 302
    threshold(0)  # every export is a job
    job_id = started(admin.client.get("/reports/enrolments/export.csv?country=UA"))
    run_jobs()
    assert admin.client.get(f"/reports/exports/{job_id}/download").status_code == 200

    # Someone else, even an admin or a coordinator of the same data, finds nothing there.
    other_admin_client = app.test_client()
    from tests.helpers import make_user
    make_user("admin2@example.org", "Second Admin", "admin")
    assert Auth(other_admin_client).login("admin2@example.org").status_code == 302
    assert coordinator.login("coord@example.org").status_code == 302
    for other in (other_admin_client, client):
        for url in (f"/reports/exports/{job_id}", f"/reports/exports/{job_id}/status.json",
                    f"/reports/exports/{job_id}/download"):
            assert other.get(url).status_code == 404, url
        assert f"/reports/exports/{job_id}" not in other.get("/reports/exports/").get_data(as_text=True)

    # A day later: refused, the page says so; the periodic job deletes the file.
    from lms.extensions import db
    job = db.session.get(ExportJob, job_id)
    key = job.file_key
    assert current_storage().exists(key)
    later = clock.now() + timedelta(hours=24, minutes=1)
    clock.freeze(later)
    try:
        assert admin.login("admin@example.org").status_code == 302  # a day on: signed in again
        gone = admin.client.get(f"/reports/exports/{job_id}/download")
        assert gone.status_code == 410 and "download time of this export is over" in gone.get_data(as_text=True)
        run_jobs(periodic=True, now=quarter_after(later))
        db.session.expire_all()
        job = db.session.get(ExportJob, job_id)
        assert (job.status, job.file_key) == ("expired", None)
        assert not current_storage().exists(key)
        page = admin.client.get(f"/reports/exports/{job_id}").get_data(as_text=True)
        assert "its file has been deleted" in page
        assert admin.client.get(f"/reports/exports/{job_id}/download").status_code == 410
    finally:
        clock.freeze(None)


class RefusingStorage(LocalStorage):
    """A storage whose disk is full: every write is refused."""

    def put(self, key, data, content_type=None):
        raise StorageError("the disk is full")


def test_a_job_that_fails_shows_it_failed_and_keeps_no_file(app, client, world, course, threshold, run_jobs,
                                                            monkeypatch):
    from lms.core.storage import EXTENSION
    from lms.extensions import db
    from lms.learning.services import enrol

    enrol(world["trainee"], course)
    monkeypatch.setitem(app.extensions, EXTENSION, RefusingStorage(app.config["STORAGE_DIR"]))
    threshold(0)
    assert Auth(client).login("admin@example.org").status_code == 302
    job_id = started(client.get("/reports/completion/export.xlsx"))
    run_jobs()
    job = db.session.get(ExportJob, job_id)
    assert (job.status, job.file_key) == ("failed", None) and "the disk is full" in job.error
    page = client.get(f"/reports/exports/{job_id}").get_data(as_text=True)
    assert "This export failed: no file was made" in page and "the disk is full" in page  # the error, for admins
    assert client.get(f"/reports/exports/{job_id}/download").status_code == 404
    assert client.get(f"/reports/exports/{job_id}/status.json").get_json()["status"] == "failed"
    assert "Failed" in client.get("/reports/exports/").get_data(as_text=True)

    # A coordinator's failure says it failed, without the error.
    coordinator = Auth(app.test_client())
    assert coordinator.login("coord@example.org").status_code == 302
    job_id = started(coordinator.client.get("/reports/completion/export.csv"))
    run_jobs()
    page = coordinator.client.get(f"/reports/exports/{job_id}").get_data(as_text=True)
    assert "This export failed" in page and "the disk is full" not in page


def test_a_job_for_someone_who_may_no_longer_export_fails(app, client, world, course, threshold, run_jobs):
    from lms.extensions import db

    threshold(-1)  # even an export of no rows is a job
    assert Auth(client).login("coord@example.org").status_code == 302
    job_id = started(client.get("/reports/runs/export.csv"))
    coordinator = db.session.get(type(world["coordinator"]), world["coordinator"].id)
    coordinator.role = "trainee"
    db.session.commit()
    run_jobs()
    job = db.session.get(ExportJob, job_id)
    assert job.status == "failed" and "may no longer export" in job.error and job.file_key is None


def test_every_report_export_becomes_a_job_past_the_threshold_and_writes_the_same_rows(app, client, world, course,
                                                                                      threshold, run_jobs):
    from lms.learning.services import enrol

    enrol(world["trainee"], course)
    assert Auth(client).login("admin@example.org").status_code == 302
    urls = ["/reports/completion/export.csv", "/reports/runs/export.csv", "/reports/enrolments/export.csv-excel",
            "/reports/institutions/UA-ACAD/courses/sample/export.csv", "/reports/certificates/expiring/export.csv"]
    for url in urls:
        threshold(10**9)
        immediate = client.get(url)
        assert immediate.status_code == 200, url
        threshold(-1)
        job_id = started(client.get(url))
        run_jobs()
        download = client.get(f"/reports/exports/{job_id}/download")
        assert download.get_data() == immediate.get_data(), url
        assert rows_in_name(download) == rows_in_name(immediate), url


def test_a_small_export_is_named_with_its_row_count(client, world, course):
    from lms.learning.services import enrol

    for person in (world["trainee"], world["other_trainee"]):
        enrol(person, course)
    assert Auth(client).login("admin@example.org").status_code == 302
    response = client.get("/reports/enrolments/export.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert re.fullmatch(r'attachment; filename="enrolments-\d{8}-\d{4}-2-rows\.csv"',
                        response.headers["Content-Disposition"])
    assert len(rows) == 3  # the header and two rows: no trailer line a spreadsheet would take for data
    completion = client.get("/reports/completion/export.xlsx")
    assert rows_in_name(completion) == openpyxl.load_workbook(io.BytesIO(completion.get_data())).active.max_row - 1
