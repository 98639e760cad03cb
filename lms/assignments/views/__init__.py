"""Assignment pages: the trainee's page (write, upload, hand in, read released marks), the downloads of its
files, the editor (/author/...) and the extensions staff give one trainee.

One blueprint (`bp`, in base.py); each module adds its pages to it when imported here.
"""
from lms.assignments.views import editor, extensions, trainee  # noqa: F401  (their routes join the blueprint)
from lms.assignments.views.base import bp

__all__ = ["bp"]
