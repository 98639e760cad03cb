"""The writers of practical assessments: the editor's (a practical's settings, its criteria added, changed,
moved and retired), the assessor's sign-off of one trainee's checklist (a new record superseding the last, with
its results and evidence files), and the release of held-back records.

A sign-off or a release that makes a record count calls learning's `check_completion` in the same transaction,
so a practical passed can complete the course and issue its certificate; a held-back record completes nothing
until it is released. The trainee is told of a record when it is released (`notices`: a notification and a
mail), in the same transaction. Records are never overwritten or deleted here: a new assessment supersedes the last, and
a criterion a record used is retired, never deleted, so an old record still reads as it was signed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from lms.audit import services as audit
from lms.authoring import services as authoring
from lms.authoring.slugs import unique_slug
from lms.catalog.models import Course, Module
from lms.checklists import notices, queries
from lms.core import clock
from lms.core.uploads import Upload, discard, store
from lms.extensions import db
from lms.learning import figures
from lms.learning.models import Enrolment
from lms.learning.services import check_completion
from lms.practicals.models import MAX_COMMENT, MAX_CRITERIA, MAX_CRITERION_TEXT, RESULTS, Criterion, Evidence, \
    Practical, Record, Result
from lms.practicals.outcome import outcome

# What an assessor may attach to a record: photos and PDF scans, 10 MB each, at most this many at once.
EVIDENCE_KINDS = ("jpg", "png", "webp", "pdf")
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
EVIDENCE_MAX_FILES = 10
MAX_PLACE = 200
SETTINGS = ("title", "instructions", "pass_mark", "hold_marks")


class PracticalError(ValueError):
    """A refused write: `code` says which ("no_criteria", "too_many_criteria", "missing_result", "future_date",
    "text_too_long", "too_many_files")."""

    def __init__(self, code: str, **details):
        super().__init__(code)
        self.code, self.details = code, details


# The editor ---------------------------------------------------------------------------------------------
def add_practical(module: Module, course: Course, settings: dict, actor) -> Practical:
    """A new practical at the end of the module (no criteria yet: the editor adds them next)."""
    taken = set(db.session.scalars(select(Practical.slug).where(Practical.course_id == course.id)))
    practical = Practical(course_id=course.id, module_id=module.id, position=authoring.next_position(module),
                          slug=unique_slug(settings["title"], taken, "practical"))
    for key in SETTINGS:
        setattr(practical, key, settings[key])
    db.session.add(practical)
    db.session.flush()
    audit.record("practical.created", actor=actor, target=practical, slug=practical.slug)
    authoring.touched(course)
    db.session.commit()
    return practical


def update_practical(practical: Practical, course: Course, settings: dict, actor) -> None:
    """Change a practical's title, instructions, pass mark and hold setting. Records signed keep their outcome."""
    changed = {key: settings[key] for key in SETTINGS if getattr(practical, key) != settings[key]}
    for key, value in changed.items():
        setattr(practical, key, value)
    if changed:
        audit.record("practical.changed", actor=actor, target=practical, fields=sorted(changed))
        authoring.touched(course)
    db.session.commit()


def _check_text(text: str) -> str:
    text = (text or "").strip()
    if not text or len(text) > MAX_CRITERION_TEXT:
        raise PracticalError("text_too_long" if text else "no_text")
    return text


def add_criterion(practical: Practical, course: Course, text: str, critical: bool, actor) -> Criterion:
    """A new criterion at the end of the checklist."""
    text = _check_text(text)
    if len(queries.live_criteria(practical)) >= MAX_CRITERIA:
        raise PracticalError("too_many_criteria", limit=MAX_CRITERIA)
    taken = {c.slug for c in practical.criteria}
    position = max((c.position for c in practical.criteria), default=0) + 1
    criterion = Criterion(slug=unique_slug(text[:50], taken, "criterion"), position=position, text=text,
                          critical=critical)
    practical.criteria.append(criterion)
    db.session.flush()
    audit.record("practical.criterion_added", actor=actor, target=practical, criterion=criterion.slug)
    authoring.touched(course)
    db.session.commit()
    return criterion


def update_criterion(criterion: Criterion, course: Course, text: str, critical: bool, actor) -> None:
    """Change a criterion's text and whether it is critical (its slug, and its results in records, stay)."""
    criterion.text, criterion.critical = _check_text(text), critical
    audit.record("practical.criterion_changed", actor=actor, target=criterion.practical, criterion=criterion.slug)
    authoring.touched(course)
    db.session.commit()


def move_criterion(criterion: Criterion, direction: int, course: Course) -> None:
    """Move a criterion one place up (-1) or down (+1) among the live ones."""
    items = queries.live_criteria(criterion.practical)
    index = next(i for i, c in enumerate(items) if c.id == criterion.id)
    target = index + direction
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
        for position, item in enumerate(items, start=1):
            item.position = position
        authoring.touched(course)
    db.session.commit()


def retire_criterion(criterion: Criterion, course: Course, actor) -> str:
    """Take a criterion off the checklist: retired when a record used it (the record still reads as signed),
    deleted otherwise. Returns "retired" or "deleted"."""
    practical = criterion.practical
    used = criterion.id in queries.used_criterion_ids(practical)
    if used:
        criterion.retired = True
    else:
        practical.criteria.remove(criterion)
    audit.record("practical.criterion_removed", actor=actor, target=practical, criterion=criterion.slug,
                 retired=used)
    authoring.touched(course)
    db.session.commit()
    return "retired" if used else "deleted"


