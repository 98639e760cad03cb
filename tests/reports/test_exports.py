"""CSV and XLSX exports: columns, values, formats, streaming, formula injection, scoping, audit."""
from __future__ import annotations

import csv
import io
from datetime import datetime

import openpyxl
import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.reports.exports import COMPLETION_COLUMNS, ENROLMENT_COLUMNS, csv_value, neutralise
from tests.helpers import Auth
from tests.reports.conftest import GE, UA

pytestmark = pytest.mark.db

COMPLETION_HEADER = [
    "institution_code", "institution_name", "country", "course_slug", "course_title", "enrolled", "not_started",
    "in_progress", "completed", "completion_rate_percent", "pass_rate_percent", "average_best_score_percent",
    "median_days_to_completion", "last_activity_at", "certified", "certification_expiring", "certification_expired",
    "certification_revoked", "never_certified", "withdrawn"]
ENROLMENT_HEADER = [
    "institution_code", "institution_name", "country", "course_slug", "course_title", "trainee_name",
    "trainee_email", "status", "progress_percent", "best_score_percent", "attempts", "enrolled_on", "due_on",
    "completed_on", "last_activity_at", "certificate_code", "certification", "withdrawn_on", "run_code",
    "attendance_rate_percent", "hours_attended"]


def login(client, email):
    assert Auth(client).login(email).status_code == 302


def read_csv(response) -> list[dict]:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/csv" and response.mimetype_params["charset"] == "utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8"))))


def read_xlsx(response):
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return openpyxl.load_workbook(io.BytesIO(response.get_data())).active


def test_the_column_names_are_stable():
    assert [c.name for c in COMPLETION_COLUMNS] == COMPLETION_HEADER
    assert [c.name for c in ENROLMENT_COLUMNS] == ENROLMENT_HEADER


def test_completion_csv(reader, dataset):
    login(reader, "admin@example.org")
    response = reader.get("/reports/completion/export.csv")
    assert response.get_data().decode("utf-8").splitlines()[0] == ",".join(COMPLETION_HEADER)
    rows = read_csv(response)
    ua = next(r for r in rows if r["institution_code"] == UA and r["course_slug"] == "sample")
    assert ua == {
        "institution_code": UA, "institution_name": "Border Academy of Ukraine", "country": "UA",
        "course_slug": "sample", "course_title": "Sample course", "enrolled": "5", "not_started": "1",
        "in_progress": "2", "completed": "2", "completion_rate_percent": "40.0", "pass_rate_percent": "66.7",
        "average_best_score_percent": "62.5", "median_days_to_completion": "5.0",
        "last_activity_at": "2024-02-20T15:00:00Z", "certified": "0", "certification_expiring": "0",
        "certification_expired": "2", "certification_revoked": "0", "never_certified": "3", "withdrawn": "0"}
    other = next(r for r in rows if r["course_slug"] == "other")
    assert (other["pass_rate_percent"], other["median_days_to_completion"], other["last_activity_at"]) == ("", "", "")
    assert rows[-1]["institution_name"] == "TOTAL" and rows[-1]["institution_code"] == ""
    assert (rows[-1]["enrolled"], rows[-1]["completion_rate_percent"], rows[-1]["median_days_to_completion"]) == (
        "7", "42.9", "3.0")
    assert len(rows) == 4


def test_enrolments_csv_and_its_filters(reader, dataset):
    login(reader, "admin@example.org")
    rows = read_csv(reader.get("/reports/enrolments/export.csv"))
    assert len(rows) == 7
    anna = next(r for r in rows if r["trainee_email"] == "anna@example.org" and r["course_slug"] == "sample")
    assert {k: anna[k] for k in ("status", "progress_percent", "best_score_percent", "attempts", "enrolled_on",
                                 "due_on", "completed_on", "last_activity_at")} == {
        "status": "completed", "progress_percent": "100", "best_score_percent": "100.0", "attempts": "2",
        "enrolled_on": "2024-01-10", "due_on": "", "completed_on": "2024-01-13",
        "last_activity_at": "2024-01-13T10:00:00Z"}
    assert len(anna["certificate_code"]) >= 20
    assert (anna["certification"], anna["withdrawn_on"]) == ("expired", "")
    filtered = read_csv(reader.get("/reports/enrolments/export.csv?completed_from=2024-02-01&country=UA"))
    assert [r["trainee_email"] for r in filtered] == ["dmytro@example.org"]


def test_drilldown_csv(reader, dataset):
    login(reader, "admin@example.org")
    rows = read_csv(reader.get(f"/reports/institutions/{UA}/courses/sample/export.csv"))
    assert [r["trainee_name"] for r in rows] == ["Anna Antonenko", "Bohdan Bondar", "Chrystia Chorna",
                                                 "Dmytro Danylenko", "Ella Yevtushenko"]
    assert [r["status"] for r in rows] == ["completed", "in_progress", "not_started", "completed", "in_progress"]


