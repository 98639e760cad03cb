"""Named reads of the privacy feature: the notice text, everything held about one person, the log of
personal-data exports, and what a retention run would remove.

`personal_data` answers a data-subject access request: every kind of record the platform holds
about a user, as flat rows (one list per kind, so the JSON and the CSV files carry the same), in a
fixed number of queries. It names nobody else: who else acted on the records is given as
"you", "staff" or "system", never as an id or a name.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path

from flask import current_app
from sqlalchemy import Text, and_, cast, func, or_, select

from lms.announcements.models import Announcement
from lms.api.models import ApiToken
from lms.attendance.models import AttendanceMark, SessionSignUp, TrainingSession
from lms.audit.models import AuditEvent
from lms.auth.models import PasswordLink, SignInSession, User
from lms.calendar.models import CalendarFeed
from lms.mail.models import MailPreference, Notification, OutboxMessage
from lms.catalog.models import Course, CourseStaff, Lesson
from lms.core import clock, when
from lms.extensions import db
from lms.institutions.models import Institution
from lms.privacy import assignments as assignment_privacy
from lms.learning.models import Certificate, Enrolment, Feedback, LessonProgress
from lms.gradebook.models import Override
from lms.mfa.models import RecoveryCode, SecondFactor
from lms.recorded.models import RecordedCompletion
from lms.reports.models import ExportJob
from lms.runs.models import CourseRun
from lms.privacy import marks as assessed_marks
from lms.quizzes.models import AttemptAnswer, Quiz, QuizAttempt
from lms.privacy import practicals as practical_data
from lms.privacy import late_answers as late_data

NOTICE_DIR = Path(__file__).resolve().parent / "notice"
EXPORT_ACTION_PREFIX = "export."
# What replaces a withdrawal reason older than the audit retention period (`lms data prune`).
EXPIRED_REASON = "[removed after the retention period]"
PER_PAGE = 50

# The kinds of records in a personal-data download, in the order they are written.
KINDS = ("profile", "enrolments", "lesson_progress", "quiz_attempts", "attempt_answers", "certificates",
         "feedback", "audit_events", "api_tokens", "password_links", "course_staff", "sign_in_sessions",
         "second_factors", "recovery_codes", "recorded_completions", "calendar_feeds",
         "session_sign_ups", "attendance_marks", "notifications", "mail_preferences", "outbox_messages",
         "export_jobs", "announcements", *assignment_privacy.KINDS, *assessed_marks.KINDS, "grade_overrides", *practical_data.KINDS,
         *late_data.KINDS)
# Where a recorded completion's evidence file goes in the zip of a personal-data download.
EVIDENCE_FOLDER = "evidence"


# --- the privacy notice ---------------------------------------------------------------------------

def notice_path(locale: str | None) -> Path:
    """The Markdown file of the notice for `locale`.

    The operator's LMS_PRIVACY_NOTICE_FILE (e.g. notice.md) wins; a sibling with the language before
    the suffix (notice.uk.md) is used for that language when it exists. Without the setting, the
    default text shipped in lms/privacy/notice/.
    """
    configured = current_app.config.get("PRIVACY_NOTICE_FILE") or ""
    base = Path(configured) if configured else NOTICE_DIR / "notice.md"
    if locale and locale != "en":
        translated = base.with_name(f"{base.stem}.{locale}{base.suffix}")
        if translated.is_file():
            return translated
    return base


def notice_markdown(locale: str | None) -> str:
    """The notice's Markdown text; a missing operator file falls back to the shipped text (and says so in the log)."""
    path = notice_path(locale)
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        current_app.logger.error("privacy notice file %s cannot be read; showing the default text", path)
        return (NOTICE_DIR / "notice.md").read_text(encoding="utf-8")


# --- everything held about one person -------------------------------------------------------------

def _by(actor_id: int | None, user_id: int) -> str:
    """Who did something, without naming anyone else."""
    if actor_id is None:
        return "system"
    return "you" if actor_id == user_id else "staff"


