"""The blueprint of training sessions' pages and what they share: the words of the refusals, and the times of a
session as pages show them."""
from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext as _
from markupsafe import Markup, escape

from lms.attendance.models import TrainingSession
from lms.core import clock, when
from lms.sessions import signups

bp = Blueprint("sessions", __name__, template_folder="../templates")

SESSION_ERRORS = {
    "title_required": lambda: _("Give the session a title."),
    "title_too_long": lambda: _("The title is too long."),
    "kind_unknown": lambda: _("Choose the kind of session."),
    "unknown_zone": lambda: _("Choose the time zone of the place from the list."),
    "no_such_time": lambda: _("That time does not exist at the place: the clocks skip it when summer time "
                              "begins. Choose another."),
    "ends_before_start": lambda: _("The session must end after it starts."),
    "bad_url": lambda: _("The online link must be an address starting with https:// or http://."),
    "capacity_not_positive": lambda: _("A session has at least one place (leave it empty for no limit)."),
    "cutoff_out_of_range": lambda: _("Sign-ups close between 0 and 1440 hours before the start."),
    "too_long": lambda: _("The place or the description is too long."),
    "run_cancelled": lambda: _("This run is cancelled: it takes no new sessions or sign-ups."),
    "run_required": lambda: _("This course has runs: add the session to one of them."),
    "other_course": lambda: _("That run belongs to another course."),
    "capacity_below_signed_up": lambda: _("More trainees hold a place than that: the places cannot be fewer than "
                                          "the trainees signed up."),
    "cancelled": lambda: _("This session is cancelled."),
    "already_cancelled": lambda: _("This session is already cancelled."),
    "not_instructor": lambda: _("Only active instructors can be trainers."),
    "closed": lambda: _("Sign-ups for this session are closed: it starts too soon."),
    "not_enrolled": lambda: _("Sign up for the sessions of the run you are enrolled in."),
    "waiting_for_run": lambda: _("You are on the run's waiting list: you can sign up for its sessions once you "
                                 "have a place."),
    "overlaps": lambda: _("You are signed up for another session at the same time. Cancel that one first."),
    "not_signed_up": lambda: _("You are not signed up for this session."),
    "other_not_signed_up": lambda: _("This person is not signed up for this session (any more)."),
    "over": lambda: _("This session is over: its attendance register says who came."),
    "not_started": lambda: _("This session has not started yet: attendance is marked once it has begun."),
    "status_unknown": lambda: _("Choose present, absent, excused or late."),
    "not_on_register": lambda: _("Someone marked is not on this register."),
}


def _span(session: TrainingSession, where) -> str:
    start, end = session.starts_at, session.ends_at
    same_day = when.format_date(start, where=where) == when.format_date(end, where=where)
    return (f"{when.format_datetime(start, where=where)} – "
            f"{when.format_time(end, where=where) if same_day else when.format_datetime(end, where=where)}")


def session_time(session: TrainingSession) -> Markup:
    """'12 Mar 2027, 09:00 – 10:30 Eastern European Time', then, when the place is in another zone than the
    viewer's, '(at the place: ...)'."""
    text = escape(_span(session, None))
    place = when.zone(session.zone)
    if place is not None and place.key != when.viewer_zone().key:
        text += Markup(" <span class=\"meta\">") + escape(_("(at the place: %(time)s)", time=_span(session, place))) \
            + Markup("</span>")
    return text


def kind_label(kind: str) -> str:
    """A session's kind in words."""
    labels = {"in_person": _("In person"), "online": _("Online"), "practical": _("Practical")}
    return labels.get(kind, kind)


# For every template, the macros imported without the page's context too (`sessions/_trainee.html`): the session's
# times in the viewer's zone, and at the place when its zone is another (through lms.core.when, the one formatter);
# a session's kind in words; the sign-up cut-off; the time now. Globals rather than a context processor's values:
# they are the same functions on every page, and a macro file imported "with context" is run again on every page
# that imports it, its macros left in reference cycles with the page's context for the collector to free.
bp.add_app_template_global(session_time, "session_time")
bp.add_app_template_global(kind_label, "session_kind_label")
bp.add_app_template_global(signups.cutoff, "sign_up_closes")
bp.add_app_template_global(clock.now, "now_utc")
