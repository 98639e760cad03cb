"""Authoring pages (/author): courses, modules, lessons, quizzes, questions, staff, workflow,
GIFT import, package download and upload, dashboard, item analysis and regrading.

One blueprint (`bp`, in base.py); each module adds its pages to it when imported here.
"""
from lms.authoring.views import availability, courses, lessons, quizzes  # noqa: F401  (their routes join the blueprint)
from lms.authoring.views.base import bp

__all__ = ["bp"]
