"""Every model, imported in one place so Alembic and the tests see the whole schema."""
from lms.announcements.models import Announcement
from lms.api.models import ApiToken
from lms.assignments.models import Assignment, Extension, Mark, Submission, SubmissionFile
from lms.attendance.models import AttendanceMark, SessionSignUp, TrainingSession, session_trainers
from lms.audit.models import AuditEvent
from lms.auth.models import PasswordLink, SignInSession, User
from lms.availability.models import Condition
from lms.calendar.models import CalendarFeed
from lms.catalog.models import Course, CourseAsset, CourseStaff, CourseTopic, Lesson, Module
from lms.gradebook.models import Override, Weight
from lms.institutions.models import Institution
from lms.jobs.models import FailedJob
from lms.languages.models import CourseVersion, VersionText
from lms.learning.models import Certificate, Enrolment, Feedback, LessonProgress, QuizFigures
from lms.mail.models import MailAttachment, MailPreference, Notification, OutboxMessage
from lms.mfa.models import RecoveryCode, SecondFactor
from lms.practicals.models import Criterion, Evidence, Practical, Record, Result
from lms.quizzes.models import AttemptAnswer, Choice, LateAnswers, Question, Quiz, QuizAttempt
from lms.recorded.models import RecordedCompletion
from lms.reports.models import ExportJob
from lms.runs.models import CourseRun, course_run_institutions, run_assessors, run_trainers

__all__ = [
    "Assignment", "Criterion", "Evidence", "Extension", "Mark", "Override", "Practical", "Record", "Result",
    "Submission", "SubmissionFile", "Weight", "run_assessors", "CourseVersion", "VersionText",
    "Announcement", "ApiToken", "AttemptAnswer", "AttendanceMark", "AuditEvent", "CalendarFeed", "Certificate", "Choice",
    "Condition", "Course", "CourseAsset", "CourseRun", "CourseStaff", "CourseTopic", "Enrolment", "ExportJob", "FailedJob",
    "Feedback", "Institution", "LateAnswers", "Lesson",
    "LessonProgress", "MailAttachment", "MailPreference", "Module", "Notification", "OutboxMessage", "PasswordLink", "Question", "Quiz", "QuizAttempt", "QuizFigures", "RecordedCompletion",
    "RecoveryCode", "SecondFactor", "SessionSignUp", "SignInSession", "TrainingSession", "User",
    "course_run_institutions", "run_trainers", "session_trainers",
]