def _answer_text(item: dict | None, response) -> str:
    """A response as the trainee saw it: the chosen choices' texts, true/false, or the typed text."""
    if response is None or item is None:
        return "" if response is None else str(response)
    if isinstance(response, list):
        texts = {c["id"]: c["text"] for c in item.get("choices", [])}
        return "; ".join(texts.get(choice, str(choice)) for choice in response)
    if isinstance(response, bool):
        return "true" if response else "false"
    return str(response)


def personal_data(user: User) -> dict[str, list[dict]]:
    """Every record the platform holds about `user`, by kind (see KINDS); password and token hashes left out."""
    uid = user.id
    institution = db.session.get(Institution, user.institution_id) if user.institution_id else None
    data: dict[str, list[dict]] = {kind: [] for kind in KINDS}
    data["profile"].append({
        "id": user.id, "email": user.email, "name": user.name, "role": user.role,
        "institution_code": institution.code if institution else None,
        "institution_name": institution.name if institution else None,
        "interface_language": user.locale, "time_zone": user.timezone, "low_data_mode": user.low_data_mode,
        "active": user.active,
        "created_at": user.created_at,
        "last_login_at": user.last_login_at, "privacy_notice_acknowledged_at": user.privacy_acknowledged_at,
        "has_password": user.password_hash is not None,
    })

    enrolment_rows = db.session.execute(
        select(Enrolment, Course.slug, Course.title, CourseRun.code).join(Course, Course.id == Enrolment.course_id)
        .outerjoin(CourseRun, CourseRun.id == Enrolment.run_id)
        .where(Enrolment.user_id == uid).order_by(Enrolment.enrolled_at, Enrolment.id)).all()
    for e, slug, title, run_code in enrolment_rows:
        data["enrolments"].append({
            "id": e.id, "course_slug": slug, "course_title": title, "cycle": e.cycle, "is_current": e.is_current,
            "status": e.status, "source": e.source, "enrolled_at": e.enrolled_at,
            "enrolled_by": _by(e.enrolled_by_id, uid) if e.source != "self" else "you", "due_on": e.due_on,
            "due_at": e.due_at,
            "started_at": e.started_at, "last_activity_at": e.last_activity_at, "completed_at": e.completed_at,
            "withdrawn_at": e.withdrawn_at, "withdrawal_reason": e.withdrawal_reason,
            "run_code": run_code, "waiting_since": e.waiting_since,
        })
    enrolment_ids = [e.id for e, _s, _t, _r in enrolment_rows]

    for p, course_slug, lesson_slug, lesson_title in db.session.execute(
            select(LessonProgress, Course.slug, Lesson.slug, Lesson.title)
            .join(Enrolment, Enrolment.id == LessonProgress.enrolment_id)
            .join(Course, Course.id == Enrolment.course_id)
            .join(Lesson, Lesson.id == LessonProgress.lesson_id)
            .where(Enrolment.user_id == uid).order_by(LessonProgress.first_viewed_at, LessonProgress.id)):
        data["lesson_progress"].append({
            "enrolment_id": p.enrolment_id, "course_slug": course_slug, "lesson_slug": lesson_slug,
            "lesson_title": lesson_title, "first_viewed_at": p.first_viewed_at, "last_viewed_at": p.last_viewed_at,
        })

    attempts = db.session.execute(
        select(QuizAttempt, Quiz.slug, Quiz.title, Course.slug).join(Quiz, Quiz.id == QuizAttempt.quiz_id)
        .join(Course, Course.id == Quiz.course_id)
        .where(QuizAttempt.user_id == uid).order_by(QuizAttempt.started_at, QuizAttempt.id)).all()
    draws = {}
    for a, quiz_slug, quiz_title, course_slug in attempts:
        draws[a.id] = {item["slug"]: item for item in (a.draw or [])}
        data["quiz_attempts"].append({
            "id": a.id, "enrolment_id": a.enrolment_id, "course_slug": course_slug, "quiz_slug": quiz_slug,
            "quiz_title": quiz_title, "number": a.number, "status": a.status, "started_at": a.started_at,
            "deadline_at": a.deadline_at, "submitted_at": a.submitted_at, "score": a.score,
            "max_score": a.max_score, "percent": a.percent, "passed": a.passed,
        })
    attempt_ids = list(draws)
    if attempt_ids:
        for answer in db.session.scalars(select(AttemptAnswer).where(AttemptAnswer.attempt_id.in_(attempt_ids))
                                         .order_by(AttemptAnswer.attempt_id, AttemptAnswer.id)):
            # Only the question and the trainee's own answer: never the right answers of the draw.
            item = draws[answer.attempt_id].get(answer.question_slug)
            data["attempt_answers"].append({
                "attempt_id": answer.attempt_id, "question_slug": answer.question_slug,
                "question_text": item.get("text") if item else None, "response": answer.response,
                "response_text": _answer_text(item, answer.response), "saved_at": answer.saved_at,
                "points": answer.points, "correct": answer.correct,
            })

    now = clock.now()
    certificates = db.session.scalars(select(Certificate).where(Certificate.user_id == uid)
                                      .order_by(Certificate.issued_at, Certificate.id)).all()
    for c in certificates:
        data["certificates"].append({
            "code": c.code, "enrolment_id": c.enrolment_id, "holder_name": c.holder_name,
            "course_title": c.course_title, "institution_name": c.institution_name, "issued_at": c.issued_at,
            "expires_at": c.expires_at, "status": c.status(now), "revoked_at": c.revoked_at,
            "revoked_reason": c.revoked_reason,
        })

    feedback = db.session.execute(
        select(Feedback, Course.slug).join(Enrolment, Enrolment.id == Feedback.enrolment_id)
        .join(Course, Course.id == Feedback.course_id)
        .where(Enrolment.user_id == uid).order_by(Feedback.created_at, Feedback.id)).all()
    for f, course_slug in feedback:
        data["feedback"].append({
            "enrolment_id": f.enrolment_id, "course_slug": course_slug, "rating": f.rating, "comment": f.comment,
            "created_at": f.created_at, "updated_at": f.updated_at,
        })

    tokens = db.session.scalars(select(ApiToken).where(ApiToken.user_id == uid).order_by(ApiToken.id)).all()
    for t in tokens:
        data["api_tokens"].append({
            "id": t.id, "name": t.name, "prefix": t.prefix, "created_at": t.created_at,
            "last_used_at": t.last_used_at, "expires_at": t.expires_at, "revoked_at": t.revoked_at,
        })

    for link in db.session.scalars(select(PasswordLink).where(PasswordLink.user_id == uid)
                                   .order_by(PasswordLink.created_at, PasswordLink.id)):
        data["password_links"].append({
            "created_at": link.created_at, "expires_at": link.expires_at, "used_at": link.used_at,
            "issued_by": _by(link.created_by_id, uid), "asked_for_by_mail": link.purpose == "reset",
        })

    for s in db.session.scalars(select(SignInSession).where(SignInSession.user_id == uid)
                                .order_by(SignInSession.created_at, SignInSession.id)):
        data["sign_in_sessions"].append({
            "created_at": s.created_at, "last_used_at": s.last_used_at, "ended_at": s.ended_at,
            "device": s.user_agent, "address": s.address,
        })

    # Second factors: what they are and when they were used, never their secrets or keys.
    for f in db.session.scalars(select(SecondFactor).where(SecondFactor.user_id == uid)
                                .order_by(SecondFactor.created_at, SecondFactor.id)):
        data["second_factors"].append({"kind": f.kind, "name": f.name, "created_at": f.created_at,
                                       "last_used_at": f.last_used_at})
    for c in db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == uid)
                                .order_by(RecoveryCode.created_at, RecoveryCode.id)):
        data["recovery_codes"].append({"created_at": c.created_at, "used_at": c.used_at})

    for r, slug, title in db.session.execute(
            select(RecordedCompletion, Course.slug, Course.title)
            .join(Enrolment, Enrolment.id == RecordedCompletion.enrolment_id)
            .join(Course, Course.id == Enrolment.course_id)
            .where(Enrolment.user_id == uid).order_by(RecordedCompletion.recorded_at, RecordedCompletion.enrolment_id)):
        data["recorded_completions"].append({
            "enrolment_id": r.enrolment_id, "course_slug": slug, "course_title": title,
            "completed_on": r.completed_on, "hours": r.hours, "reason": r.reason,
            "evidence_name": r.evidence_name, "evidence_type": r.evidence_type, "evidence_size": r.evidence_size,
            "evidence_file": evidence_file_name(r) if r.evidence_key else None,
            "recorded_by": _by(r.recorded_by_id, uid), "recorded_at": r.recorded_at,
        })
    # Mail: the in-app notifications, the choices about mail, and the mails themselves (a security mail's body,
    # which held a one-time link, is wiped once sent).
    for n in db.session.scalars(select(Notification).where(Notification.user_id == uid).order_by(Notification.id)):
        data["notifications"].append({"kind": n.kind, "title": n.title, "link": n.link, "created_at": n.created_at,
                                      "read_at": n.read_at})
    for p in db.session.scalars(select(MailPreference).where(MailPreference.user_id == uid)):
        data["mail_preferences"].append({"kinds_turned_off": list(p.muted or []), "daily_digest": p.digest,
                                         "updated_at": p.updated_at})
    for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == uid).order_by(OutboxMessage.id)):
        data["outbox_messages"].append({"kind": m.kind, "to_address": m.to_address, "subject": m.subject,
                                        "text": m.text_body, "status": m.status, "created_at": m.created_at,
                                        "sent_at": m.sent_at})
    # The calendar address: when it was made and last read, never its token (only a hash is kept, and not shown).
    for feed in db.session.scalars(select(CalendarFeed).where(CalendarFeed.user_id == uid)):
        data["calendar_feeds"].append({"created_at": feed.created_at, "last_used_at": feed.last_used_at})
    # Their report exports made in the background: what they asked for and when (the files are theirs to
    # download from the job's page while they last; a personal-data download does not copy them).
    for job in db.session.scalars(select(ExportJob).where(ExportJob.user_id == uid).order_by(ExportJob.id)):
        data["export_jobs"].append({"kind": job.kind, "format": job.fmt, "filters": job.filters, "params": job.params,
                                    "status": job.status, "rows_done": job.rows_done, "rows_total": job.rows_total,
                                    "file_name": job.file_name, "created_at": job.created_at,
                                    "finished_at": job.finished_at, "expires_at": job.expires_at})

    # Announcements the person posted as course staff, as they stand (corrected, withdrawn).
    for a, slug, code in db.session.execute(
            select(Announcement, Course.slug, CourseRun.code).join(Course, Course.id == Announcement.course_id)
            .outerjoin(CourseRun, CourseRun.id == Announcement.run_id)
            .where(Announcement.author_id == uid).order_by(Announcement.created_at, Announcement.id)):
        data["announcements"].append({
            "id": a.id, "course_slug": slug, "run_code": code, "title": a.title, "text": a.body,
            "sent_by_email": a.send_mail, "posted_at": a.created_at, "corrected_at": a.edited_at,
            "withdrawn_at": a.withdrawn_at,
        })

    # Results staff set by hand in the person's gradebook rows, with the reason (who set them: "staff").
    for o, slug in db.session.execute(
            select(Override, Course.slug).join(Enrolment, Enrolment.id == Override.enrolment_id)
            .join(Course, Course.id == Enrolment.course_id).where(Enrolment.user_id == uid).order_by(Override.id)):
        data["grade_overrides"].append({"course_slug": slug, "enrolment_id": o.enrolment_id, "kind": o.kind,
                                        "item_id": o.item_id, "percent": o.percent, "reason": o.reason,
                                        "set_by": _by(o.set_by_id, uid), "set_at": o.set_at})

    for staff, slug, title in db.session.execute(
            select(CourseStaff, Course.slug, Course.title).join(Course, Course.id == CourseStaff.course_id)
            .where(CourseStaff.user_id == uid).order_by(Course.slug)):
        data["course_staff"].append({"course_slug": slug, "course_title": title, "role": staff.role,
                                     "added_at": staff.added_at})

    sign_ups = db.session.execute(
        select(SessionSignUp, TrainingSession, Course.slug).join(TrainingSession, TrainingSession.id == SessionSignUp.session_id)
        .join(Course, Course.id == TrainingSession.course_id)
        .where(SessionSignUp.user_id == uid).order_by(SessionSignUp.signed_up_at, SessionSignUp.id)).all()
    for sign_up, session, course_slug in sign_ups:
        data["session_sign_ups"].append({
            "id": sign_up.id, "course_slug": course_slug, "session_title": session.title,
            "session_starts_at": session.starts_at, "session_ends_at": session.ends_at, "session_zone": session.zone,
            "enrolment_id": sign_up.enrolment_id, "signed_up_at": sign_up.signed_up_at,
            "waiting_since": sign_up.waiting_since, "cancelled_at": sign_up.cancelled_at,
        })
    marks = db.session.execute(
        select(AttendanceMark, TrainingSession, Course.slug).join(TrainingSession, TrainingSession.id == AttendanceMark.session_id)
        .join(Course, Course.id == TrainingSession.course_id)
        .where(AttendanceMark.user_id == uid).order_by(TrainingSession.starts_at, AttendanceMark.id)).all()
    for mark, session, course_slug in marks:
        data["attendance_marks"].append({
            "id": mark.id, "course_slug": course_slug, "session_title": session.title,
            "session_starts_at": session.starts_at, "session_ends_at": session.ends_at, "status": mark.status,
            "marked_at": mark.marked_at, "marked_by": _by(mark.marked_by_id, uid),
        })

    for event in db.session.scalars(
            select(AuditEvent).where(about_user(uid, enrolment_ids, [c.id for c in certificates], attempt_ids,
                                                [f.id for f, _s in feedback], [t.id for t in tokens],
                                                [s.id for s, _t, _c in sign_ups], [m.id for m, _t, _c in marks]))
            .order_by(AuditEvent.created_at, AuditEvent.id)):
        data["audit_events"].append({
            "id": event.id, "created_at": event.created_at, "action": event.action,
            "by": _by(event.actor_id, uid), "target_type": event.target_type, "target_id": event.target_id,
            "details": event.details or {},
        })
    # Assignments: their work as handed in (and drafts), the files' names (the files are in the zip), extensions.
    data.update(assignment_privacy.personal_rows(uid))
    # Marks of assessed work: those received (released), with feedback, and those given (lms.privacy.marks).
    data.update(assessed_marks.rows_of(uid))
    data.update(practical_data.personal_rows(uid))
    # Answers received late after an outage, with what became of them (lms.privacy.late_answers).
    data.update(late_data.personal_rows(uid))
    return data


