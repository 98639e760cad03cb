"""A trainee's side of a course: the course page, enrolling, my learning, lessons, resuming, feedback,
certificates and their public verification; and staff enrolling a trainee.

One blueprint (`bp`, in base.py); each module adds its pages to it when imported here.
"""
from lms.learning.views import certificates, course, my, staff  # noqa: F401  (their routes join the blueprint)
from lms.learning.views.base import bp

__all__ = ["bp"]
