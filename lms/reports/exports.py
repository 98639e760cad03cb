"""CSV and XLSX writers for the report exports, with their stable column names.

CSV: UTF-8, a header row, ISO 8601 dates (YYYY-MM-DD) and timestamps with the viewer's offset
(YYYY-MM-DDTHH:MM:SS+03:00; YYYY-MM-DDTHH:MM:SSZ for a viewer in UTC); the date of an instant
(enrolled_on, completed_on) is its date in the viewer's zone, a due date the date as it was set,
"." as the decimal separator, and text cells that a spreadsheet would take for a formula (starting
with =, +, -, @, a tab or a carriage return) prefixed with an apostrophe. Rows are produced as a
generator so a response can stream them without holding them in memory. The function that writes a
column's cells is chosen once per column (by its kind), not once per cell; a big export hands its
rows over as `Batches` of plain tuples so that no object is built per row.

CSV for Excel: the same file with UTF-8's byte-order mark in front. Excel opens a CSV without one in
the computer's legacy code page and garbles Cyrillic, Georgian and Armenian names; with it, it reads
UTF-8. The plain CSV keeps no mark, for the scripts and tools that would take it for text.

XLSX: written by XlsxWriter in constant-memory mode to a temporary file; numbers as numbers, dates
as dates, times as the viewer's wall-clock time (the zone is named in a note on their header cell), the header row frozen, an autofilter and column widths. Text is always written as
text (never as a formula).

The column names are part of the platform's interface (documented in the README): add columns at
the end, never rename or reorder them.

The downloads themselves (what each export holds, how it is sent or written by a background job) are
`lms.reports.downloads`.
"""
from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from operator import call

from lms.core import when
from lms.reports.columns import (  # noqa: F401
    COMPLETION_COLUMNS, ENROLMENT_COLUMNS, EXPIRING_COLUMNS, RUN_COLUMNS, Column,
)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff".encode("utf-8")  # EF BB BF: how Excel tells a UTF-8 CSV from one in the legacy code page


