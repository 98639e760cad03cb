"""Writes of the privacy feature: acknowledging the notice, downloading one's data, anonymising a
departed officer, and applying the retention settings.

Anonymisation keeps every row that figures are made of (enrolments, completions, attempts with
their scores, certificates with their codes and validity) and replaces what names the person: the
account's name and email, free text they wrote or that was written about them, the name on their
certificates, and personal details in the audit log. Sign-in is disabled for good.
"""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Text, cast, delete, func, null, or_, select, update
from sqlalchemy.orm.attributes import flag_modified

from lms.announcements.models import Announcement
from lms.assignments.models import Mark
from lms.api.models import ApiToken
from lms.assignments.models import Extension, Submission
from lms.attendance.models import SessionSignUp
from lms.audit import services as audit
from lms.audit.models import AuditEvent
from lms.auth.models import PasswordLink, SignInSession, User
from lms.calendar.models import CalendarFeed
from lms.mail.models import MailAttachment, MailPreference, Notification, OutboxMessage
from lms.core import clock, uploads
from lms.core.storage import StorageNotFound
from lms.core.when import person_zone
from lms.extensions import db
from lms.gradebook.models import Override
from lms.learning.models import Certificate, Enrolment, Feedback
from lms.mfa.models import RecoveryCode, SecondFactor
from lms.privacy import assignments as assignment_privacy
from lms.privacy import formats, queries
from lms.privacy import marks as assessed_marks
from lms.quizzes.models import AttemptAnswer, LateAnswers, QuizAttempt
from lms.recorded.evidence import discard as discard_evidence
from lms.recorded.evidence import stream as evidence_stream
from lms.recorded.models import RecordedCompletion
from lms.reports.models import ExportJob
from lms.reports.queries.jobs import export_jobs_to_prune
from lms.reports.record_files import training_record_file
from lms.reports.services import discard_export_files, prune_export_jobs, remove_export_jobs_of
from lms.privacy import practicals as practical_data
from lms.privacy import late_answers as late_data

log = logging.getLogger("lms.privacy")

# What replaces free text that named or described an anonymised person.
PLACEHOLDER = "[anonymised]"
# Keys of audit details that hold free text or network addresses about the person concerned.
FREE_TEXT_KEYS = ("reason", "comment", "text", "note", "message", "name", "email")
ADDRESS_KEYS = ("ip", "user_agent")
FORMATS = ("json", "csv")


class PrivacyError(ValueError):
    """A refused privacy action; the message is a code the views turn into words."""


def acknowledge_notice(user: User) -> None:
    """Record that `user` has read the privacy notice (the first time only)."""
    if user.privacy_acknowledged_at is not None:
        return
    user.privacy_acknowledged_at = clock.now()
    audit.record("privacy.notice_acknowledged", actor=user, target=user, institution_id=user.institution_id)
    db.session.commit()


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


# --- anonymisation ---------------------------------------------------------------------------------

def _patterns(user: User) -> list[str]:
    """The strings that identify the person, as stored in plain text and inside JSON."""
    found = set()
    for value in (user.name, user.email):
        value = (value or "").strip()
        if len(value) >= 3:
            found |= {value, value.lower(), json.dumps(value)[1:-1], json.dumps(value.lower())[1:-1]}
    return sorted(found)


def _matcher(user: User) -> re.Pattern:
    """A case-insensitive pattern of the person's name and email (one that never matches if both are too short)."""
    values = [v for v in {(user.name or "").strip(), (user.email or "").strip()} if len(v) >= 3]
    if not values:
        return re.compile(r"(?!)")
    return re.compile("|".join(re.escape(v) for v in sorted(values, key=len, reverse=True)), re.IGNORECASE)


