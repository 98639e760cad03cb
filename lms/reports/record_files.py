"""The training record as a file to download (PDF or CSV), and the audit record of each download.

Each download is audited as "export.training_record" (who downloaded whose record, in which format), so
that it is listed with the other exports of personal data.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from lms.audit import services as audit
from lms.extensions import db
from lms.reports.record import record_csv, training_record
from lms.reports.record_pdf import render_record_pdf

RECORD_FORMATS = ("pdf", "csv")


@dataclass
class RecordFile:
    """A training record to hand to the browser or put in a zip."""

    filename: str
    mimetype: str
    content: bytes


def training_record_file(person, fmt: str, now: datetime, where: ZoneInfo) -> RecordFile:
    """`person`'s training record as a PDF or CSV file, dates in the zone `where` (the reader's)."""
    if fmt not in RECORD_FORMATS:
        raise ValueError(fmt)
    record = training_record(person, now)
    stamp = now.astimezone(where).strftime("%Y%m%d")  # a file name, not a text a person reads
    if fmt == "pdf":
        institution = person.institution.name if person.institution else None
        return RecordFile(f"training-record-{person.id}-{stamp}.pdf", "application/pdf",
                          render_record_pdf(record, now, where, institution))
    return RecordFile(f"training-record-{person.id}-{stamp}.csv", "text/csv; charset=utf-8",
                      record_csv(record, now, where).encode("utf-8"))


def download_training_record(person, fmt: str, actor, now: datetime, where: ZoneInfo) -> RecordFile:
    """The record file, audited as "export.training_record"."""
    file = training_record_file(person, fmt, now, where)
    audit.record("export.training_record", actor=actor, target=person, institution_id=person.institution_id,
                 format=fmt)
    db.session.commit()
    return file