def test_completion_xlsx_has_numbers_dates_frozen_header_filter_and_widths(reader, dataset):
    login(reader, "admin@example.org")
    sheet = read_xlsx(reader.get("/reports/completion/export.xlsx"))
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == COMPLETION_HEADER
    ua = next(r for r in rows if r[0] == UA and r[3] == "sample")
    assert ua[5:13] == (5, 1, 2, 2, 40.0, 66.7, 62.5, 5.0)
    assert ua[13] == datetime(2024, 2, 20, 15, 0)
    assert rows[-1][1] == "TOTAL" and rows[-1][5] == 7
    assert sheet.freeze_panes == "A2"
    assert ua[14:20] == (0, 0, 2, 0, 3, 0)  # the 24-month certificates of 2024 have expired
    assert sheet.auto_filter.ref == f"A1:T{len(rows)}"
    assert sheet.column_dimensions["B"].width > 30


def test_enrolments_xlsx(reader, dataset):
    login(reader, "admin@example.org")
    sheet = read_xlsx(reader.get("/reports/enrolments/export.xlsx?course=sample&institution=GE-ACAD"))
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == ENROLMENT_HEADER and len(rows) == 2
    giorgi = dict(zip(ENROLMENT_HEADER, rows[1]))
    assert giorgi["trainee_email"] == "giorgi@example.ge" and giorgi["progress_percent"] == 100
    assert giorgi["enrolled_on"] == datetime(2024, 3, 1) and giorgi["completed_on"] == datetime(2024, 3, 2)
    assert giorgi["due_on"] is None


def test_a_coordinator_exports_only_their_institution(reader, dataset):
    login(reader, "coord@example.org")
    for url in ("/reports/completion/export.csv", f"/reports/completion/export.csv?institution={GE}",
                "/reports/enrolments/export.csv", f"/reports/enrolments/export.csv?institution={GE}&country=GE"):
        text = reader.get(url).get_data().decode("utf-8")
        assert "GE-ACAD" not in text and "giorgi" not in text and "Georgia" not in text, url
    rows = read_csv(reader.get("/reports/enrolments/export.csv"))
    assert {r["institution_code"] for r in rows} == {UA} and len(rows) == 6
    for fmt in ("csv", "xlsx"):
        assert reader.get(f"/reports/institutions/{GE}/courses/sample/export.{fmt}").status_code == 404
    sheet = read_xlsx(reader.get(f"/reports/enrolments/export.xlsx?institution={GE}"))
    assert sheet.max_row == 1  # the header only: nothing of Georgia


def test_every_export_is_audited(reader, dataset):
    login(reader, "coord@example.org")
    reader.get("/reports/enrolments/export.csv?course=sample").get_data()
    reader.get(f"/reports/institutions/{UA}/courses/sample/export.xlsx").get_data()
    reader.get("/reports/completion/export.csv?country=UA").get_data()
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("export.%"))
                                .order_by(AuditEvent.id.desc()).limit(3)).all()[::-1]
    coordinator = dataset["people"]["coordinator"]
    assert [(e.action, e.actor_id, e.institution_id) for e in events] == [
        ("export.enrolments", coordinator, dataset["ua"]), ("export.drilldown", coordinator, dataset["ua"]),
        ("export.completion_report", coordinator, dataset["ua"])]
    assert events[0].details == {"format": "csv", "filters": {"course": "sample"}, "rows": 5, "via": "page"}
    assert events[1].details["rows"] == 5 and events[1].details["format"] == "xlsx"
    assert events[2].details["filters"] == {"country": "UA"} and events[2].details["rows"] == 3  # 2 rows + totals


def test_bad_filter_values_are_a_clear_400(reader, dataset):
    login(reader, "admin@example.org")
    response = reader.get("/reports/enrolments/export.csv?enrolled_from=yesterday")
    assert response.status_code == 400 and "enrolled_from" in response.get_data(as_text=True)
    assert reader.get("/reports/completion/export.pdf").status_code == 404


def test_csv_streams_its_rows(reader, dataset, monkeypatch):
    """The header leaves before any row is read; rows follow in batches from a server-side cursor."""
    from lms.reports import queries

    fetched = []
    original = queries.enrolment_export_batches

    def counted(*args, **kwargs):
        for batch in original(*args, **kwargs):
            fetched.extend(batch)
            yield batch

    monkeypatch.setattr(queries, "enrolment_export_batches", counted)
    login(reader, "admin@example.org")
    response = reader.get("/reports/enrolments/export.csv", buffered=False)
    assert response.is_streamed
    chunks = iter(response.response)
    assert next(chunks).decode("utf-8").startswith("institution_code,") and fetched == []
    rest = b"".join(chunks).decode("utf-8")
    assert len(fetched) == 7 and rest.count("\r\n") == 7
    response.close()


def test_formula_like_text_is_neutralised():
    for text in ("=1+2", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(text) == "'" + text
    assert neutralise("Olena") == "Olena" and neutralise("") == ""
    number = next(c for c in ENROLMENT_COLUMNS if c.name == "best_score_percent")
    assert csv_value(number, -2.5) == "-2.5"  # numbers are numbers, not text


