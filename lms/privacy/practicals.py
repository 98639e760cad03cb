"""Practical assessments' personal data: the trainee's records (outcome, each criterion's result and comment,
date and place, assessor) and evidence files in the personal-data download; what anonymisation and retention
do to them.

- The download holds the released records only: a held-back record is an assessment not yet given to the
  trainee (as marks before their release); it is in the download once released.
- Anonymisation deletes the evidence files (photos of the person, scans naming them) and clears the comments
  on the person's records (the overall one and each criterion's: free text about their performance). The
  outcome, the share met, each criterion's result, the date, the place and the assessor stay: they are the
  figures the course's completion and the reports are made of.
- Retention follows the quiz attempts' (LMS_ANSWER_RETENTION_DAYS): records signed longer ago lose their
  comments and evidence files in the same way; outcome and results stay.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select, update

from lms.auth.models import User
from lms.catalog.models import Course
from lms.core.storage import StorageNotFound
from lms.core.uploads import stream
from lms.extensions import db
from lms.practicals.models import Criterion, Evidence, Practical, Record, Result

KINDS = ("practical_records", "practical_results", "practical_evidence")
EVIDENCE_FOLDER = "practical-evidence"
CLEARED = "[removed]"


def evidence_path(evidence: Evidence) -> str:
    """Where an evidence file goes in the zip of a personal-data download."""
    return f"{EVIDENCE_FOLDER}/{evidence.record_id}-{evidence.id}-{evidence.name}"


def _released(user_id: int):
    return and_(Record.user_id == user_id, Record.is_released)


def personal_rows(user_id: int) -> dict[str, list[dict]]:
    """The person's released records, their results and their evidence files, by kind (three statements)."""
    data: dict[str, list[dict]] = {kind: [] for kind in KINDS}
    rows = db.session.execute(
        select(Record, Practical.slug, Practical.title, Course.slug, User.name)
        .join(Practical, Practical.id == Record.practical_id).join(Course, Course.id == Practical.course_id)
        .outerjoin(User, User.id == Record.assessor_id).where(_released(user_id)).order_by(Record.id)).all()
    for record, practical_slug, practical_title, course_slug, assessor in rows:
        data["practical_records"].append({
            "id": record.id, "enrolment_id": record.enrolment_id, "course_slug": course_slug,
            "practical_slug": practical_slug, "practical_title": practical_title, "assessed_on": record.assessed_on,
            "place": record.place, "comment": record.comment, "percent": record.percent, "passed": record.passed,
            "from_paper": record.from_paper, "assessor": assessor, "signed_at": record.signed_at,
            "released_at": record.released_at, "superseded_at": record.superseded_at})
    for result, text, critical in db.session.execute(
            select(Result, Criterion.text, Criterion.critical).join(Criterion, Criterion.id == Result.criterion_id)
            .join(Record, Record.id == Result.record_id).where(_released(user_id))
            .order_by(Result.record_id, Criterion.position)):
        data["practical_results"].append({"record_id": result.record_id, "criterion": text, "critical": critical,
                                          "result": result.result, "comment": result.comment})
    for evidence in db.session.scalars(select(Evidence).join(Record, Record.id == Evidence.record_id)
                                       .where(_released(user_id)).order_by(Evidence.id)):
        data["practical_evidence"].append({"record_id": evidence.record_id, "name": evidence.name,
                                           "type": evidence.mime_type, "size": evidence.size,
                                           "sha256": evidence.sha256, "file": evidence_path(evidence),
                                           "uploaded_at": evidence.uploaded_at})
    return data


def evidence_documents(user_id: int, log) -> dict[str, bytes]:
    """The evidence files of the person's released records, by their path in the zip (a file missing from the
    storage is left out and logged)."""
    documents = {}
    for evidence in db.session.scalars(select(Evidence).join(Record, Record.id == Evidence.record_id)
                                       .where(_released(user_id)).order_by(Evidence.id)):
        try:
            documents[evidence_path(evidence)] = b"".join(stream(evidence.storage_key))
        except StorageNotFound:
            log.warning("practical evidence %s of user %s is missing from the storage", evidence.id, user_id)
    return documents


def _clear(condition) -> list[str]:
    """Clear the comments of the records matching `condition` and delete their evidence rows; returns the
    storage keys to discard once the transaction commits."""
    records = select(Record.id).where(condition)
    keys = list(db.session.scalars(select(Evidence.storage_key).where(Evidence.record_id.in_(records))))
    db.session.execute(update(Record).where(condition, Record.comment != "").values(comment=CLEARED)
                       .execution_options(synchronize_session=False))
    db.session.execute(update(Result).where(Result.record_id.in_(records), Result.comment != "")
                       .values(comment=CLEARED).execution_options(synchronize_session=False))
    for evidence in db.session.scalars(select(Evidence).where(Evidence.record_id.in_(records))):
        db.session.delete(evidence)
    return keys


def anonymise(user_id: int) -> list[str]:
    """Anonymisation's part: the person's records lose their comments and evidence; returns the storage keys to
    discard after the commit."""
    return _clear(Record.user_id == user_id)


def expired_condition(before: datetime):
    """SQL condition on `Record`: signed before `before` and still holding comments or evidence."""
    return and_(Record.signed_at < before,
                or_(Record.comment != "", Record.id.in_(select(Evidence.record_id)),
                    Record.id.in_(select(Result.record_id).where(Result.comment.not_in(("", CLEARED))))),
                Record.comment != CLEARED)


def prune(before: datetime, dry_run: bool) -> tuple[int, list[str]]:
    """Retention's part: (how many records signed before `before` lose their comments and evidence, the
    storage keys to discard after the commit)."""
    ids = list(db.session.scalars(select(Record.id).where(expired_condition(before))))
    if dry_run or not ids:
        return len(ids), []
    return len(ids), _clear(Record.id.in_(ids))

