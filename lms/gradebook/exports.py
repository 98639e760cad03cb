"""The gradebook as a file: its columns for the reports' writers (lms.reports.exports: `csv_stream` streams the
CSV, `write_xlsx` writes the XLSX), and the file's name with its row count.

Columns: trainee_name, trainee_email, institution, run, enrolment_status; then per item its percentage (a
number; an override's value where there is one) named "<n>. <title> (%)", and for assignments and practical
assessments a status column ("to_mark", "returned", "held", "overridden" or empty); attendance_percent when
the course has sessions; total_percent, total_overridden, items_graded, items_missing.
"""
from __future__ import annotations

import re
from operator import attrgetter

from lms.core import clock
from lms.gradebook.queries import Gradebook, GradeRow
from lms.reports.columns import Column

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def _value(index: int):
    return lambda row: row.cells[index].value


def _status(index: int):
    def status(row: GradeRow) -> str:
        cell = row.cells[index]
        if cell.override is not None:
            return "overridden"
        return cell.status or ""
    return status


def columns(book: Gradebook) -> tuple[Column, ...]:
    """The export's columns for this gradebook (they follow its items)."""
    cols = [Column("trainee_name", "text", attrgetter("name"), 28), Column("trainee_email", "text", attrgetter("email"), 30),
            Column("institution", "text", attrgetter("institution"), 30), Column("run", "text", attrgetter("run_code"), 10),
            Column("enrolment_status", "text", attrgetter("status"), 12)]
    for index, col in enumerate(book.columns):
        if col.kind == "attendance":
            cols.append(Column("attendance_percent", "number", _value(index), 12, digits=1))
            continue
        cols.append(Column(f"{index + 1}. {col.title} (%)", "number", _value(index), 14, digits=1))
        if col.kind in ("assignment", "practical"):
            cols.append(Column(f"{index + 1}. {col.title} (status)", "text", _status(index), 12))
    cols += [Column("total_percent", "number", attrgetter("total"), 12, digits=1),
             Column("total_overridden", "text", lambda r: "yes" if r.total_override is not None else "", 10),
             Column("items_graded", "int", attrgetter("graded"), 10),
             Column("items_missing", "int", attrgetter("missing"), 10)]
    return tuple(cols)


def file_name(book: Gradebook, run_code: str | None, rows: int, suffix: str) -> str:
    """The download's name: the course (and run), when, and how many rows it holds."""
    parts = ["gradebook", book.course.slug] + ([_UNSAFE.sub("-", run_code)] if run_code else [])
    # A file name's machine stamp (UTC), not a time a person reads on a page.
    return f"{'-'.join(parts)}-{clock.now().strftime('%Y%m%d-%H%M')}-{rows}-rows{suffix}"