def _scrub(value, matcher: re.Pattern, drop_personal: bool = False):
    """`value` (a JSON value) with the person's name and email replaced; with `drop_personal`, the free
    text and address keys of a dict replaced or removed as well."""
    if isinstance(value, str):
        return matcher.sub(PLACEHOLDER, value)
    if isinstance(value, list):
        return [_scrub(v, matcher, drop_personal) for v in value]
    if isinstance(value, dict):
        cleaned = {}
        for key, item in value.items():
            if drop_personal and key in ADDRESS_KEYS:
                continue
            if drop_personal and key in FREE_TEXT_KEYS and isinstance(item, str) and item:
                cleaned[key] = PLACEHOLDER
            else:
                cleaned[key] = _scrub(item, matcher, drop_personal)
        return cleaned
    return value


def _mentioning(column, patterns: list[str]):
    """SQL condition: the column's text (JSON included) contains one of `patterns`, in any case."""
    text = cast(column, Text)
    return or_(*[or_(text.contains(p, autoescape=True), func.lower(text).contains(p.lower(), autoescape=True))
                 for p in patterns])


# Free-text columns, anyone's, that may mention a person by name or email: scrubbed of the anonymised
# person's name and email wherever they appear.
FREE_TEXT_COLUMNS = ((Feedback, "comment"), (Certificate, "revoked_reason"), (Enrolment, "withdrawal_reason"),
                     (ApiToken, "name"), (RecordedCompletion, "reason"),
                     (AttemptAnswer, "response"), (AuditEvent, "details"), (Announcement, "title"),
                     (Announcement, "body"), (Submission, "text"), (Extension, "reason"), (Override, "reason"),
                     (LateAnswers, "answers"))


