"""Recorded completions in the reports (counted, unless the filter leaves them out: pages, exports and the
API alike), on the record and its files, and in the personal-data download, anonymisation and retention."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import date, timedelta

import pytest
from sqlalchemy import true

from lms.core import clock
from lms.core.storage import current_storage
from lms.extensions import db as _db
from lms.learning.services import enrol
from lms.privacy import services as privacy
from lms.recorded import evidence as evidence_files
from lms.recorded.models import RecordedCompletion
from lms.recorded.services import record_completion
from lms.reports.filters import FilterError, ReportFilters, parse_filters
from lms.reports.queries.completion import completion_report
from tests.helpers import make_user
from tests.recorded.conftest import PDF

pytestmark = pytest.mark.db


@pytest.fixture()
def recorded(db, world, course):
    """The trainee's completion recorded with evidence; another trainee enrolled and not started."""
    other = make_user("second@example.org", "Second Trainee", "trainee", world["ua"])
    enrol(other, course, actor=world["admin"], source="admin")
    evidence = evidence_files.read_evidence(io.BytesIO(PDF), "register.pdf")
    return record_completion(world["trainee"], course, date(2025, 11, 14), "16", "Paper register of the academy",
                             evidence, False, world["coordinator"])


def test_recorded_completions_count_unless_the_filter_leaves_them_out(db, world, recorded):
    counted = completion_report(true(), ReportFilters()).totals
    assert (counted.enrolled, counted.completed) == (2, 1)
    assert counted.median_days is None  # its time to complete is unknown
    left_out = completion_report(true(), ReportFilters(recorded="exclude")).totals
    assert (left_out.enrolled, left_out.completed) == (1, 0)


def test_the_one_filter_parser_reads_it_for_pages_exports_and_the_api(db, client, auth, world, recorded):
    assert parse_filters({"recorded": "exclude"}).include_recorded is False
    assert parse_filters({}).include_recorded is True
    with pytest.raises(FilterError, match="recorded"):
        parse_filters({"recorded": "yes please"})
    auth.login(world["coordinator"].email)
    page = client.get("/reports/?recorded=exclude").get_data(as_text=True)
    assert 'name="recorded"' in page and "Leave out recorded completions" in page
    full = client.get("/reports/enrolments/export.csv").get_data(as_text=True)
    narrow = client.get("/reports/enrolments/export.csv?recorded=exclude").get_data(as_text=True)
    assert "trainee@example.org" in full and "trainee@example.org" not in narrow
    assert client.get("/reports/completion/export.csv?recorded=maybe").status_code == 400
    from lms.api.services import create_token

    _row, token = create_token(world["admin"], "reader")
    api = client.get("/api/v1/reports/completion?recorded=exclude", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200 and api.get_json()["totals"]["completed"] == 0
    api = client.get("/api/v1/reports/completion", headers={"Authorization": f"Bearer {token}"})
    assert api.get_json()["totals"]["completed"] == 1


def test_the_record_files_show_the_source_and_details(db, client, auth, world, recorded):
    auth.login(world["coordinator"].email)
    csv = client.get(f"/people/{world['trainee'].id}/record.csv").get_data(as_text=True)
    header, line = csv.splitlines()[0].split(","), csv.splitlines()[1]
    assert "source" in header and "recorded_reason" in header
    assert "recorded" in line and "2025-11-14" in line and "Paper register of the academy" in line
    pdf = client.get(f"/people/{world['trainee'].id}/record.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"


def test_the_personal_data_download_holds_the_completion_and_its_evidence(db, world, recorded):
    data = json.loads(privacy.export_personal_data(world["trainee"], "json").content)
    [row] = data["records"]["recorded_completions"]
    assert (row["completed_on"], row["hours"], row["reason"], row["evidence_file"]) == (
        "2025-11-14", "16.00", "Paper register of the academy", f"evidence/{recorded.id}-register.pdf")
    archive = zipfile.ZipFile(io.BytesIO(privacy.export_personal_data(world["trainee"], "csv").content))
    assert archive.read(f"evidence/{recorded.id}-register.pdf") == PDF
    assert "Paper register" in archive.read("recorded_completions.csv").decode("utf-8-sig")


def test_anonymisation_deletes_the_reason_and_the_evidence_file(db, world, recorded):
    key = _db.session.get(RecordedCompletion, recorded.id).evidence_key
    privacy.anonymise_user(world["trainee"], world["admin"])
    _db.session.expire_all()
    details = _db.session.get(RecordedCompletion, recorded.id)
    assert details.reason == privacy.PLACEHOLDER and details.evidence_key is None and details.evidence_name is None
    assert details.completed_on == date(2025, 11, 14)  # the figures stay
    assert not current_storage().exists(key)


def test_retention_clears_old_reasons_as_withdrawal_reasons(app, db, world, recorded, monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_RETENTION_DAYS", 30)
    assert privacy.prune(clock.now() + timedelta(days=10)).recorded_reasons_cleared == 0
    report = privacy.prune(clock.now() + timedelta(days=31))
    assert report.recorded_reasons_cleared == 1
    _db.session.expire_all()
    details = _db.session.get(RecordedCompletion, recorded.id)
    assert details.reason != "Paper register of the academy" and details.evidence_key is not None
