"""Export edge cases on their own data: formula injection and empty selections."""
from __future__ import annotations

import pytest

from tests.reports.test_exports import ENROLMENT_HEADER, read_csv, read_xlsx

pytestmark = pytest.mark.db


def make_hostile_data(db, world, course):
    from tests.helpers import make_user
    from tests.reports.conftest import Actions

    act = Actions(db)
    names = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-1+1", "@SUM(1+1)"]
    for i, name in enumerate(names):
        trainee = make_user(f"hostile{i}@example.org", name, "trainee", world["ua"])
        act.enrol(trainee, course, "2024-06-01 10:00")
    return names


def test_formula_injection_is_neutralised_in_csv_and_text_in_xlsx(db, client, auth, world, course):
    names = make_hostile_data(db, world, course)
    auth.login(world["admin"].email)
    rows = read_csv(client.get("/reports/enrolments/export.csv"))
    assert sorted(r["trainee_name"] for r in rows) == sorted("'" + n for n in names)
    sheet = read_xlsx(client.get("/reports/enrolments/export.xlsx"))
    cells = [row[5] for row in sheet.iter_rows(min_row=2)]
    assert sorted(c.value for c in cells) == sorted(names) and {c.data_type for c in cells} == {"s"}


def test_exports_of_an_empty_selection_have_the_header_only(db, client, auth, world):
    auth.login(world["admin"].email)
    assert client.get("/reports/enrolments/export.csv").get_data().decode() == ",".join(ENROLMENT_HEADER) + "\r\n"
    rows = read_csv(client.get("/reports/completion/export.csv"))
    assert len(rows) == 1 and rows[0]["institution_name"] == "TOTAL" and rows[0]["enrolled"] == "0"
    assert read_xlsx(client.get("/reports/enrolments/export.xlsx")).max_row == 1
