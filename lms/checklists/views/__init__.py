"""The pages of practical assessments: the editor (/author/...), the trainee's page, the assessors' list,
sign-off and printable checklists, and evidence downloads. One blueprint ("practicals", in base.py); each module
adds its pages to it when imported here."""
from lms.checklists.views import assess, editor, trainee  # noqa: F401  (their routes join the blueprint)
from lms.checklists.views.base import bp

__all__ = ["bp"]
