"""Every model, imported in one place so Alembic and the tests see the whole schema."""
from lms.api.models import ApiToken
from lms.audit.models import AuditEvent
from lms.auth.models import PasswordLink, SignInSession, User
from lms.availability.models import Condition
from lms.catalog.models import Course, CourseAsset, CourseStaff, CourseTopic, Lesson, Module
from lms.institutions.models import Institution
from lms.learning.models import Certificate, Enrolment, Feedback, LessonProgress
from lms.mfa.models import RecoveryCode, SecondFactor
from lms.quizzes.models import AttemptAnswer, Choice, Question, Quiz, QuizAttempt
from lms.runs.models import CourseRun, course_run_institutions

__all__ = [
    "ApiToken", "AttemptAnswer", "AuditEvent", "Certificate", "Choice", "Condition", "Course", "CourseAsset", "CourseRun",
    "CourseStaff", "CourseTopic", "Enrolment", "Feedback", "Institution", "Lesson", "LessonProgress", "Module", "PasswordLink",
    "Question", "Quiz", "QuizAttempt", "RecoveryCode", "SecondFactor", "SignInSession", "User",
    "course_run_institutions",
]