def anonymise_user(user: User, actor: User | None) -> None:
    """Anonymise a departed officer's account; figures and certificates stay valid. Audited as "user.anonymised".

    `actor` None means the command line. Whether `actor` may anonymise this account is decided by the
    caller (`lms.access.can_anonymise_user`); nobody anonymises themselves or an account twice. The
    audit record names no one: only the account's id.
    """
    if user.anonymised_at is not None:
        raise PrivacyError("already")
    if actor is not None and actor.id == user.id:
        raise PrivacyError("self")
    now = clock.now()
    patterns, matcher = _patterns(user), _matcher(user)
    records = queries.records_of(user.id)

    # Everything written by or about the person that is free text.
    if records["feedback"]:
        db.session.execute(update(Feedback).where(Feedback.id.in_(records["feedback"])).values(comment=""))
    if records["enrolments"]:
        # Why an enrolment was withdrawn is free text about the person; that it was, and when, stays.
        db.session.execute(update(Enrolment).where(Enrolment.id.in_(records["enrolments"]),
                                                   Enrolment.withdrawal_reason.is_not(None))
                           .values(withdrawal_reason=PLACEHOLDER))
    if records["certificates"]:
        db.session.execute(update(Certificate).where(Certificate.id.in_(records["certificates"]))
                           .values(holder_name=None))
        db.session.execute(update(Certificate).where(Certificate.id.in_(records["certificates"]),
                                                     Certificate.revoked_reason.is_not(None))
                           .values(revoked_reason=PLACEHOLDER))
    if records["quiz_attempts"]:
        # Typed answers of ended attempts; scores, points and pass/fail stay as graded.
        ended = select(QuizAttempt.id).where(QuizAttempt.id.in_(records["quiz_attempts"]),
                                             QuizAttempt.status != "in_progress")
        for answer in db.session.scalars(select(AttemptAnswer).where(AttemptAnswer.attempt_id.in_(ended))):
            if isinstance(answer.response, str):
                answer.response = None
    if records["api_tokens"]:
        db.session.execute(update(ApiToken).where(ApiToken.id.in_(records["api_tokens"]))
                           .values(name=PLACEHOLDER))
        db.session.execute(update(ApiToken).where(ApiToken.id.in_(records["api_tokens"]),
                                                  ApiToken.revoked_at.is_(None)).values(revoked_at=now))
    evidence_keys = []
    if records["enrolments"]:
        # A recorded completion's reason and evidence file describe the person: both go; the day and hours stay.
        mine = RecordedCompletion.enrolment_id.in_(records["enrolments"])
        evidence_keys = list(db.session.scalars(select(RecordedCompletion.evidence_key).where(
            mine, RecordedCompletion.evidence_key.is_not(None))))
        db.session.execute(update(RecordedCompletion).where(mine).values(
            reason=PLACEHOLDER, evidence_key=None, evidence_name=None, evidence_type=None, evidence_size=None))
    # Their assignments' text and files (the stored files once this commits), and their extensions' reasons.
    submission_keys = assignment_privacy.anonymise(user.id, records["enrolments"], PLACEHOLDER)
    # Marks of their work keep the assessor's judgement; the feedback written about it goes (lms.privacy.marks).
    # Marks they gave as an assessor stay, shown as given by the anonymised account.
    feedback_keys = assessed_marks.anonymise_trainee(user.id)
    if records["enrolments"]:
        # Why staff set a result by hand is free text about the person: it goes; the result stays, as a figure.
        db.session.execute(update(Override).where(Override.enrolment_id.in_(records["enrolments"]))
                           .values(reason=PLACEHOLDER))
    # Results they set by hand as course staff stay, without the name of who set them.
    db.session.execute(update(Override).where(Override.set_by_id == user.id).values(set_by_id=None))
    # Practical assessments: comments and evidence files go, outcomes and results stay (lms.privacy.practicals).
    evidence_keys += practical_data.anonymise(user.id)
    # Answers received late after an outage: the answers go, what waits is rejected (lms.privacy.late_answers).
    late_data.anonymise(user.id)
    # Announcements they posted as course staff stay for their trainees, without the name of who posted them.
    db.session.execute(update(Announcement).where(Announcement.author_id == user.id).values(author_id=None))
    db.session.execute(delete(PasswordLink).where(PasswordLink.user_id == user.id))
    # Sign-in sessions (devices and addresses): every one ends, and with it the record of it.
    db.session.execute(delete(SignInSession).where(SignInSession.user_id == user.id))
    # Second factors and recovery codes: an anonymised account never signs in again.
    db.session.execute(delete(SecondFactor).where(SecondFactor.user_id == user.id))
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    # The calendar address: the feed is gone, and its URL answers "not found" from now on.
    db.session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id))
    # Mail: the messages (with their addresses and attachments), notifications and choices go; nothing more is
    # ever mailed to the account (lms.mail.services.mailable).
    mine = select(OutboxMessage.id).where(OutboxMessage.user_id == user.id)
    db.session.execute(delete(MailAttachment).where(MailAttachment.message_id.in_(mine)))
    db.session.execute(update(OutboxMessage).where(OutboxMessage.digest_id.in_(mine)).values(digest_id=None))
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.user_id == user.id))
    db.session.execute(delete(Notification).where(Notification.user_id == user.id))
    db.session.execute(delete(MailPreference).where(MailPreference.user_id == user.id))
    user.unread_notifications = 0
    # Their background exports: the record of what they asked for, and any file still offered to them.
    export_keys = remove_export_jobs_of(user.id)

    # The audit log: events about the person lose addresses and free text; any event naming them is scrubbed.
    # Sign-ups and attendance marks hold no free text: they stay, as figures of who came, under the new name.
    about = queries.about_user(user.id, records["enrolments"], records["certificates"], records["quiz_attempts"],
                               records["feedback"], records["api_tokens"], records["session_sign_ups"],
                               records["attendance_marks"])
    targets = {(kind, i) for kind, ids in [("users", [user.id]), *records.items()] for i in ids}
    for event in db.session.scalars(select(AuditEvent).where(or_(about, AuditEvent.actor_id == user.id))):
        concerns = (event.target_type, event.target_id) in targets
        cleaned = _scrub(event.details or {}, matcher, drop_personal=concerns)
        if cleaned != event.details:
            event.details = cleaned
            flag_modified(event, "details")

    # Anyone's free text that mentions the person by name or email.
    if patterns:
        db.session.flush()
        for model, column in FREE_TEXT_COLUMNS:
            for row in db.session.scalars(select(model).where(_mentioning(getattr(model, column), patterns))):
                value = getattr(row, column)
                cleaned = _scrub(value, matcher)
                if cleaned != value:
                    setattr(row, column, cleaned)
                    flag_modified(row, column)

    # The account itself: no name, no address, no way in.
    user.name = f"Anonymised user {user.id}"
    user.email = f"anonymised-{user.id}@anonymised.invalid"
    user.password_hash, user.active, user.locale, user.last_login_at = None, False, None, None
    user.timezone = None  # a choice of the person: gone with them (their institution's zone applies)
    user.low_data_mode = False  # likewise
    user.anonymised_at = now
    audit.record("user.anonymised", actor=actor, target=user, institution_id=user.institution_id)
    db.session.commit()
    for key in evidence_keys:  # after the commit: a rolled-back anonymisation keeps its files
        discard_evidence(key)
    for key in submission_keys:
        uploads.discard(key)
    assessed_marks.discard_files(feedback_keys)
    discard_export_files(export_keys)


