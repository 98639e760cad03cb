"""The exports open in LibreOffice Calc with the right columns and values, and formula-like text stays text.

LibreOffice (Debian `libreoffice-calc-nogui`, installed by `make system-deps`) converts the CSV to
XLSX and the XLSX to CSV headless; the results are read back. Skipped when LibreOffice is absent,
except on CI (CI set), where that is a failure.
"""
from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess

import openpyxl
import pytest

from tests.helpers import make_user
from tests.reports.conftest import Actions
from tests.reports.test_exports import ENROLMENT_HEADER

pytestmark = [pytest.mark.db, pytest.mark.slow]

LIBREOFFICE = shutil.which("libreoffice") or shutil.which("soffice")
# Comma-separated, double quotes, UTF-8 (76), start at line 1: how a user opens the file.
CSV_FILTER = "CSV:44,34,76,1"


@pytest.fixture()
def libreoffice(tmp_path):
    if LIBREOFFICE is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice is not installed and CI is set (make system-deps installs libreoffice-calc-nogui)")
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc-nogui, or make system-deps)")

    def convert(path, to: str, infilter: str | None = None):
        out = tmp_path / "out"
        command = [LIBREOFFICE, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless"]
        if infilter:
            command.append(f"--infilter={infilter}")
        command += ["--convert-to", to, "--outdir", str(out), str(path)]
        subprocess.run(command, check=True, capture_output=True, timeout=120)
        return out / (path.stem + "." + to.split(":")[0])

    return convert


def test_csv_and_xlsx_open_in_libreoffice(db, client, auth, world, course, tmp_path, libreoffice):
    act = Actions(db)
    olena = make_user("olena@example.org", "Олена Коваленко", "trainee", world["ua"])
    hostile = make_user("hostile@example.org", "=1+2", "trainee", world["ua"])
    act.complete_course(act.enrol(olena, course, "2024-01-10 10:00"), course, "2024-01-11 09:00", "2024-01-12 16:00")
    act.enrol(hostile, course, "2024-01-15 08:00")
    auth.login(world["admin"].email)
    csv_file = tmp_path / "enrolments.csv"
    csv_file.write_bytes(client.get("/reports/enrolments/export.csv").get_data())
    xlsx_file = tmp_path / "enrolments.xlsx"
    xlsx_file.write_bytes(client.get("/reports/enrolments/export.xlsx").get_data())

    # The CSV, opened in Calc: columns, values of the right kinds, the formula-like name as text.
    sheet = openpyxl.load_workbook(libreoffice(csv_file, "xlsx", CSV_FILTER)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == ENROLMENT_HEADER
    by_email = {r[6]: dict(zip(ENROLMENT_HEADER, r)) for r in rows[1:]}
    olena_row = by_email["olena@example.org"]
    assert olena_row["trainee_name"] == "Олена Коваленко" and olena_row["status"] == "completed"
    assert olena_row["progress_percent"] == 100 and olena_row["best_score_percent"] == 100
    assert olena_row["enrolled_on"].date().isoformat() == "2024-01-10"
    name_cell = next(row[5] for row in sheet.iter_rows(min_row=2) if row[6].value == "hostile@example.org")
    assert name_cell.data_type == "s" and name_cell.value == "'=1+2"  # text, never a formula

    # The XLSX, saved by Calc as CSV: the same columns and values, the name still the text "=1+2".
    text = libreoffice(xlsx_file, "csv:Text - txt - csv (StarCalc):44,34,76,1").read_text(encoding="utf-8")
    back = list(csv.DictReader(io.StringIO(text)))
    assert list(back[0]) == ENROLMENT_HEADER
    rows = {r["trainee_email"]: r for r in back}
    assert rows["hostile@example.org"]["trainee_name"] == "=1+2"
    assert rows["olena@example.org"]["completed_on"] == "2024-01-12"
    assert rows["olena@example.org"]["attempts"] == "2"


def test_the_csv_for_excel_opens_with_georgian_and_armenian_names(db, client, auth, world, course, tmp_path,
                                                                  libreoffice):
    """The byte-order mark is read as the sign of UTF-8, not as a character of the first column's name."""
    act = Actions(db)
    names = {"nino@example.ge": "ნინო ბერიძე", "anna@example.am": "Աննա Հովհաննիսյան",
             "olena@example.org": "Олена Коваленко"}
    for email, name in names.items():
        act.enrol(make_user(email, name, "trainee", world["ua"]), course, "2024-01-10 10:00")
    auth.login(world["coordinator"].email)
    response = client.get(f"/reports/institutions/{world['ua'].code}/courses/{course.slug}/export.csv-excel")
    assert response.status_code == 200 and response.get_data().startswith(b"\xef\xbb\xbf")
    csv_file = tmp_path / "trainees.csv"
    csv_file.write_bytes(response.get_data())

    rows = list(openpyxl.load_workbook(libreoffice(csv_file, "xlsx", CSV_FILTER)).active.iter_rows(values_only=True))
    assert list(rows[0]) == ENROLMENT_HEADER  # "institution_code", with no stray mark in front
    assert {r[6]: r[5] for r in rows[1:]} == names
