"""The two shapes of a personal-data download: one JSON document, or a zip of CSV files (one per kind).

Both carry the same rows (see `lms.privacy.queries.personal_data`). Times are ISO 8601 in UTC,
decimals keep their exact digits. CSV cells that a spreadsheet would run as a formula (starting
with =, +, -, @) are prefixed with an apostrophe, so opening the file never executes anything.
"""
from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date, datetime
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _plain(value):
    """A JSON-ready form of a value (times as ISO text, decimals as exact text)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def to_json(data: dict[str, list[dict]], meta: dict) -> bytes:
    """One JSON document: `meta` (what, when, whose) and the records by kind."""
    document = {**meta, "records": data}
    return json.dumps(document, default=_plain, ensure_ascii=False, indent=2).encode("utf-8")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, default=_plain, ensure_ascii=False)
    if isinstance(value, datetime | date | Decimal):
        return _plain(value)
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def to_csv(rows: list[dict]) -> str:
    """Rows as CSV text with a header line (empty text when there are no rows)."""
    if not rows:
        return ""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    columns = list(rows[0])
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return out.getvalue()


def to_csv_zip(data: dict[str, list[dict]], meta: dict, documents: dict[str, bytes] | None = None) -> bytes:
    """A zip with one CSV file per kind (UTF-8 with a byte-order mark, so spreadsheets read Cyrillic right),
    and `documents` (file name -> bytes: the training record as PDF) beside them."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        lines = [f"{key}: {_cell(value)}" for key, value in meta.items()]
        lines += ["", "files (one per kind of record; a file without lines means no records of that kind):"]
        for kind, rows in data.items():
            archive.writestr(f"{kind}.csv", "\ufeff" + to_csv(rows) if rows else "")
            lines.append(f"  {kind}.csv: {len(rows)} record(s)")
        for name, content in (documents or {}).items():
            archive.writestr(name, content)
            lines.append(f"  {name}")
        archive.writestr("README.txt", "\n".join(lines) + "\n")
    return buffer.getvalue()