def evidence_file_name(recorded: RecordedCompletion) -> str:
    """The path of a recorded completion's evidence file in the zip download: evidence/<enrolment>-<name>."""
    return f"{EVIDENCE_FOLDER}/{recorded.enrolment_id}-{recorded.evidence_name}"


def evidence_files(user_id: int) -> list[tuple[str, str]]:
    """(path in the zip, storage key) of every evidence file of the person's recorded completions."""
    rows = db.session.scalars(select(RecordedCompletion).join(Enrolment, Enrolment.id == RecordedCompletion.enrolment_id)
                              .where(Enrolment.user_id == user_id, RecordedCompletion.evidence_key.is_not(None))
                              .order_by(RecordedCompletion.enrolment_id))
    return [(evidence_file_name(r), r.evidence_key) for r in rows]


def recorded_reasons_to_clear(before: datetime):
    """SQL condition on `RecordedCompletion`: recorded before `before` and still holding its reason as written
    (the reason, free text about the person, lives no longer than the audit record of who recorded it)."""
    return and_(RecordedCompletion.recorded_at < before, RecordedCompletion.reason != EXPIRED_REASON)


def about_user(user_id: int, enrolment_ids=(), certificate_ids=(), attempt_ids=(), feedback_ids=(), token_ids=(),
               sign_up_ids=(), mark_ids=()):
    """SQL condition on `AuditEvent` for the events about a user: on the account or on one of its records."""
    targets = [("users", [user_id]), ("enrolments", enrolment_ids), ("certificates", certificate_ids),
               ("quiz_attempts", attempt_ids), ("feedback", feedback_ids), ("api_tokens", token_ids),
               ("session_sign_ups", sign_up_ids), ("attendance_marks", mark_ids)]
    return or_(*[and_(AuditEvent.target_type == kind, AuditEvent.target_id.in_(list(ids)))
                 for kind, ids in targets if ids])


