"""Anonymising a departed officer's account: the rows figures are made of stay, what names the person is
replaced or removed (their free text, the name on their certificates, personal details in the audit log, anyone's
free text that mentions them), and sign-in is disabled for good."""
from __future__ import annotations

import json
import re

from sqlalchemy import Text, cast, delete, func, or_, select, update
from sqlalchemy.orm.attributes import flag_modified

from lms.announcements.models import Announcement
from lms.api.models import ApiToken
from lms.assignments.models import Extension, Submission
from lms.audit import services as audit
from lms.audit.models import AuditEvent
from lms.auth.models import PasswordLink, SignInSession, User
from lms.calendar.models import CalendarFeed
from lms.core import clock, uploads
from lms.extensions import db
from lms.gradebook.models import Override
from lms.learning.models import Certificate, Enrolment, Feedback
from lms.mail.models import MailAttachment, MailPreference, Notification, OutboxMessage
from lms.mfa.models import RecoveryCode, SecondFactor
from lms.privacy import assignments as assignment_privacy
from lms.privacy import late_answers as late_data
from lms.privacy import marks as assessed_marks
from lms.privacy import practicals as practical_data
from lms.privacy import queries
from lms.privacy.services.common import PrivacyError
from lms.quizzes.models import AttemptAnswer, LateAnswers, QuizAttempt
from lms.recorded.evidence import discard as discard_evidence
from lms.recorded.models import RecordedCompletion
from lms.reports.services import discard_export_files, remove_export_jobs_of

# What replaces free text that named or described an anonymised person.
PLACEHOLDER = "[anonymised]"
# Keys of audit details that hold free text or network addresses about the person concerned.
FREE_TEXT_KEYS = ("reason", "comment", "text", "note", "message", "name", "email")
ADDRESS_KEYS = ("ip", "user_agent")


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
