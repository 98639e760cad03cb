"""The words for a CSV file that cannot be read (lms.enrolments.services.BulkError's codes), said the same way
by every page that reads one: bulk enrolment and the import of recorded completions."""
from __future__ import annotations

from flask_babel import gettext as _

FILE_ERRORS = {
    "too_large": lambda d: _("The file is larger than %(megabytes)d MB. Split it into smaller files.", **d),
    "not_utf8": lambda d: _("The file is not in UTF-8. Save it as \"CSV UTF-8\" and upload it again."),
    "empty": lambda d: _("The file is empty."),
    "header": lambda d: _("The first row must name the columns; missing: %(missing)s (expected: %(expected)s).", **d),
    "too_many_rows": lambda d: _("The file has more than %(limit)d rows. Split it into smaller files.", **d),
    "unreadable": lambda d: _("The file cannot be read from line %(line)d: a field there is longer than %(limit)d "
                              "characters, or a quote (\") opened before it is never closed.", **d),
    "too_many_courses": lambda d: _("The file names more than %(limit)d different courses. Split it into smaller "
                                    "files.", **d),
}
