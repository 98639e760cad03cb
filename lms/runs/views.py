"""Staff pages of a course's runs: the list with places and waiting lists, adding, changing, cancelling."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.access import can_manage_runs, editable_course_or_404, require, run_of_course_or_404
from lms.core.forms import options
from lms.runs import queries, services
from lms.core import when
from lms.learning.queries import enrolment_by_id
from lms.runs.forms import CancelRunForm, ExtendForm, MoveForm, RunForm

bp = Blueprint("runs", __name__, template_folder="templates", url_prefix="/author")

RUN_ERRORS = {
    "code_required": lambda: _("Give the run a code."),
    "code_too_long": lambda: _("The code is too long."),
    "code_taken": lambda: _("Another run of this course has this code."),
    "title_required": lambda: _("Give the run a title."),
    "title_too_long": lambda: _("The title is too long."),
    "ends_before_start": lambda: _("The run cannot end before it starts."),
    "window_after_end": lambda: _("Enrolment must close on or before the run's last day."),
    "window_reversed": lambda: _("Enrolment cannot close before it opens."),
    "capacity_not_positive": lambda: _("A run has at least one place (leave it empty for no limit)."),
    "capacity_below_enrolled": lambda: _("More trainees hold a place than that: the places cannot be fewer than "
                                         "the trainees enrolled."),
    "no_institutions": lambda: _("Choose the institutions the run is open to, or open it to every institution."),
    "already_cancelled": lambda: _("This run is already cancelled."),
    "cancelled": lambda: _("That run is cancelled: choose another."),
    "same_run": lambda: _("The trainee is already in that run."),
    "other_course": lambda: _("That run belongs to another course."),
    "not_active": lambda: _("Only an enrolment in progress can be extended."),
    "not_later": lambda: _("Choose a date after the current due date, and not in the past."),
}


def _form(run=None) -> RunForm:
    form = RunForm(obj=run)
    form.institutions.choices = options(queries.institution_choices())
    if run is not None and not form.is_submitted():
        form.institutions.data = [i.id for i in run.institutions]
    return form


@bp.route("/<slug>/runs", methods=["GET", "POST"])
def runs(slug: str):
    """The course's runs (places taken, waiting) and the form of a new one."""
    course = editable_course_or_404(slug)
    require(can_manage_runs, course)
    form = _form()
    if form.validate_on_submit():
        try:
            services.create_run(course, form.fields(), current_user)
        except services.RunError as exc:
            form.form_errors.append(RUN_ERRORS[exc.code]())
        else:
            flash(_("The run is added."), "success")
            return redirect(url_for("runs.runs", slug=slug))
    return render_template("runs/runs.html", course=course, runs=queries.runs_of(course.id), form=form,
                           cancel_form=CancelRunForm(), unplaced=queries.enrolments_in_no_run(course.id))


@bp.route("/<slug>/runs/<int:run_id>", methods=["GET", "POST"])
def edit(slug: str, run_id: int):
    """Change a run."""
    course = editable_course_or_404(slug)
    require(can_manage_runs, course)
    run = run_of_course_or_404(course, run_id)
    form = _form(run)
    if form.validate_on_submit():
        try:
            services.update_run(run, form.fields(), current_user)
        except services.RunError as exc:
            form.form_errors.append(RUN_ERRORS[exc.code]())
        else:
            flash(_("The run is saved."), "success")
            return redirect(url_for("runs.runs", slug=slug))
    return render_template("runs/edit.html", course=course, run=run, form=form)


@bp.route("/<slug>/runs/<int:run_id>/cancel", methods=["POST"])
def cancel(slug: str, run_id: int):
    """Cancel a run (its trainees stay in it until moved)."""
    course = editable_course_or_404(slug)
    require(can_manage_runs, course)
    run = run_of_course_or_404(course, run_id)
    if CancelRunForm().validate_on_submit():
        try:
            services.cancel_run(run, current_user)
            flash(_("The run is cancelled. Its trainees stay in it until you move them."), "success")
        except services.RunError as exc:
            flash(RUN_ERRORS[exc.code](), "error")
    return redirect(url_for("runs.runs", slug=slug))


