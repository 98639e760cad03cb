"""The records of one person: their ids by table (for anonymisation), and the audit events about them."""
from __future__ import annotations

from sqlalchemy import and_, or_, select

from lms.api.models import ApiToken
from lms.attendance.models import AttendanceMark, SessionSignUp
from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.learning.models import Certificate, Enrolment, Feedback
from lms.quizzes.models import QuizAttempt


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
