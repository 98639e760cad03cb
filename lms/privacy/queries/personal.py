"""Everything held about one person (`personal_data`, a data-subject access request), and the evidence files
of their recorded completions that go with it in the zip download."""
from __future__ import annotations

from sqlalchemy import select

from lms.announcements.models import Announcement
from lms.api.models import ApiToken
from lms.attendance.models import AttendanceMark, SessionSignUp, TrainingSession
from lms.audit.models import AuditEvent
from lms.auth.models import PasswordLink, SignInSession, User
from lms.calendar.models import CalendarFeed
from lms.catalog.models import Course, CourseStaff, Lesson
from lms.core import clock
from lms.extensions import db
from lms.gradebook.models import Override
from lms.institutions.models import Institution
from lms.learning.models import Certificate, Enrolment, Feedback, LessonProgress
from lms.mail.models import MailPreference, Notification, OutboxMessage
from lms.mfa.models import RecoveryCode, SecondFactor
from lms.privacy import assignments as assignment_privacy
from lms.privacy import late_answers as late_data
from lms.privacy import marks as assessed_marks
from lms.privacy import practicals as practical_data
from lms.privacy.queries.records import about_user
from lms.quizzes.models import AttemptAnswer, Quiz, QuizAttempt
from lms.recorded.models import RecordedCompletion
from lms.reports.models import ExportJob
from lms.runs.models import CourseRun

# The kinds of records in a personal-data download, in the order they are written.
KINDS = ("profile", "enrolments", "lesson_progress", "quiz_attempts", "attempt_answers", "certificates",
         "feedback", "audit_events", "api_tokens", "password_links", "course_staff", "sign_in_sessions",
         "second_factors", "recovery_codes", "recorded_completions", "calendar_feeds",
         "session_sign_ups", "attendance_marks", "notifications", "mail_preferences", "outbox_messages",
         "export_jobs", "announcements", *assignment_privacy.KINDS, *assessed_marks.KINDS, "grade_overrides", *practical_data.KINDS,
         *late_data.KINDS)
# Where a recorded completion's evidence file goes in the zip of a personal-data download.
EVIDENCE_FOLDER = "evidence"


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