def _move_form(course, current_run_id: int | None, runs=None) -> MoveForm:
    """The runs a trainee may be moved into: the course's other runs not cancelled (`runs`: the course's runs,
    when the caller has them already)."""
    form = MoveForm()
    form.run.choices = options((f.run.id, f"{f.run.title} ({f.run.code})")
                               for f in (runs if runs is not None else queries.runs_of(course.id))
                               if f.run.id != current_run_id and not f.run.cancelled)
    return form


def _trainees_page(course, run):
    runs = queries.runs_of(course.id)  # once: the run's figures and the runs to move into
    figures = next((f for f in runs if run is not None and f.run.id == run.id), None)
    return render_template("runs/trainees.html", course=course, run=run, figures=figures,
                           trainees=queries.trainees_of(course.id, run.id if run else None),
                           move_form=_move_form(course, run.id if run else None, runs),
                           extend_form=ExtendForm(formdata=None),
                           today=when.today(when.viewer_zone()))


@bp.route("/<slug>/runs/<int:run_id>/trainees")
def trainees(slug: str, run_id: int):
    """A run's trainees: those with a place, the waiting list in order, the withdrawn; moving and extending."""
    course = editable_course_or_404(slug)
    require(can_manage_runs, course)
    return _trainees_page(course, run_of_course_or_404(course, run_id))


@bp.route("/<slug>/runs/unplaced")
def unplaced(slug: str):
    """The course's enrolments in no run (made before it had runs), to move into one."""
    course = editable_course_or_404(slug)
    require(can_manage_runs, course)
    return _trainees_page(course, None)


def _enrolment_of_course_or_404(course, enrolment_id: int):
    enrolment = enrolment_by_id(enrolment_id)
    if enrolment is None or enrolment.course_id != course.id or not enrolment.is_current:
        abort(404)
    return enrolment


def _back(course, enrolment_run_id: int | None):
    if enrolment_run_id is None:
        return redirect(url_for("runs.unplaced", slug=course.slug))
    return redirect(url_for("runs.trainees", slug=course.slug, run_id=enrolment_run_id))


@bp.route("/<slug>/runs/enrolments/<int:enrolment_id>/move", methods=["POST"])
def move(slug: str, enrolment_id: int):
    """Move a trainee into another run: progress and attempts kept, audited."""
    course = editable_course_or_404(slug)
    require(can_manage_runs, course)
    enrolment = _enrolment_of_course_or_404(course, enrolment_id)
    was = enrolment.run_id
    form = _move_form(course, was)
    if not form.validate_on_submit():
        flash(_("Choose a run of this course to move the trainee to."), "error")
        return _back(course, was)
    target = run_of_course_or_404(course, form.run.data)
    try:
        services.move(enrolment, target, current_user)
    except services.RunError as exc:
        flash(RUN_ERRORS[exc.code](), "error")
        return _back(course, was)
    if enrolment.waiting:
        flash(_("%(name)s is moved to %(run)s, which is full: they are on its waiting list.", name=enrolment.user.name,
                run=target.title), "info")
    else:
        flash(_("%(name)s is moved to %(run)s, with their progress and attempts.", name=enrolment.user.name,
                run=target.title), "success")
    return _back(course, was)


@bp.route("/<slug>/runs/enrolments/<int:enrolment_id>/extend", methods=["POST"])
def extend(slug: str, enrolment_id: int):
    """Give one trainee a later due date (after the run's end they may then still start quiz attempts)."""
    course = editable_course_or_404(slug)
    require(can_manage_runs, course)
    enrolment = _enrolment_of_course_or_404(course, enrolment_id)
    form = ExtendForm()
    if not form.validate_on_submit():
        flash(_("Choose the new due date."), "error")
        return _back(course, enrolment.run_id)
    try:
        services.extend(enrolment, form.due_on.data, current_user)
    except services.RunError as exc:
        flash(RUN_ERRORS[exc.code](), "error")
    else:
        flash(_("%(name)s now has until %(date)s.", name=enrolment.user.name,
                date=when.format_date(form.due_on.data, "long")), "success")
    return _back(course, enrolment.run_id)
