"""Authoring pages (/author): courses, modules, lessons, quizzes, questions, staff, workflow,
GIFT import, package download and upload, dashboard, item analysis and regrading, language versions, the queue of
answers received late after an outage.

One blueprint (`bp`, in base.py); each module adds its pages to it when imported here.
"""
from lms.authoring.views import availability, courses, late, lessons, quizzes, versions  # noqa: F401  (their routes join the blueprint)
from lms.authoring.views.base import bp

__all__ = ["bp"]
