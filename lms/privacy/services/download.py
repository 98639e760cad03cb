"""Downloading one's data: everything held about a person as JSON or as a zip of CSV files, with the
training record and the files (evidence, assignments, feedback) the rows name; audited as "export.personal_data"."""
from __future__ import annotations

from dataclasses import dataclass

from lms.audit import services as audit
from lms.auth.models import User
from lms.core import clock, uploads
from lms.core.storage import StorageNotFound
from lms.core.when import person_zone
from lms.extensions import db
from lms.privacy import assignments as assignment_privacy
from lms.privacy import formats, queries
from lms.privacy import marks as assessed_marks
from lms.privacy import practicals as practical_data
from lms.privacy.services.common import PrivacyError, log
from lms.recorded.evidence import stream as evidence_stream
from lms.reports.record_files import training_record_file

FORMATS = ("json", "csv")


@dataclass
class Download:
    """A file to hand to the browser or write to disk."""

    filename: str
    mimetype: str
    content: bytes


def export_personal_data(user: User, fmt: str, actor: User | None = None) -> Download:
    """Everything held about `user` as JSON or a zip of CSV files; audited as "export.personal_data".

    The zip holds the training record as a PDF too (`training-record.pdf`, dates in the person's zone), the
    document they would show, and the evidence files of their recorded completions (`evidence/...`); the
    JSON points to them. `actor` is who asked (the user themselves on the
    profile page; None for the command line).
    """
    if fmt not in FORMATS:
        raise PrivacyError("format")
    now = clock.now()
    data = queries.personal_data(user)
    meta = {"document": "personal data held by the IBM training platform", "generated_at": now,
            "user_id": user.id, "kinds": list(data),
            "training_record": "training-record.pdf in the CSV (zip) download; also under My learning",
            "evidence_files": "the evidence of recorded completions: the files named evidence_file in the CSV "
                              "(zip) download; the evidence of practical assessments under practical-evidence/",
            "assignment_files": "the files handed in with assignments: the files named in assignment_files in the "
                                "CSV (zip) download",
            "feedback_files": "the feedback files of marks of your work: the files named feedback_file in the CSV "
                              "(zip) download"}
    stamp = now.strftime("%Y%m%d")  # a file name's machine stamp, not a date a person reads
    if fmt == "json":
        download = Download(f"personal-data-{user.id}-{stamp}.json", "application/json", formats.to_json(data, meta))
    else:
        record = training_record_file(user, "pdf", now, person_zone(user))
        documents = {"training-record.pdf": record.content, **_evidence_documents(user.id),
                     **assessed_marks.feedback_documents(user.id, log),
                     **practical_data.evidence_documents(user.id, log)}
        download = Download(f"personal-data-{user.id}-{stamp}.zip", "application/zip",
                            formats.to_csv_zip(data, meta, documents))
    audit.record("export.personal_data", actor=actor, target=user, institution_id=user.institution_id,
                 format=fmt, records=sum(len(rows) for rows in data.values()))
    db.session.commit()
    return download


def _evidence_documents(user_id: int) -> dict[str, bytes]:
    """The evidence files of the person's recorded completions and the files of their assignments, by their path
    in the zip (a file missing from the storage is left out: its row still names it)."""
    documents = {}
    for name, key, stream in [*((n, k, evidence_stream) for n, k in queries.evidence_files(user_id)),
                              *((n, k, uploads.stream) for n, k in assignment_privacy.personal_files(user_id))]:
        try:
            documents[name] = b"".join(stream(key))
        except StorageNotFound:
            log.warning("evidence file %s of user %s is missing from the storage", key, user_id)
    return documents
