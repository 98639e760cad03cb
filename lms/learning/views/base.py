"""The blueprint of a trainee's side of a course and what its pages share: the words of enrolment's refusals."""
from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext as _


bp = Blueprint("learning", __name__, template_folder="../templates")

ENROL_ERRORS = {
    "not_published": lambda: _("This course is not open for enrolment."),
    "no_self_enrolment": lambda: _("Trainees cannot enrol themselves in this course. Ask your coordinator."),
    "wrong_key": lambda: _("The enrolment key is not right."),
    "due_past": lambda: _("The due date is in the past: choose today or a later date."),
}
STAFF_RUN_ERRORS = {
    "cancelled": lambda: _("This run is cancelled: choose another."),
    "window_closed": lambda: _("Enrolment in this run is not open now."),
    "not_open_to": lambda: _("This run is not open to the trainee's institution."),
}
RUN_ENROL_ERRORS = {
    "cancelled": lambda: _("This run is cancelled: choose another."),
    "window_closed": lambda: _("Enrolment in this run is not open now."),
    "not_open_to": lambda: _("This run is not open to your institution."),
}
