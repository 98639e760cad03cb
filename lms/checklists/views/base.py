"""The practicals blueprint and the texts its pages share."""
from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

# The templates are the feature's own (lms/checklists/templates), one floor up from this package.
bp = Blueprint("practicals", __name__, template_folder="../templates")

RESULT_LABELS = {"met": _l("Met"), "not_met": _l("Not met"), "not_observed": _l("Not observed")}
STATUS_LABELS = {"not_assessed": _l("Not assessed"), "passed": _l("Passed"),
                 "not_yet_competent": _l("Not yet competent"), "held": _l("Held back")}
ERRORS = {
    "no_criteria": _l("The checklist has no criteria yet: its editors add them first."),
    "missing_result": _l("Choose met, not met or not observed for every criterion."),
    "future_date": _l("The date of the assessment cannot be in the future."),
    "text_too_long": _l("A text is too long."),
    "no_text": _l("Write the criterion."),
    "too_many_files": _l("Attach at most %(limit)d files."),
    "too_many_criteria": _l("A checklist has at most %(limit)d criteria."),
}
UPLOAD_ERRORS = {
    "too_large": _l("“%(name)s” is larger than %(megabytes)d MB."),
    "empty": _l("“%(name)s” is empty."),
    "wrong_type": _l("“%(name)s” is not a photo (JPEG, PNG, WebP) or a PDF."),
    "archive_not_allowed": _l("“%(name)s” is not a photo (JPEG, PNG, WebP) or a PDF."),
}


def error_text(code: str, **details) -> str:
    """The message of a refused write."""
    return str(ERRORS.get(code, ERRORS["text_too_long"])) % details if details.get("limit") else \
        str(ERRORS.get(code, ERRORS["text_too_long"]))
