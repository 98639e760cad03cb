"""Every model, imported in one place so Alembic and the tests see the whole schema."""
from lms.announcements.models import Announcement
from lms.api.models import ApiToken
from lms.attendance.models import AttendanceMark, SessionSignUp, TrainingSession, session_trainers
from lms.audit.models import AuditEvent
from lms.auth.models import PasswordLink, SignInSession, User
from lms.availability.models import Condition
from lms.calendar.models import CalendarFeed
from lms.catalog.models import Course, CourseAsset, CourseStaff, CourseTopic, Lesson, Module
from lms.institutions.models import Institution
from lms.jobs.models import FailedJob
from lms.learning.models import Certificate, Enrolment, Feedback, LessonProgress
from lms.mail.models import MailAttachment, MailPreference, Notification, OutboxMessage
from lms.mfa.models import RecoveryCode, SecondFactor
from lms.quizzes.models import AttemptAnswer, Choice, Question, Quiz, QuizAttempt
from lms.recorded.models import RecordedCompletion
from lms.reports.models import ExportJob
from lms.runs.models import CourseRun, course_run_institutions, run_trainers

__all__ = [
    "Announcement", "ApiToken", "AttemptAnswer", "AttendanceMark", "AuditEvent", "CalendarFeed", "Certificate", "Choice",
    "Condition", "Course", "CourseAsset", "CourseRun", "CourseStaff", "CourseTopic", "Enrolment", "ExportJob", "FailedJob",
    "Feedback", "Institution", "Lesson",
    "LessonProgress", "MailAttachment", "MailPreference", "Module", "Notification", "OutboxMessage", "PasswordLink", "Question", "Quiz", "QuizAttempt", "RecordedCompletion",
    "RecoveryCode", "SecondFactor", "SessionSignUp", "SignInSession", "TrainingSession", "User",
    "course_run_institutions", "run_trainers", "session_trainers",
]