# The sign-off -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Assessment:
    """What an assessor signs off: {criterion id: (result, comment)} for every live criterion, the day and
    place, an overall comment, whether it was entered from the printed checklist, and the evidence files."""

    results: dict[int, tuple[str, str]]
    assessed_on: date
    place: str = ""
    comment: str = ""
    from_paper: bool = False
    files: tuple[Upload, ...] = ()


def check(practical: Practical, assessment: Assessment, today: date) -> None:
    """PracticalError if the assessment cannot be signed: a live criterion without a result (or an unknown
    result), a date after `today` (the assessor's), a comment or place too long, too many files."""
    criteria = queries.live_criteria(practical)
    if not criteria:
        raise PracticalError("no_criteria")
    for criterion in criteria:
        result, comment = assessment.results.get(criterion.id, (None, ""))
        if result not in RESULTS:
            raise PracticalError("missing_result", criterion=criterion.id)
        if len(comment or "") > MAX_COMMENT:
            raise PracticalError("text_too_long", criterion=criterion.id)
    if assessment.assessed_on > today:
        raise PracticalError("future_date")
    if len(assessment.place) > MAX_PLACE or len(assessment.comment) > MAX_COMMENT:
        raise PracticalError("text_too_long")
    if len(assessment.files) > EVIDENCE_MAX_FILES:
        raise PracticalError("too_many_files", limit=EVIDENCE_MAX_FILES)


def sign_off(practical: Practical, enrolment: Enrolment, assessment: Assessment, assessor, today: date) -> Record:
    """Sign off the enrolment's checklist: a new record (held back when the practical holds marks) superseding
    the current one, its results, its evidence files stored; audited. A record released at once that passes
    can complete the course (learning's `check_completion`), in this transaction."""
    check(practical, assessment, today)
    criteria = queries.live_criteria(practical)
    chosen = {cid: result for cid, (result, _comment) in assessment.results.items()}
    result = outcome(criteria, chosen, practical.pass_mark)
    now = clock.now()
    keys: list[str] = []
    try:
        previous = queries.current_record(practical.id, enrolment.id)
        if previous is not None:
            previous.superseded_at = now
        record = Record(practical_id=practical.id, enrolment_id=enrolment.id, user_id=enrolment.user_id,
                        assessor_id=assessor.id, assessed_on=assessment.assessed_on, place=assessment.place.strip(),
                        comment=assessment.comment.strip(), percent=result.percent, passed=result.passed,
                        from_paper=assessment.from_paper, signed_at=now,
                        released_at=None if practical.hold_marks else now)
        record.results = [Result(criterion_id=c.id, result=assessment.results[c.id][0],
                                 comment=(assessment.results[c.id][1] or "").strip()) for c in criteria]
        for upload in assessment.files:
            key = store(upload, "practicals")
            keys.append(key)
            record.evidence.append(Evidence(storage_key=key, name=upload.name, mime_type=upload.mime_type,
                                            size=upload.size, sha256=upload.sha256))
        db.session.add(record)
        db.session.flush()
        audit.record("practical.signed_off", actor=assessor, target=record, practical=practical.slug,
                     enrolment_id=enrolment.id, passed=result.passed, percent=str(result.percent),
                     held=not record.is_released, from_paper=assessment.from_paper,
                     superseded=previous.id if previous is not None else None, files=len(keys))
        # The record superseded and the new one, if released, change what counts.
        figures.refresh([enrolment.id], attempts=False)
        if record.is_released:
            notices.tell_results([record.id])
        if record.counts:
            check_completion(enrolment, db.session.get(Course, enrolment.course_id))
        db.session.commit()
    except Exception:
        db.session.rollback()
        for key in keys:  # the rows naming them were not written
            discard(key)
        raise
    return record


def release(practical: Practical, scope, actor, run_filter=None) -> int:
    """Release the practical's held-back current records (of the enrolments in `scope` and the run filter):
    the trainees see them and the passed ones count for completion, in this transaction. Audited; returns
    how many were released."""
    held = queries.held_records(practical, scope, run_filter)
    if not held:
        return 0
    now = clock.now()
    course = db.session.get(Course, practical.course_id)
    for record in held:
        record.released_at = now
    db.session.flush()
    audit.record("practical.released", actor=actor, target=practical, count=len(held),
                 run=None if run_filter in (None, "all") else str(run_filter), records=[r.id for r in held])
    notices.tell_results([r.id for r in held])
    figures.refresh(sorted({r.enrolment_id for r in held}), attempts=False)
    for record in held:
        if record.passed:
            check_completion(db.session.get(Enrolment, record.enrolment_id), course)
    db.session.commit()
    return len(held)


def evidence_downloaded(evidence: Evidence, actor) -> None:
    """Note in the audit log that someone downloaded an evidence file (personal data leaving the platform)."""
    audit.record("export.practical_evidence", actor=actor, target=evidence.record, evidence_id=evidence.id)
    db.session.commit()