def records_of(user_id: int) -> dict[str, list[int]]:
    """Ids of the records that belong to a user, by table (for anonymisation)."""
    enrolments = list(db.session.scalars(select(Enrolment.id).where(Enrolment.user_id == user_id)))
    return {
        "enrolments": enrolments,
        "certificates": list(db.session.scalars(select(Certificate.id).where(Certificate.user_id == user_id))),
        "quiz_attempts": list(db.session.scalars(select(QuizAttempt.id).where(QuizAttempt.user_id == user_id))),
        "feedback": list(db.session.scalars(select(Feedback.id).where(Feedback.enrolment_id.in_(enrolments))))
        if enrolments else [],
        "api_tokens": list(db.session.scalars(select(ApiToken.id).where(ApiToken.user_id == user_id))),
        "session_sign_ups": list(db.session.scalars(select(SessionSignUp.id).where(SessionSignUp.user_id == user_id))),
        "attendance_marks": list(db.session.scalars(select(AttendanceMark.id)
                                                    .where(AttendanceMark.user_id == user_id))),
    }


# --- the log of personal-data exports -------------------------------------------------------------

@dataclass
class ExportRow:
    """One export in the admin's report."""

    event: AuditEvent
    actor_name: str | None
    actor_anonymised: bool
    subject_name: str | None
    institution_code: str | None


