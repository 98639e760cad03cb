"""Pages of training sessions: staff (a run's sessions, who comes, trainers), trainees (sign up, cancel) and the
attendance register with its printable sign-in sheet.

One blueprint (`bp`, in base.py); each module adds its pages to it when imported here.
"""
from lms.sessions.views import register, staff, trainee  # noqa: F401  (their routes join the blueprint)
from lms.sessions.views.base import bp

__all__ = ["bp"]
