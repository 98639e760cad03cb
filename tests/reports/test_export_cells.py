"""The CSV cells written per column kind, and the enrolments export written from plain rows: the same
bytes as the export built from `EnrolmentRow` objects and the former cell-by-cell formatting."""
from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from lms.access import report_scope
from lms.reports.exports import ENROLMENT_COLUMNS, Batches, Column, csv_cell, csv_stream, half_up, neutralise
from lms.reports.queries import EnrolmentRow, _number

KYIV = timezone(timedelta(hours=2))
NUMBERS = [0, 1, 100, -2.5, 4.25, 4.35, 62.25, 62.249999, 66.66666666666667, 33.333333333333336, 99.95, 0.05,
           Decimal("0.00"), Decimal("60.00"), Decimal("62.25"), Decimal("66.67"), Decimal("12.35"),
           Decimal("66.6666666666666667"), Decimal("99.95")]


def former_value(column: Column, value) -> str:
    """The cell as the export wrote it before the formatting was chosen per column."""
    if value is None:
        return ""
    if column.kind == "text":
        return neutralise(str(value))
    if column.kind == "int":
        return str(int(value))
    if column.kind == "number":
        return repr(round(float(value), 2))
    if column.kind == "date":
        return value.isoformat()
    if column.kind == "day":  # the date of an instant, in the viewer's zone (UTC here)
        return value.astimezone(UTC).date().isoformat()
    return value.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def former_csv(rows) -> bytes:
    """The whole export of EnrolmentRows, written as before."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.name for c in ENROLMENT_COLUMNS])
    for row in rows:
        writer.writerow([former_value(c, c.get(row)) for c in ENROLMENT_COLUMNS])
    return buffer.getvalue().encode("utf-8")


def column(kind: str, digits: int | None = None) -> Column:
    return Column("x", kind, lambda r: r, digits=digits)


def test_each_kind_of_cell():
    text, integer, number, score = column("text"), column("int"), column("number"), column("number", 1)
    day, moment = column("date"), column("datetime")
    for kind in (text, integer, number, score, day, moment):
        assert csv_cell(kind)(None) == ""
    assert [csv_cell(text)(v) for v in ("Olena", "=1+2", "+cmd", "-1", "@A1", "\tx", "\rx", "", 7)] == [
        "Olena", "'=1+2", "'+cmd", "'-1", "'@A1", "'\tx", "'\rx", "", "7"]
    assert [csv_cell(integer)(v) for v in (0, 3, Decimal("2"), 100)] == ["0", "3", "2", "100"]
    assert [csv_cell(score)(v) for v in (Decimal("62.25"), 62.25, Decimal("66.67"), 100, Decimal("0.00"), -2.5)] == [
        "62.3", "62.3", "66.7", "100.0", "0.0", "-2.5"]
    assert csv_cell(number)(-2.5) == "-2.5" and csv_cell(number)(1 / 3) == "0.33"
    assert csv_cell(day)(date(2024, 1, 10)) == "2024-01-10"
    assert csv_cell(day)(datetime(2024, 1, 10, 23, 30, tzinfo=UTC)) == "2024-01-10"
    assert csv_cell(day)(datetime(2024, 1, 11, 1, 30, tzinfo=KYIV)) == "2024-01-10"  # the UTC day
    assert csv_cell(moment)(datetime(2024, 1, 13, 10, 0, 59, 999999, tzinfo=UTC)) == "2024-01-13T10:00:59Z"
    assert csv_cell(moment)(datetime(2024, 1, 13, 1, 0, tzinfo=KYIV)) == "2024-01-12T23:00:00Z"
    with pytest.raises(ValueError):
        csv_cell(column("colour"))


def test_cells_are_the_former_ones():
    moments = [datetime(2024, 1, 13, 10, 0, 59, 999999, tzinfo=UTC), datetime(999, 12, 31, 23, 59, tzinfo=UTC),
               datetime(2024, 3, 31, 1, 30, 15, 500000, tzinfo=KYIV)]
    for value in moments:
        assert csv_cell(column("datetime"))(value) == former_value(column("datetime"), value)
    for value in NUMBERS:
        assert csv_cell(column("number"))(value) == former_value(column("number"), value)
        # The enrolments' score: rounded half up to one decimal as the report rounds it, then written.
        assert half_up(value, 1) == _number(value)
        assert csv_cell(column("number", 1))(value) == former_value(column("number"), _number(value))
        assert csv_cell(column("number", 1))(_number(value)) == former_value(column("number"), _number(value))
    cell = csv_cell(column("number", 1))
    assert [cell(v) for v in NUMBERS * 3] == [former_value(column("number"), _number(v)) for v in NUMBERS * 3]


def enrolment_row(name="Anna", score=None, due=None, completed=None, last=None, certificate=None, progress=0,
                  attempts=0):
    return EnrolmentRow(
        enrolment_id=1, user_id=1, name=name, email="anna@example.org", institution_code="UA-ACAD",
        institution_name='Border "Academy", Kyiv', country="UA", course_slug="sample", course_title="Sample, 1",
        state="completed" if completed else "in_progress", progress=progress, course_score=_number(score),
        attempts=attempts, lessons_viewed=0, quizzes_passed=0, enrolled_at=datetime(2024, 1, 10, 23, 59, tzinfo=UTC),
        due_on=due.date() if due else None, due_at=due, completed_at=completed, last_activity_at=last, certificate_code=certificate)


def plain(row: EnrolmentRow, score) -> tuple:
    """The row as `queries.enrolment_export_batches` reads it: timestamps and the unrounded score."""
    return (row.institution_code, row.institution_name, row.country, row.course_slug, row.course_title, row.name,
            row.email, row.state, row.progress, score, row.attempts, row.enrolled_at, row.due_on, row.completed_at,
            row.last_activity_at, row.certificate_code, row.certification, row.withdrawn_at, row.run_code,
            row.attendance_rate, row.hours_attended)


def test_plain_rows_are_written_as_enrolment_rows_were():
    done = datetime(2024, 1, 13, 10, 0, 0, 123456, tzinfo=UTC)
    cases = [(enrolment_row(), None),
             (enrolment_row("=HYPERLINK(\"http://evil.example\",\"x\")", Decimal("62.25"), progress=55, attempts=2,
                            last=done), Decimal("62.25")),
             (enrolment_row("Олена Коваленко", 66.66666666666667, due=datetime(2024, 2, 1, tzinfo=UTC),
                            completed=done, last=done, certificate="C-1", progress=100, attempts=3),
              66.66666666666667),
             (enrolment_row("-1+1", Decimal("0.00"), last=datetime(2024, 1, 11, 1, 30, tzinfo=UTC)), Decimal("0.00"))]
    rows = [row for row, _ in cases]
    expected = former_csv(rows)
    batches = Batches([[plain(row, score) for row, score in cases[:3]], [plain(*cases[3])]])
    assert b"".join(csv_stream(ENROLMENT_COLUMNS, batches)) == expected
    assert b"".join(csv_stream(ENROLMENT_COLUMNS, iter(rows))) == expected
    assert b"".join(csv_stream(ENROLMENT_COLUMNS, Batches([]))) == expected.split(b"\r\n")[0] + b"\r\n"


@pytest.mark.db
def test_the_enrolments_export_is_the_former_one(db, client, auth, world, course):
    from lms.core import clock
    from lms.reports import queries
    from lms.reports.filters import ReportFilters
    from tests.helpers import make_user
    from tests.reports.conftest import Actions, at

    act = Actions(db)
    olena = make_user("olena@example.org", "Олена Коваленко", "trainee", world["ua"])
    act.complete_course(act.enrol(olena, course, "2024-01-10 10:00"), course, "2024-01-11 09:00", "2024-01-12 16:00")
    hostile = make_user("hostile@example.org", "=1+2", "trainee", world["ua"])
    act.quiz(act.enrol(hostile, course, "2024-01-15 08:00"), course, "check", "2024-01-15 09:00", right=False)
    act.enrol(make_user("idle@example.org", "@idle, \"quoted\"", "trainee", world["ua"]), course, "2024-01-16 23:59")
    auth.login(world["admin"].email)
    now = at("2024-06-01 12:00")
    clock.freeze(now)
    try:
        body = client.get("/reports/enrolments/export.csv").get_data()
        rows = list(queries.stream_enrolments(report_scope(world["admin"]), ReportFilters(), now, sort="institution"))
    finally:
        clock.freeze(None)
    assert len(rows) == 3 and body == former_csv(rows)
    assert "'=1+2" in body.decode("utf-8") and "'@idle" in body.decode("utf-8")


def test_timestamps_as_sqlite_stores_them():
    day, moment = csv_cell(column("date")), csv_cell(column("datetime"))
    for text, expected in (("2024-01-13 10:00:59.999999", "2024-01-13T10:00:59Z"),
                           ("2024-01-13 10:00:59", "2024-01-13T10:00:59Z"),
                           ("2024-01-13T10:00:59.5", "2024-01-13T10:00:59Z"),
                           ("2024-01-13 10:00", "2024-01-13T10:00:00Z"),
                           ("2024-01-14 01:30:00+02:00", "2024-01-13T23:30:00Z")):
        assert moment(text) == expected and day(text) == expected[:10], text


@pytest.mark.db
def test_the_export_counts_the_rows_it_writes(reader, dataset):
    from datetime import date as day

    from lms.extensions import db
    from lms.reports import queries
    from lms.reports.filters import ReportFilters
    from tests.reports.conftest import user

    now = datetime(2024, 6, 1, tzinfo=UTC)
    for name in ("admin", "coordinator", "other_coordinator"):
        viewer = user(db, dataset, name)
        for filters in (ReportFilters(), ReportFilters(course="sample"), ReportFilters(country="UA"),
                        ReportFilters(institution="GE-ACAD"), ReportFilters(completed_from=day(2024, 2, 1)),
                        ReportFilters(enrolled_to=day(2024, 1, 31), course="other")):
            assert queries.count_export_enrolments(report_scope(viewer), filters) == queries.count_enrolments(report_scope(viewer), filters, now)