def export_log(date_from: date | None = None, date_to: date | None = None, page: int = 1, zone: tzinfo = UTC):
    """A page of the audit events of exports (actions "export.*"), newest first, between two days (inclusive,
    whole days in `zone`, the viewer's).

    The items are `ExportRow`s: who exported (their current name), whose data when the target is an
    account, and the institution concerned; three queries whatever the page size.
    """
    query = select(AuditEvent).where(AuditEvent.action.startswith(EXPORT_ACTION_PREFIX, autoescape=True))
    start, end = when.day_range(date_from, date_to, zone)
    if start:
        query = query.where(AuditEvent.created_at >= start)
    if end:
        query = query.where(AuditEvent.created_at < end)
    query = query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    pagination = db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)
    events = list(pagination.items)
    user_ids = {e.actor_id for e in events if e.actor_id} | {
        e.target_id for e in events if e.target_type == "users" and e.target_id}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    institution_ids = {e.institution_id for e in events if e.institution_id}
    codes = dict(db.session.execute(select(Institution.id, Institution.code)
                                    .where(Institution.id.in_(institution_ids))).all()) if institution_ids else {}
    rows = []
    for e in events:
        actor = users.get(e.actor_id)
        subject = users.get(e.target_id) if e.target_type == "users" else None
        rows.append(ExportRow(e, actor.name if actor else None, bool(actor and actor.anonymised_at),
                              subject.name if subject else None, codes.get(e.institution_id)))
    pagination.items = rows
    return pagination


# --- retention -------------------------------------------------------------------------------------

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


def needs_acknowledgement(user) -> bool:
    """Whether `user` is to be sent to the privacy notice after signing in (LMS_PRIVACY_NOTICE_AT_SIGN_IN)."""
    return bool(current_app.config.get("PRIVACY_NOTICE_AT_SIGN_IN", True) and user.privacy_acknowledged_at is None)
