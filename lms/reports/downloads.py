"""The report downloads: what each export holds (`Export`), and the two ways it leaves, both through the one
writer of its rows (`lms.reports.exports`: `csv_stream`, `write_xlsx`):

- `send`: at once, in the request: a CSV streamed through a database session of its own, an XLSX from its
  temporary file. Its file name ends with the number of rows it holds, known before the first row is
  sent (`enrolments-20261206-1300-1234-rows.csv`): a file cut on its way (a worker's timeout, a dropped
  connection) is recognisable by counting its lines, and the CSV itself stays plain data a spreadsheet
  reads (no trailer line that would pass for a row).
- `write`: into a temporary file, for a background export job (`lms.reports.tasks`), the same bytes as
  `send` would stream, reporting its progress every `PROGRESS_EVERY` rows.

Every export is audited with its format and row count (`services.record_export`).
"""
from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from typing import BinaryIO

from flask import Response, current_app, send_file
from sqlalchemy.orm import Session

from lms.core import clock
from lms.extensions import db
from lms.reports import queries, services
from lms.reports.columns import COMPLETION_COLUMNS, ENROLMENT_COLUMNS, EXPIRING_COLUMNS, RUN_COLUMNS, Column
from lms.reports.exports import Batches, csv_stream, write_xlsx
from lms.reports.filters import ExpiringFilters, ReportFilters

#: How often (in rows) a background export writes how far it is.
PROGRESS_EVERY = 2000


@dataclass(frozen=True)
class Format:
    """A download format, named in the URL (`export.<name>`) and in the audit log.

    `content_type` is sent as it is, charset included (Flask would add a second charset to a text/ mimetype);
    `suffix` ends the file's name; `bom`: a CSV that starts with UTF-8's byte-order mark."""

    kind: str  # "csv" or "xlsx": the writer
    content_type: str
    suffix: str
    bom: bool = False


