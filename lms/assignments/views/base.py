"""The assignments blueprint and the messages its pages give."""
from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext as _
from flask_babel import ngettext

from lms.assignments import services
from lms.core import when

# The templates are the feature's own (lms/assignments/templates), one floor up from this package.
bp = Blueprint("assignments", __name__, template_folder="../templates")

MESSAGES = {
    "not_enrolled": lambda p: _("Only trainees enrolled in this course and holding a place can hand in work. "
                                "You can read your work here, but not change it."),
    "handed_in": lambda p: _("This work is handed in: it can no longer be changed."),
    "no_tries_left": lambda p: _("This work was returned, and the assignment allows no more tries."),
    "text_too_long": lambda p: _("The text is longer than %(maximum)d characters. Nothing was saved.",
                                 maximum=p["maximum"]),
    "too_many_files": lambda p: ngettext("At most %(num)d file can be handed in. Nothing was saved.",
                                         "At most %(num)d files can be handed in. Nothing was saved.", p["maximum"]),
    "no_files_here": lambda p: _("This assignment takes a text, not files. Nothing was saved."),
    "nothing": lambda p: _("There is nothing to hand in yet: write your text or add a file first.")
    if p.get("accepts") == "both" else (_("Write your text before you hand the work in.") if p.get("accepts") == "text"
                                        else _("Add a file before you hand the work in.")),
    "late_not_allowed": lambda p: _("The work was due %(due)s and this assignment does not accept late work. "
                                    "Nothing was handed in or saved; ask your instructor for an extension.",
                                    due=when.format_datetime(p["due"], "short")),
    "conflict": lambda p: _("Your work was saved from another window at the same moment. Nothing was saved here; "
                            "reload the page."),
    "too_large": lambda p: _("“%(name)s” is larger than %(megabytes)d MB. Nothing was saved.", name=p["name"],
                             megabytes=p["megabytes"]),
    "empty": lambda p: _("“%(name)s” is empty. Nothing was saved.", name=p["name"]),
    "wrong_type": lambda p: _("“%(name)s” is not one of the kinds of file this assignment accepts (%(allowed)s), "
                              "judging by its content. Nothing was saved.", name=p["name"], allowed=p["allowed"]),
    "archive_not_allowed": lambda p: _("“%(name)s” is an archive, and this assignment does not accept archives. "
                                       "Nothing was saved.", name=p["name"]),
}


def message(exc: services.SubmissionError) -> str:
    """What the trainee reads about work that was refused."""
    return MESSAGES[exc.code](exc.params)
