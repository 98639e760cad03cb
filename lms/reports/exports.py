"""CSV and XLSX writers for the report exports, with their stable column names.

CSV: UTF-8, a header row, ISO 8601 dates (YYYY-MM-DD) and timestamps (YYYY-MM-DDTHH:MM:SSZ, UTC),
"." as the decimal separator, and text cells that a spreadsheet would take for a formula (starting
with =, +, -, @, a tab or a carriage return) prefixed with an apostrophe. Rows are produced as a
generator so a response can stream them without holding them in memory.

XLSX: written by XlsxWriter in constant-memory mode to a temporary file; numbers as numbers, dates
as dates, the header row frozen, an autofilter and column widths. Text is always written as
text (never as a formula).

The column names are part of the platform's interface (documented in the README): add columns at
the end, never rename or reorder them.
"""
from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    """An exported column: its stable name, kind (text, int, number, date, datetime), getter and width."""

    name: str
    kind: str
    get: Callable
    width: int = 14


COMPLETION_COLUMNS = (
    Column("institution_code", "text", lambda r: r.institution_code, 14),
    Column("institution_name", "text", lambda r: r.institution_name, 34),
    Column("country", "text", lambda r: r.country, 8),
    Column("course_slug", "text", lambda r: r.course_slug, 22),
    Column("course_title", "text", lambda r: r.course_title, 34),
    Column("enrolled", "int", lambda r: r.enrolled, 10),
    Column("not_started", "int", lambda r: r.not_started, 12),
    Column("in_progress", "int", lambda r: r.in_progress, 12),
    Column("completed", "int", lambda r: r.completed, 11),
    Column("completion_rate_percent", "number", lambda r: r.completion_rate, 14),
    Column("pass_rate_percent", "number", lambda r: r.pass_rate, 12),
    Column("average_best_score_percent", "number", lambda r: r.average_best_score, 14),
    Column("median_days_to_completion", "number", lambda r: r.median_days, 14),
    Column("last_activity_at", "datetime", lambda r: r.last_activity_at, 18),
)

ENROLMENT_COLUMNS = (
    Column("institution_code", "text", lambda r: r.institution_code, 14),
    Column("institution_name", "text", lambda r: r.institution_name, 34),
    Column("country", "text", lambda r: r.country, 8),
    Column("course_slug", "text", lambda r: r.course_slug, 22),
    Column("course_title", "text", lambda r: r.course_title, 34),
    Column("trainee_name", "text", lambda r: r.name, 28),
    Column("trainee_email", "text", lambda r: r.email, 30),
    Column("status", "text", lambda r: r.state, 12),
    Column("progress_percent", "int", lambda r: r.progress, 10),
    Column("best_score_percent", "number", lambda r: r.course_score, 10),
    Column("attempts", "int", lambda r: r.attempts, 9),
    Column("enrolled_on", "date", lambda r: r.enrolled_on, 12),
    Column("due_on", "date", lambda r: r.due_on, 12),
    Column("completed_on", "date", lambda r: r.completed_on, 12),
    Column("last_activity_at", "datetime", lambda r: r.last_activity_at, 18),
    Column("certificate_code", "text", lambda r: r.certificate_code, 26),
)


def neutralise(text: str) -> str:
    """A text cell made safe from formula injection: an apostrophe before a formula-like start."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_value(column: Column, value) -> str:
    """The CSV form of a cell."""
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
    if column.kind == "datetime":
        return value.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"
    raise ValueError(column.kind)


def csv_stream(columns: tuple[Column, ...], rows: Iterable, flush_every: int = 200) -> Iterator[bytes]:
    """The CSV file as UTF-8 chunks: the header at once, then rows in small batches."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.name for c in columns])
    yield buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    pending = 0
    for row in rows:
        writer.writerow([csv_value(c, c.get(row)) for c in columns])
        pending += 1
        if pending >= flush_every:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if pending:
        yield buffer.getvalue().encode("utf-8")


def write_xlsx(columns: tuple[Column, ...], rows: Iterable, sheet: str) -> tuple[tempfile.SpooledTemporaryFile, int]:
    """Write the rows to an XLSX workbook in a temporary file; returns the file (at its start) and the row count."""
    import xlsxwriter

    output = tempfile.TemporaryFile()
    workbook = xlsxwriter.Workbook(output, {"constant_memory": True, "strings_to_formulas": False,
                                            "strings_to_numbers": False, "strings_to_urls": False})
    worksheet = workbook.add_worksheet(sheet[:31])
    formats = {
        "header": workbook.add_format({"bold": True, "bottom": 1}),
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        "number": workbook.add_format({"num_format": "0.0"}),
        "int": workbook.add_format({"num_format": "0"}),
    }
    for index, column in enumerate(columns):
        worksheet.set_column(index, index, column.width)
    worksheet.freeze_panes(1, 0)
    for index, column in enumerate(columns):
        worksheet.write_string(0, index, column.name, formats["header"])
    count = 0
    for count, row in enumerate(rows, start=1):
        for index, column in enumerate(columns):
            value = column.get(row)
            if value is None or value == "":
                continue
            if column.kind == "text":
                worksheet.write_string(count, index, str(value))
            elif column.kind in ("int", "number"):
                worksheet.write_number(count, index, float(value), formats[column.kind])
            elif column.kind == "date":
                worksheet.write_datetime(count, index, datetime(value.year, value.month, value.day), formats["date"])
            else:
                naive = value.astimezone(UTC).replace(tzinfo=None, microsecond=0)
                worksheet.write_datetime(count, index, naive, formats["datetime"])
    worksheet.autofilter(0, 0, max(count, 1), len(columns) - 1)
    workbook.close()
    output.seek(0)
    return output, count
