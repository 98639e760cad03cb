"""Applying the retention settings (`lms data prune`, daily as a job): what is kept no longer than the
settings say is deleted or cleared, and a `PruneReport` says how much (or would, in a dry run)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, null, select, update

from lms.assignments.models import Mark
from lms.attendance.models import SessionSignUp
from lms.audit import services as audit
from lms.audit.models import AuditEvent
from lms.auth.models import SignInSession
from lms.calendar.models import CalendarFeed
from lms.core import clock, uploads
from lms.extensions import db
from lms.learning.models import Enrolment
from lms.mail.models import MailAttachment, Notification, OutboxMessage
from lms.mfa.models import RecoveryCode
from lms.privacy import assignments as assignment_privacy
from lms.privacy import late_answers as late_data
from lms.privacy import marks as assessed_marks
from lms.privacy import practicals as practical_data
from lms.privacy import queries
from lms.privacy.services.common import log
from lms.quizzes.models import AttemptAnswer
from lms.recorded.evidence import discard as discard_evidence
from lms.recorded.models import RecordedCompletion
from lms.reports.models import ExportJob
from lms.reports.queries.jobs import export_jobs_to_prune
from lms.reports.services import prune_export_jobs


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
