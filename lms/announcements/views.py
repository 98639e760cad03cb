"""Pages of announcements: the staff list of a course's (or a run's) announcements with the form of a new one,
correcting and withdrawing one (/author); a trainee's list of every announcement of a course for them."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import pgettext
from flask_login import current_user, login_required

from lms.access import (
    announcement_of_course_or_404, announcing_course_or_404, can_announce_to, can_edit_course,
    can_manage_announcement, reading_course_or_404, reading_scope, require, run_of_course_or_404, staff_scope,
)
from lms.announcements import queries, services
from lms.announcements.forms import EVERYONE, AnnouncementForm, ButtonForm, EditForm
from lms.announcements.models import Announcement
from lms.runs import queries as run_queries

bp = Blueprint("announcements", __name__, template_folder="templates")

ERRORS = {
    "title_required": lambda: _("Give the announcement a title."),
    "title_too_long": lambda: _("The title is too long."),
    "body_required": lambda: _("Write the announcement's text."),
    "body_too_long": lambda: _("The text is too long."),
    "body_unreadable": lambda: _("The text goes beyond what the formatting allows."),
    "other_course": lambda: _("That run belongs to another course."),
    "withdrawn": lambda: _("This announcement is withdrawn."),
    "not_allowed": lambda: _("You may announce only to the runs you train."),
}


def _audiences(course) -> list[tuple[int, str]]:
    """To whom the current user may announce: the whole course (its editors) and the runs they may."""
    runs = [f.run for f in run_queries.runs_of(course.id)]
    choices = [(EVERYONE, _("Every trainee of the course"))] if can_announce_to(current_user, course) else []
    for run in runs:
        if can_announce_to(current_user, course, run):
            label = _("Trainees of the run %(run)s (%(code)s)", run=run.title, code=run.code)
            choices.append((run.id, label + (" " + pgettext("course run", "(cancelled)") if run.cancelled else "")))
    return choices


def _list_url(course, run_id):
    if run_id is None:
        return url_for("announcements.staff_list", slug=course.slug)
    return url_for("announcements.staff_list", slug=course.slug, run_id=run_id)


@bp.route("/author/<slug>/announcements", methods=["GET", "POST"], defaults={"run_id": None})
@bp.route("/author/<slug>/runs/<int:run_id>/announcements", methods=["GET", "POST"])
def staff_list(slug: str, run_id: int | None):
    """The announcements of a course (or of one run) that the person manages, and the form of a new one."""
    course = announcing_course_or_404(slug)
    run = run_of_course_or_404(course, run_id) if run_id is not None else None
    if run is not None:
        require(can_announce_to, course, run)
    audiences = _audiences(course)
    form = AnnouncementForm(audiences=audiences)
    if not form.is_submitted():
        form.audience.data = run.id if run else audiences[0][0]
    if form.validate_on_submit():
        target = None if form.audience.data == EVERYONE else run_queries.run_by_id(form.audience.data)
        try:
            if not can_announce_to(current_user, course, target):
                raise services.AnnouncementError("not_allowed")
            services.post(course, target, form.title.data, form.body.data, form.send_mail.data, current_user)
        except services.AnnouncementError as exc:
            form.form_errors.append(ERRORS[exc.code]())
        else:
            flash(_("The announcement is posted. Its trainees see it on the course page.")
                  + (" " + _("The e-mails are on their way.") if form.send_mail.data else ""), "success")
            return redirect(_list_url(course, run_id))
    scope = staff_scope(current_user, course)
    if run is not None:
        scope = scope & (Announcement.run_id == run.id)
    announcements = queries.staff_announcements(course.id, scope)
    return render_template("announcements/staff_list.html", course=course, run=run, form=form, button=ButtonForm(),
                           announcements=announcements, sizes=queries.audience_sizes(announcements),
                           editor=can_edit_course(current_user, course))


@bp.route("/author/<slug>/announcements/<int:announcement_id>", methods=["GET", "POST"])
def edit(slug: str, announcement_id: int):
    """Correct an announcement's title or text (nobody is mailed again)."""
    course = announcing_course_or_404(slug)
    announcement = announcement_of_course_or_404(course, announcement_id)
    require(can_manage_announcement, announcement)
    form = EditForm(obj=announcement)
    if form.validate_on_submit():
        try:
            services.edit(announcement, form.title.data, form.body.data, current_user)
        except services.AnnouncementError as exc:
            form.form_errors.append(ERRORS[exc.code]())
        else:
            flash(_("The announcement is saved. Nobody is sent it again."), "success")
            return redirect(_list_url(course, announcement.run_id))
    return render_template("announcements/edit.html", course=course, announcement=announcement, form=form)


@bp.route("/author/<slug>/announcements/<int:announcement_id>/withdraw", methods=["POST"])
def withdraw(slug: str, announcement_id: int):
    """Withdraw an announcement: its trainees no longer see it."""
    course = announcing_course_or_404(slug)
    announcement = announcement_of_course_or_404(course, announcement_id)
    require(can_manage_announcement, announcement)
    if ButtonForm().validate_on_submit():
        try:
            services.withdraw(announcement, current_user)
            flash(_("The announcement is withdrawn."), "success")
        except services.AnnouncementError as exc:
            flash(ERRORS[exc.code](), "error")
    return redirect(_list_url(course, announcement.run_id))


@bp.route("/courses/<slug>/announcements")
@login_required
def trainee_list(slug: str):
    """Every announcement of a course for the reader: the course's and their run's, newest first."""
    course = reading_course_or_404(slug)
    announcements = queries.live_announcements(course.id, reading_scope(current_user, course))
    return render_template("announcements/list.html", course=course, announcements=announcements)