FORMATS = {
    "csv": Format("csv", "text/csv; charset=utf-8", ".csv"),
    "csv-excel": Format("csv", "text/csv; charset=utf-8", "-excel.csv", bom=True),
    "xlsx": Format("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
}


@dataclass(frozen=True)
class Export:
    """One export: what is audited (action, filters, institution), its columns, where its rows come from, how
    many there are, and the names of its file and sheet.

    `rows(session)` gives the rows, read through `session` (a CSV is written after the request's session is
    gone); `count()` is the number of rows, one COUNT in SQL (or the length of a small grouped report).
    `in_request`: the rows are a small report read through the request's own session, before a response
    starts."""

    action: str
    filters: ReportFilters | ExpiringFilters
    columns: tuple[Column, ...]
    rows: Callable[[Session], Iterable | Batches]
    count: Callable[[], int]
    name: str
    sheet: str
    institution_id: int | None = None
    in_request: bool = False
    zone: tzinfo = field(default=UTC, compare=False)


def completion(scope, filters: ReportFilters) -> Export:
    """The completion report within `scope` (the viewer's `lms.access.report_scope`), totals in the last row."""
    def rows(_session):
        report = queries.completion_report(scope, filters)
        report.totals.institution_name = "TOTAL"
        return [*report.rows, report.totals]

    return Export("export.completion_report", filters, COMPLETION_COLUMNS, rows,
                  lambda: queries.count_completion_rows(scope, filters) + 1, f"completion-{_stamp()}", "Completion",
                  in_request=True, zone=filters.zone)


def drilldown(scope, institution, course, filters: ReportFilters) -> Export:
    """The trainees of one institution in one course (`filters` name them both) within `scope`, as the
    drill-down lists them."""
    now = clock.now()
    return Export(
        "export.drilldown", filters, ENROLMENT_COLUMNS,
        lambda session: queries.stream_enrolments(scope, filters, now, session=session),
        lambda: queries.count_enrolments(scope, filters, now),
        f"trainees-{institution.code}-{course.slug}-{_stamp()}", "Trainees", institution_id=institution.id,
        zone=filters.zone)


def enrolments(scope, filters: ReportFilters, fmt: str) -> Export:
    """Every current enrolment within `scope` (the admin's full export), by institution."""
    now = clock.now()

    def rows(session):
        if FORMATS[fmt].kind == "csv":  # the biggest export: plain rows from the cursor, written cell by cell
            return Batches(queries.enrolment_export_batches(scope, filters, now, sort="institution",
                                                            session=session))
        return queries.stream_enrolments(scope, filters, now, sort="institution", session=session)

    return Export("export.enrolments", filters, ENROLMENT_COLUMNS, rows,
                  lambda: queries.count_export_enrolments(scope, filters), f"enrolments-{_stamp()}", "Enrolments",
                  zone=filters.zone)


def runs(scope, filters: ReportFilters) -> Export:
    """The per-run view within `scope`: one row per course run (at most `queries.run_report`'s limit)."""
    fetched: list = []

    def rows(_session):
        if not fetched:
            fetched.append(queries.run_report(scope, filters))  # one grouped statement, read once
        return fetched[0]

    return Export("export.run_report", filters, RUN_COLUMNS, rows, lambda: len(rows(None)), f"runs-{_stamp()}",
                  "Runs", in_request=True, zone=filters.zone)


def expiring(scope, filters: ExpiringFilters, zone, sort: str = "expires", descending: bool = False) -> Export:
    """The expiring certificates page's rows within `scope`, in its order; dates in `zone` (the viewer's), the
    expiry's moment in ISO 8601 with its offset."""
    now = clock.now()
    return Export(
        "export.expiring_certificates", filters.replace(zone=zone), EXPIRING_COLUMNS,
        lambda session: queries.stream_expiring(scope, filters, zone, now, sort, descending, session=session),
        lambda: queries.count_expiring(scope, filters, now),
        f"expiring-certificates-{_stamp()}", "Expiring certificates", zone=zone)


def file_name(export: Export, fmt: str, rows: int) -> str:
    """The download's name: what it holds, when it was made, and how many rows it has."""
    return f"{export.name}-{rows}-rows{FORMATS[fmt].suffix}"


def send(export: Export, viewer, fmt: str, count: int | None = None) -> Response:
    """Audit the export, then stream it as CSV or send it as XLSX (`fmt`, one of FORMATS). `count`: its rows,
    when the caller has counted them already."""
    form = FORMATS[fmt]
    rows = export.rows
    if export.in_request:
        fetched = list(rows(db.session))
        rows, count = (lambda _session: fetched), len(fetched)
    if form.kind == "csv":
        count = export.count() if count is None else count
        services.record_export(viewer, export.action, fmt, export.filters, count,
                               institution_id=export.institution_id)
        body = _streamed(db.engine, export.columns, rows, form.bom, export.zone)
        response = current_app.response_class(body, content_type=form.content_type)
        response.headers["Content-Disposition"] = f'attachment; filename="{file_name(export, fmt, count)}"'
        response.headers["X-Accel-Buffering"] = "no"  # a proxy passes rows on as they come
        return response
    output, written = write_xlsx(export.columns, rows(db.session), export.sheet, export.zone)
    services.record_export(viewer, export.action, fmt, export.filters, written, institution_id=export.institution_id)
    return send_file(output, mimetype=form.content_type, as_attachment=True,
                     download_name=file_name(export, fmt, written))


def write(export: Export, fmt: str, progress: Callable[[int], None] | None = None,
          every: int = PROGRESS_EVERY) -> tuple[BinaryIO, int]:
    """Write the export into a temporary file, as `send` would send it (the same writer, the same bytes);
    returns the file (at its start) and its row count. `progress(rows)` is called every `every` rows."""
    form = FORMATS[fmt]
    counter = _Counter(progress, every)
    if form.kind == "csv":
        output = tempfile.TemporaryFile()
        for chunk in _streamed(db.engine, export.columns, lambda session: counter.rows(export.rows(session)),
                               form.bom, export.zone):
            output.write(chunk)
        output.seek(0)
        return output, counter.count
    spooled, written = write_xlsx(export.columns, counter.rows(export.rows(db.session)), export.sheet, export.zone)
    return spooled, written


class _Counter:
    """Counts the rows as the writer takes them, and calls `progress` every `every` rows."""

    def __init__(self, progress: Callable[[int], None] | None, every: int):
        self.progress, self.every = progress, max(1, every)
        self.count, self.next = 0, self.every

    def rows(self, rows: Iterable | Batches) -> Iterable | Batches:
        """The same rows (or batches), counted as they are taken."""
        if isinstance(rows, Batches):
            return Batches(self._batches(rows.batches))
        return self._each(rows)

    def _batches(self, batches):
        for batch in batches:
            yield batch
            self._add(len(batch))

    def _each(self, rows):
        for row in rows:
            yield row
            self._add(1)

    def _add(self, n: int) -> None:
        self.count += n
        if self.count >= self.next:
            self.next = (self.count // self.every + 1) * self.every
            if self.progress is not None:
                self.progress(self.count)


def _streamed(engine, columns, rows, bom: bool = False, zone: tzinfo = UTC):
    """The CSV body, produced while the response is sent. It reads through its own database session
    (the request's is gone by then, and a generator must not hold Flask's context across yields),
    with a server-side cursor, so memory does not grow with the number of rows. The scope in the
    statement is plain SQL of the viewer's rights, made during the request: nothing of the request's
    session is needed here."""
    with Session(engine) as session:
        yield from csv_stream(columns, rows(session), bom=bom, zone=zone)


def _stamp() -> str:
    # A file name's machine stamp (UTC), not a time a person reads on a page.
    return clock.now().strftime("%Y%m%d-%H%M")
