"""Staff pages of training sessions (/author): a run's sessions (or a course's without runs) with the form of a
new one, changing and cancelling a session, who comes, and the trainers of a run."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.access import (
    can_manage_sessions, editable_course_or_404, require, run_of_course_or_404, session_of_course_or_404,
)
from lms.auth.queries import user_by_id
from lms.core import when
from lms.core.forms import options
from lms.core import clock
from lms.sessions import queries, services, signups
from lms.sessions.forms import ButtonForm, SessionForm, TrainerForm
from lms.sessions.views.base import SESSION_ERRORS, bp


def _form(session=None) -> SessionForm:
    """The session form, filled from `session` (its times at the place) when changing one."""
    choices = queries.trainer_choices()
    if session is None:
        return SessionForm(trainer_choices=choices, default_zone=when.viewer_zone().key)
    place = when.zone(session.zone)
    data = {"kind": session.kind, "title": session.title, "zone": session.zone, "location": session.location,
            "online_url": session.online_url, "capacity": session.capacity, "description": session.description,
            "required": session.required, "cutoff_hours": session.cutoff_hours,
            "starts_local": when.local(session.starts_at, place).replace(tzinfo=None),
            "ends_local": when.local(session.ends_at, place).replace(tzinfo=None),
            "trainers": [t.id for t in session.trainers]}
    return SessionForm(data=data, trainer_choices=choices)


def _list_url(course, run_id):
    if run_id is None:
        return url_for("sessions.run_sessions", slug=course.slug)
    return url_for("sessions.run_sessions", slug=course.slug, run_id=run_id)


@bp.route("/author/<slug>/sessions", methods=["GET", "POST"], defaults={"run_id": None})
@bp.route("/author/<slug>/runs/<int:run_id>/sessions", methods=["GET", "POST"])
def run_sessions(slug: str, run_id: int | None):
    """The sessions of a run (or of a course without runs) with their places, and the form of a new one."""
    course = editable_course_or_404(slug)
    require(can_manage_sessions, course)
    run = run_of_course_or_404(course, run_id) if run_id is not None else None
    form = _form()
    if form.validate_on_submit():
        try:
            services.create_session(course, run, form.fields(), current_user)
        except services.SessionError as exc:
            form.form_errors.append(SESSION_ERRORS[exc.code]())
        else:
            flash(_("The session is added."), "success")
            return redirect(_list_url(course, run_id))
    return render_template("sessions/staff_list.html", course=course, run=run,
                           sessions=queries.sessions_of_place(course.id, run_id), form=form, button=ButtonForm(),
                           summary=queries.run_attendance(course.id, run_id))


@bp.route("/author/<slug>/sessions/<int:session_id>", methods=["GET", "POST"])
def edit(slug: str, session_id: int):
    """Change a session (its trainees read that the times changed)."""
    course = editable_course_or_404(slug)
    require(can_manage_sessions, course)
    session = session_of_course_or_404(course, session_id)
    form = _form(session)
    if form.validate_on_submit():
        try:
            services.update_session(session, form.fields(), current_user)
        except services.SessionError as exc:
            form.form_errors.append(SESSION_ERRORS[exc.code]())
        else:
            flash(_("The session is saved."), "success")
            return redirect(_list_url(course, session.run_id))
    return render_template("sessions/edit.html", course=course, session=session, form=form)


@bp.route("/author/<slug>/sessions/<int:session_id>/cancel", methods=["POST"])
def cancel(slug: str, session_id: int):
    """Cancel a session (its sign-ups stay; its trainees read that it is cancelled)."""
    course = editable_course_or_404(slug)
    require(can_manage_sessions, course)
    session = session_of_course_or_404(course, session_id)
    if ButtonForm().validate_on_submit():
        try:
            services.cancel_session(session, current_user)
            flash(_("The session is cancelled. Its trainees see it on their pages."), "success")
        except services.SessionError as exc:
            flash(SESSION_ERRORS[exc.code](), "error")
    return redirect(_list_url(course, session.run_id))


@bp.route("/author/<slug>/sessions/<int:session_id>/people")
def people(slug: str, session_id: int):
    """Who comes: the sign-ups holding a place and the waiting list, with institutions and attendance figures."""
    course = editable_course_or_404(slug)
    require(can_manage_sessions, course)
    session = session_of_course_or_404(course, session_id)
    rows = queries.who_comes(session)
    figures = queries.attendance_of_enrolments([r.sign_up.enrolment_id for r in rows if r.sign_up.enrolment_id])
    return render_template("sessions/people.html", course=course, session=session, rows=rows, figures=figures,
                           button=ButtonForm(), open=not session.cancelled and clock.now() < session.ends_at)


@bp.route("/author/<slug>/sessions/<int:session_id>/people/<int:user_id>/cancel", methods=["POST"])
def cancel_for(slug: str, session_id: int, user_id: int):
    """Cancel a trainee's sign-up for them (a trainee who cannot come and cannot reach the page, past the
    cut-off too, until the session ends): the place goes to the first waiting; audited."""
    course = editable_course_or_404(slug)
    require(can_manage_sessions, course)
    session = session_of_course_or_404(course, session_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    record = queries.live_sign_up(session.id, user_id)
    try:
        if record is None:
            raise services.SessionError("other_not_signed_up")
        signups.cancel_sign_up(record, current_user, staff=True)
    except services.SessionError as exc:
        flash(SESSION_ERRORS["other_not_signed_up" if exc.code == "not_signed_up" else exc.code](), "error")
    else:
        flash(_("The sign-up of %(name)s is cancelled; the place went to the first on the waiting list, if any.",
                name=record.user.name), "success")
    return redirect(url_for("sessions.people", slug=slug, session_id=session.id))


@bp.route("/author/<slug>/runs/<int:run_id>/trainers", methods=["GET", "POST"])
def trainers(slug: str, run_id: int):
    """The trainers of a run: add an instructor, or take one off."""
    course = editable_course_or_404(slug)
    require(can_manage_sessions, course)
    run = run_of_course_or_404(course, run_id)
    form = TrainerForm()
    form.user_id.choices = options(queries.trainer_choices())
    if request.method == "POST":
        remove = request.form.get("remove", type=int)
        try:
            if remove and ButtonForm().validate_on_submit():
                services.remove_trainer(run, remove, current_user)
                flash(_("The trainer is taken off the run."), "success")
            elif form.validate_on_submit():
                services.add_trainer(run, user_by_id(form.user_id.data) or abort(400), current_user)
                flash(_("The trainer is added to the run."), "success")
            else:
                flash(_("Choose an instructor."), "error")
        except services.SessionError as exc:
            flash(SESSION_ERRORS[exc.code](), "error")
        return redirect(url_for("sessions.trainers", slug=slug, run_id=run_id))
    return render_template("sessions/trainers.html", course=course, run=run, trainers=queries.trainers_of(run),
                           form=form, button=ButtonForm())