def neutralise(text: str) -> str:
    """A text cell made safe from formula injection: an apostrophe before a formula-like start."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _text_cell(value) -> str:
    # `neutralise`, inlined: this runs for most cells of an export.
    if value is None:
        return ""
    text = value if value.__class__ is str else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _int_cell(value) -> str:
    return "" if value is None else str(int(value))


def _stored_moment(text: str) -> str:
    """YYYY-MM-DDTHH:MM:SS (UTC) of a timestamp as SQLite stores it: UTC text, YYYY-MM-DD HH:MM:SS.ffffff."""
    if len(text) >= 19 and text[10] in " T" and text[19:20] in ("", "."):
        return text[:10] + "T" + text[11:19]
    moment = datetime.fromisoformat(text)
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.isoformat(timespec="seconds")[:19]


def _date_cell(value) -> str:
    """A date, or the day (UTC) of a timestamp (a datetime, or SQLite's text of one)."""
    if value is None:
        return ""
    if value.__class__ is str:
        return _stored_moment(value)[:10]
    if isinstance(value, datetime):
        value = value.astimezone(UTC).date()
    return value.isoformat()


def _datetime_cell(value) -> str:
    """YYYY-MM-DDTHH:MM:SSZ in UTC, the seconds' fraction dropped, from a datetime or SQLite's text of one."""
    if value is None:
        return ""
    if value.__class__ is str:
        return _stored_moment(value) + "Z"
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    # %-formatting of the fields: the same text as isoformat() without the fraction, in half the time.
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (value.year, value.month, value.day, value.hour, value.minute,
                                               value.second)


def half_up(value, digits: int) -> float:
    """`value` rounded half up (4.25 -> 4.3) to `digits` decimals, from its shortest decimal form."""
    return float(Decimal(str(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


_NUMBER_CACHE = 4096


def _number_cell(digits: int | None) -> Callable[[object], str]:
    # Scores take few distinct values: each is rounded once per export, then looked up (bounded, so an
    # export of any size keeps a flat memory).
    cache: dict = {}

    def cell(value) -> str:
        if value is None:
            return ""
        text = cache.get(value)
        if text is None:
            number = float(value) if digits is None else half_up(value, digits)
            text = repr(round(number, 2))
            if len(cache) >= _NUMBER_CACHE:
                cache.clear()
            cache[value] = text
        return text

    return cell


def _utc_text(value) -> str:
    """YYYY-MM-DDTHH:MM:SS (UTC) of a stored instant: an aware datetime, or SQLite's UTC text of one."""
    if value.__class__ is str:
        if len(value) >= 19 and value[10] == " " and value[19:20] in ("", "."):
            return value[:10] + "T" + value[11:19]
        return _stored_moment(value)
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return "%04d-%02d-%02dT%02d:%02d:%02d" % (value.year, value.month, value.day, value.hour, value.minute,
                                             value.second)


class LocalTimes:
    """Instants as wall-clock time in a zone, for the cells of one export.

    The zone is asked once per UTC day: when its offset is whole hours and the same all that day (every
    day but two a year in zones with summer time), an instant's local text is its own minutes and seconds
    after its hour moved by the offset, with no conversion per cell; on the other days each instant is
    converted on its own. The memory is one small entry per day the data spans."""

    def __init__(self, zone: tzinfo):
        self.zone = zone
        self.days: dict[str, tuple | None] = {}  # by the UTC date, "YYYY-MM-DD"

    def day_entry(self, key: str) -> tuple | None:
        """(offset in hours, offset text, the day before, the day, the day after) of the UTC date `key`, or
        None when that day's instants are converted one by one."""
        found = self.days.get(key, False)
        if found is False:
            day = date.fromisoformat(key)
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            first = start.astimezone(self.zone).utcoffset()
            last = (start + timedelta(hours=23, minutes=59, seconds=59)).astimezone(self.zone).utcoffset()
            found = None
            if first == last and first.total_seconds() % 3600 == 0 and day not in (date.min, date.max):
                found = (int(first.total_seconds()) // 3600, _offset_text(first),
                         (day - timedelta(days=1)).isoformat(), key, (day + timedelta(days=1)).isoformat())
            if len(self.days) >= 16384:
                self.days.clear()
            self.days[key] = found
        return found

    def text(self, value) -> str:
        """ISO 8601 with the zone's offset, to the second: 2027-03-29T00:30:00+03:00."""
        utc = _utc_text(value)
        found = self.day_entry(utc[:10])
        if found is not None:
            hour = int(utc[11:13]) + found[0]
            on = found[3] if 0 <= hour < 24 else (found[2] if hour < 0 else found[4])
            return on + _HOURS[hour % 24] + utc[13:19] + found[1]
        moment = datetime.fromisoformat(utc).replace(tzinfo=UTC).astimezone(self.zone)
        return "%04d-%02d-%02dT%02d:%02d:%02d" % (moment.year, moment.month, moment.day, moment.hour, moment.minute,
                                                  moment.second) + _offset_text(moment.utcoffset())

    def day(self, value) -> str:
        """The instant's date in the zone, YYYY-MM-DD."""
        return self.text(value)[:10]

    def local(self, value) -> datetime:
        """The instant as naive wall-clock time in the zone (for a spreadsheet's cells)."""
        return datetime.fromisoformat(self.text(value)[:19])


_HOURS = tuple("T%02d" % h for h in range(24))


def _offset_text(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return "%s%02d:%02d" % (sign, abs(minutes) // 60, abs(minutes) % 60)


def _local_cell(times: LocalTimes, day: bool) -> Callable[[object], str]:
    """The cell of an instant in the zone: its date (`day`) or ISO 8601 with the offset. `LocalTimes.text`
    inlined for SQLite's text: an export of every enrolment writes three such cells a row."""
    days, entry, slow, hours = times.days, times.day_entry, times.text, _HOURS
    end = 10 if day else None

    def cell(value) -> str:
        if value is None:
            return ""
        if value.__class__ is str and len(value) >= 19 and value[10] == " " and value[19:20] in ("", "."):
            found = days.get(value[:10], False)
            if found is False:
                found = entry(value[:10])
            if found is not None:
                hour = int(value[11:13]) + found[0]
                on = found[3] if 0 <= hour < 24 else (found[2] if hour < 0 else found[4])
                return on if day else on + hours[hour % 24] + value[13:19] + found[1]
        return slow(value)[:end]

    return cell


_CELLS = {"text": _text_cell, "int": _int_cell, "date": _date_cell, "day": _date_cell, "datetime": _datetime_cell}


def csv_cell(column: Column, zone: tzinfo = UTC, times: LocalTimes | None = None) -> Callable[[object], str]:
    """The function giving the CSV form of a value of this column (None is an empty cell); instants are
    written in `zone` (UTC: the fast path, "Z")."""
    if column.kind == "number":
        return _number_cell(column.digits)
    if column.kind in ("day", "datetime") and getattr(zone, "key", "UTC") != "UTC" and zone is not UTC:
        times = times or LocalTimes(zone)
        return _local_cell(times, day=column.kind == "day")
    try:
        return _CELLS[column.kind]
    except KeyError:
        raise ValueError(column.kind) from None


def csv_value(column: Column, value, zone: tzinfo = UTC) -> str:
    """The CSV form of a cell."""
    return csv_cell(column, zone)(value)


@dataclass(frozen=True)
class Batches:
    """Rows already in the columns' order (tuples, or database rows), in batches: `csv_stream` writes
    them straight from the cursor's batches, without a getter call per cell."""

    batches: Iterable[Sequence[Sequence]]


def _chunks(rows: Iterable, size: int) -> Iterator[list]:
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def csv_stream(columns: tuple[Column, ...], rows: Iterable | Batches, flush_every: int = 200,
               bom: bool = False, zone: tzinfo = UTC) -> Iterator[bytes]:
    """The CSV file as UTF-8 chunks: the header at once, then rows in small batches.

    `rows`: objects read through the columns' getters, or `Batches` of tuples in the columns' order
    (one chunk per batch). `bom`: start with the byte-order mark (the CSV for Excel). `zone`: the viewer's,
    in which instants are written."""
    times = LocalTimes(zone)
    cells = [csv_cell(c, zone, times) for c in columns]
    if isinstance(rows, Batches):
        batches = ((map(call, cells, row) for row in batch) for batch in rows.batches)
    else:
        getters = [c.get for c in columns]
        batches = (([cell(get(row)) for cell, get in zip(cells, getters)] for row in chunk)
                   for chunk in _chunks(rows, flush_every))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.name for c in columns])
    yield (BOM if bom else b"") + buffer.getvalue().encode("utf-8")
    for batch in batches:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(batch)
        yield buffer.getvalue().encode("utf-8")


def write_xlsx(columns: tuple[Column, ...], rows: Iterable, sheet: str, zone: tzinfo = UTC,
               ) -> tuple[tempfile.SpooledTemporaryFile, int]:
    """Write the rows to an XLSX workbook in a temporary file; returns the file (at its start) and the row count.

    Instants are written as wall-clock times (and their days as dates) in `zone`, the viewer's, which a note
    on each such header cell names (a spreadsheet's dates have no zone)."""
    times = LocalTimes(zone)
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
    note = when.zone_label(zone) if hasattr(zone, "key") else when.zone_name(zone)
    for index, column in enumerate(columns):
        worksheet.write_string(0, index, column.name, formats["header"])
        if column.kind in ("day", "datetime"):
            worksheet.write_comment(0, index, f"{column.name}: {note}")
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
            elif column.kind == "day":
                day = times.local(value)
                worksheet.write_datetime(count, index, datetime(day.year, day.month, day.day), formats["date"])
            else:
                worksheet.write_datetime(count, index, times.local(value), formats["datetime"])
    worksheet.autofilter(0, 0, max(count, 1), len(columns) - 1)
    workbook.close()
    output.seek(0)
    return output, count
