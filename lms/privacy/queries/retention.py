"""What a retention run would remove: an SQL condition per kind of record, and how many rows meet one."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Text, and_, cast, func, or_, select

from lms.attendance.models import SessionSignUp
from lms.audit.models import AuditEvent
from lms.auth.models import SignInSession
from lms.calendar.models import CalendarFeed
from lms.extensions import db
from lms.learning.models import Enrolment
from lms.mail.models import Notification, OutboxMessage
from lms.mfa.models import RecoveryCode
from lms.quizzes.models import AttemptAnswer, QuizAttempt
from lms.recorded.models import RecordedCompletion

# What replaces a withdrawal reason older than the audit retention period (`lms data prune`).
EXPIRED_REASON = "[removed after the retention period]"


def expired_audit_events(before: datetime):
    """SQL condition on `AuditEvent`: created before `before`."""
    return AuditEvent.created_at < before


def raw_answers_to_clear(before: datetime):
    """SQL condition on `AttemptAnswer`: still holds a response, in an attempt that ended before `before`."""
    ended = select(QuizAttempt.id).where(QuizAttempt.status != "in_progress", QuizAttempt.submitted_at < before)
    return and_(AttemptAnswer.attempt_id.in_(ended), AttemptAnswer.response.is_not(None),
                cast(AttemptAnswer.response, Text) != "null")


def withdrawal_reasons_to_clear(before: datetime):
    """SQL condition on `Enrolment`: withdrawn before `before` and still holding its reason as written."""
    return and_(Enrolment.withdrawn_at < before, Enrolment.withdrawal_reason.is_not(None),
                Enrolment.withdrawal_reason != EXPIRED_REASON)


def recorded_reasons_to_clear(before: datetime):
    """SQL condition on `RecordedCompletion`: recorded before `before` and still holding its reason as written
    (the reason, free text about the person, lives no longer than the audit record of who recorded it)."""
    return and_(RecordedCompletion.recorded_at < before, RecordedCompletion.reason != EXPIRED_REASON)


def sessions_to_delete(before: datetime):
    """SQL condition on `SignInSession` for the sessions a retention run deletes: ended before `before`, or
    started so long before it that no setting could keep them open."""
    config = current_app.config
    longest = timedelta(hours=max(config["SESSION_MAX_HOURS_TRAINEE"], config["SESSION_MAX_HOURS_STAFF"]))
    return or_(SignInSession.ended_at < before, SignInSession.created_at < before - longest)


def recovery_codes_to_delete(before: datetime):
    """SQL condition on `RecoveryCode` for the codes a retention run deletes: used before `before` (an unused
    code is still the person's way in)."""
    return RecoveryCode.used_at < before


def outbox_messages_to_delete(before: datetime):
    """SQL condition on `OutboxMessage` for the mails a retention run deletes: sent before `before`."""
    return (OutboxMessage.status == "sent") & (OutboxMessage.sent_at < before)


def notifications_to_delete(before: datetime):
    """SQL condition on `Notification` for the notifications a retention run deletes: read before `before`."""
    return Notification.read_at < before


def calendar_feeds_to_delete(before: datetime):
    """SQL condition on `CalendarFeed` for the feeds a retention run deletes: not read by any calendar app since
    `before` (a feed never read counts from when it was made)."""
    return func.coalesce(CalendarFeed.last_used_at, CalendarFeed.created_at) < before


def cancelled_sign_ups_to_delete(before: datetime):
    """SQL condition on `SessionSignUp` for the sign-ups a retention run deletes: cancelled before `before` (who
    came is in the attendance marks, which stay as figures)."""
    return SessionSignUp.cancelled_at < before


def count_where(model, condition) -> int:
    """How many rows of `model` meet `condition`."""
    return db.session.scalar(select(func.count()).select_from(model).where(condition)) or 0