# --- retention -------------------------------------------------------------------------------------

@dataclass
class PruneReport:
    """What a retention run removed (or would remove, in a dry run)."""

    audit_days: int | None
    answer_days: int | None
    audit_before: datetime | None = None
    answers_before: datetime | None = None
    audit_events_deleted: int = 0
    answers_cleared: int = 0
    reasons_cleared: int = 0
    recorded_reasons_cleared: int = 0
    submissions_cleared: int = 0
    sessions_deleted: int = 0
    recovery_codes_deleted: int = 0
    feed_days: int | None = None
    feeds_before: datetime | None = None
    calendar_feeds_deleted: int = 0
    mail_days: int | None = None
    mail_before: datetime | None = None
    outbox_messages_deleted: int = 0
    notifications_deleted: int = 0
    sign_ups_deleted: int = 0
    practical_records_cleared: int = 0  # records whose comments and evidence files went (lms.privacy.practicals)
    late_answers_cleared: int = 0  # answers received late after an outage whose answers went (lms.privacy.late_answers)
    export_days: int | None = None
    export_jobs_deleted: int = 0
    feedback_cleared: int = 0
    dry_run: bool = False


def prune(now: datetime | None = None, dry_run: bool = False) -> PruneReport:
    """Apply LMS_AUDIT_RETENTION_DAYS and LMS_ANSWER_RETENTION_DAYS.

    Deletes audit events older than the first, and with them the reasons of enrolments withdrawn before
    then (and of completions recorded by hand before then) (the reason, free text about the person, lives no longer than the audit record of who withdrew
    and why; the enrolment stays withdrawn, with its date); clears the raw responses of quiz attempts that
    ended longer ago than the second, and the text and files of assignments handed in before then. Sign-in sessions (device and address) that ended, or could last no
    longer, before the first are deleted too, and so are recovery codes used before then and sign-ups for training
    sessions cancelled before then (attendance marks stay). Enrolments, completions, certificates, attempt scores and
    pass/fail, and the points of each answer are never touched. An unset setting keeps that data forever.
    Calendar feed addresses no calendar app has read for LMS_CALENDAR_FEED_RETENTION_DAYS (a year unless set)
    are deleted: their URLs answer "not found" from then on. Mails sent and notifications read longer ago than
    LMS_MAIL_RETENTION_DAYS (90 unless set) are deleted. The records of background exports made more than
    LMS_EXPORT_JOB_RETENTION_DAYS ago (30 unless set) whose files are gone (expired or failed) are deleted.
    """
    now = now or clock.now()
    submission_keys: list[str] = []
    feedback_keys: list[str] = []
    report = PruneReport(current_app.config.get("AUDIT_RETENTION_DAYS"),
                         current_app.config.get("ANSWER_RETENTION_DAYS"), dry_run=dry_run)
    practical_keys: list[str] = []
    if report.answer_days:
        report.answers_before = now - timedelta(days=report.answer_days)
        condition = queries.raw_answers_to_clear(report.answers_before)
        report.answers_cleared = queries.count_where(AttemptAnswer, condition)
        if not dry_run and report.answers_cleared:
            db.session.execute(update(AttemptAnswer).where(condition).values(response=null())
                               .execution_options(synchronize_session=False))
        # Work handed in with assignments is kept as long as attempts' answers: its text and files go then.
        report.submissions_cleared = assignment_privacy.expired_count(report.answers_before)
        if not dry_run and report.submissions_cleared:
            submission_keys = assignment_privacy.prune(report.answers_before)
        # The feedback of marks, as the raw answers of attempts: its text and file go, the judgement stays.
        report.feedback_cleared = queries.count_where(Mark, assessed_marks.feedback_to_clear(report.answers_before))
        if not dry_run and report.feedback_cleared:
            feedback_keys = assessed_marks.clear_feedback(report.answers_before)
        # Practical assessments as attempts: comments and evidence files of records signed before then.
        report.practical_records_cleared, practical_keys = practical_data.prune(report.answers_before, dry_run)
        # Answers received late after an outage, as the attempts' raw answers.
        report.late_answers_cleared = late_data.prune(report.answers_before, dry_run)
    if report.audit_days:
        report.audit_before = now - timedelta(days=report.audit_days)
        condition = queries.expired_audit_events(report.audit_before)
        report.audit_events_deleted = queries.count_where(AuditEvent, condition)
        if not dry_run and report.audit_events_deleted:
            db.session.execute(delete(AuditEvent).where(condition).execution_options(synchronize_session=False))
        reasons = queries.withdrawal_reasons_to_clear(report.audit_before)
        report.reasons_cleared = queries.count_where(Enrolment, reasons)
        if not dry_run and report.reasons_cleared:
            db.session.execute(update(Enrolment).where(reasons).values(withdrawal_reason=queries.EXPIRED_REASON)
                               .execution_options(synchronize_session=False))
        # The reasons of recorded completions, as those of withdrawals: no longer than their audit events.
        recorded = queries.recorded_reasons_to_clear(report.audit_before)
        report.recorded_reasons_cleared = queries.count_where(RecordedCompletion, recorded)
        if not dry_run and report.recorded_reasons_cleared:
            db.session.execute(update(RecordedCompletion).where(recorded).values(reason=queries.EXPIRED_REASON)
                               .execution_options(synchronize_session=False))
        # Sign-in sessions (device, address) are kept no longer than the audit events of the sign-ins.
        sessions = queries.sessions_to_delete(report.audit_before)
        report.sessions_deleted = queries.count_where(SignInSession, sessions)
        if not dry_run and report.sessions_deleted:
            db.session.execute(delete(SignInSession).where(sessions).execution_options(synchronize_session=False))
        # Recovery codes used before then: the record of a use lives no longer than its audit event.
        codes = queries.recovery_codes_to_delete(report.audit_before)
        report.recovery_codes_deleted = queries.count_where(RecoveryCode, codes)
        if not dry_run and report.recovery_codes_deleted:
            db.session.execute(delete(RecoveryCode).where(codes).execution_options(synchronize_session=False))
        # Sign-ups for training sessions cancelled before then: the record of a cancellation lives no longer than
        # its audit event (attendance marks stay: they are figures, as completions are).
        cancelled = queries.cancelled_sign_ups_to_delete(report.audit_before)
        report.sign_ups_deleted = queries.count_where(SessionSignUp, cancelled)
        if not dry_run and report.sign_ups_deleted:
            db.session.execute(delete(SessionSignUp).where(cancelled).execution_options(synchronize_session=False))
    report.feed_days = current_app.config.get("CALENDAR_FEED_RETENTION_DAYS")
    if report.feed_days:
        report.feeds_before = now - timedelta(days=report.feed_days)
        feeds = queries.calendar_feeds_to_delete(report.feeds_before)
        report.calendar_feeds_deleted = queries.count_where(CalendarFeed, feeds)
        if not dry_run and report.calendar_feeds_deleted:
            db.session.execute(delete(CalendarFeed).where(feeds).execution_options(synchronize_session=False))
    report.mail_days = current_app.config.get("MAIL_RETENTION_DAYS")
    if report.mail_days:
        _prune_mail(report, now, dry_run)
    report.export_days = current_app.config.get("EXPORT_JOB_RETENTION_DAYS")
    if report.export_days:
        old_exports = export_jobs_to_prune(now - timedelta(days=report.export_days))
        report.export_jobs_deleted = queries.count_where(ExportJob, old_exports)
        if not dry_run and report.export_jobs_deleted:
            prune_export_jobs(now - timedelta(days=report.export_days))
    if not dry_run and (report.answers_cleared or report.submissions_cleared or report.audit_events_deleted or report.reasons_cleared
                        or report.sessions_deleted or report.recovery_codes_deleted
                        or report.recorded_reasons_cleared or report.calendar_feeds_deleted
                        or report.sign_ups_deleted or report.outbox_messages_deleted
                        or report.notifications_deleted or report.export_jobs_deleted or report.feedback_cleared
                        or report.practical_records_cleared or report.late_answers_cleared):
        audit.record("data.pruned", audit_events_deleted=report.audit_events_deleted,
                     calendar_feeds_deleted=report.calendar_feeds_deleted,
                     outbox_messages_deleted=report.outbox_messages_deleted,
                     notifications_deleted=report.notifications_deleted, export_jobs_deleted=report.export_jobs_deleted,
                     sign_in_sessions_deleted=report.sessions_deleted,
                     recovery_codes_deleted=report.recovery_codes_deleted, sign_ups_deleted=report.sign_ups_deleted,
                     answers_cleared=report.answers_cleared, submissions_cleared=report.submissions_cleared,
                     withdrawal_reasons_cleared=report.reasons_cleared, feedback_cleared=report.feedback_cleared,
                     recorded_reasons_cleared=report.recorded_reasons_cleared,
                     practical_records_cleared=report.practical_records_cleared,
                     late_answers_cleared=report.late_answers_cleared,
                     audit_retention_days=report.audit_days, answer_retention_days=report.answer_days)
        log.info("retention: %d audit events deleted, %d raw answers cleared",
                 report.audit_events_deleted, report.answers_cleared)
    db.session.commit()
    for key in submission_keys:  # after the commit, as anonymisation does
        uploads.discard(key)
    assessed_marks.discard_files(feedback_keys)  # after the commit: a rolled-back run keeps its files
    for key in practical_keys:  # after the commit, as anonymisation's
        discard_evidence(key)
    return report


def _prune_mail(report: PruneReport, now: datetime, dry_run: bool) -> None:
    """Mails sent and notifications read before LMS_MAIL_RETENTION_DAYS: deleted (what waits is never)."""
    report.mail_before = now - timedelta(days=report.mail_days)
    sent = queries.outbox_messages_to_delete(report.mail_before)
    report.outbox_messages_deleted = queries.count_where(OutboxMessage, sent)
    if not dry_run and report.outbox_messages_deleted:
        old = select(OutboxMessage.id).where(sent)
        db.session.execute(delete(MailAttachment).where(MailAttachment.message_id.in_(old))
                           .execution_options(synchronize_session=False))
        db.session.execute(update(OutboxMessage).where(OutboxMessage.digest_id.in_(old)).values(digest_id=None)
                           .execution_options(synchronize_session=False))
        db.session.execute(delete(OutboxMessage).where(sent).execution_options(synchronize_session=False))
    read = queries.notifications_to_delete(report.mail_before)
    report.notifications_deleted = queries.count_where(Notification, read)
    if not dry_run and report.notifications_deleted:
        db.session.execute(delete(Notification).where(read).execution_options(synchronize_session=False))
