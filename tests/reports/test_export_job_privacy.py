"""Export jobs are personal data of the person who asked: in their personal-data download, gone (with their files)
when they are anonymised, and their records pruned once the files are gone."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from lms.core import clock
from lms.core.storage import current_storage
from lms.extensions import db
from lms.reports.models import ExportJob
from tests.helpers import Auth, csrf_token

pytestmark = pytest.mark.db


@pytest.fixture()
def exported(app, client, world, course, run_jobs, monkeypatch):
    """The coordinator made one export as a job (its file ready), signed in on `client`."""
    from lms.learning.services import enrol

    enrol(world["trainee"], course)
    monkeypatch.setitem(app.config, "EXPORT_JOB_ROWS", -1)
    assert Auth(client).login("coord@example.org").status_code == 302
    response = client.get("/reports/enrolments/export.csv?course=sample")
    assert response.status_code == 303
    run_jobs()
    return db.session.get(ExportJob, int(response.headers["Location"].rsplit("/", 1)[1]))


def test_the_personal_data_download_lists_ones_exports(client, exported):
    page = client.get("/profile").get_data(as_text=True)
    document = json.loads(client.post("/profile/data", data={"format": "json", "csrf_token": csrf_token(page)})
                          .get_data(as_text=True))
    [job] = document["records"]["export_jobs"]
    assert (job["kind"], job["format"], job["filters"], job["status"], job["rows_done"]) == (
        "enrolments", "csv", {"course": "sample"}, "done", 1)
    assert job["file_name"].endswith("-1-rows.csv")


def test_anonymisation_removes_the_exports_and_their_files(world, exported):
    from lms.privacy.services import anonymise_user

    key = exported.file_key
    assert current_storage().exists(key)
    anonymise_user(world["coordinator"], world["admin"])
    assert db.session.query(ExportJob).count() == 0
    assert not current_storage().exists(key)


def test_retention_prunes_the_records_of_old_exports_whose_files_are_gone(app, world, exported, run_jobs):
    later = clock.now() + timedelta(days=31)
    clock.freeze(later)
    try:
        run_jobs(periodic=True, now=later.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1))
        db.session.expire_all()
        assert db.session.get(ExportJob, exported.id).status == "expired"
        dry = app.test_cli_runner().invoke(args=["data", "prune", "--dry-run"])
        assert "export jobs: would delete 1 record(s)" in dry.output
        assert db.session.query(ExportJob).count() == 1
        result = app.test_cli_runner().invoke(args=["data", "prune"])
        assert result.exit_code == 0 and "export jobs: deleted 1 record(s)" in result.output
        assert db.session.query(ExportJob).count() == 0
    finally:
        clock.freeze(None)
