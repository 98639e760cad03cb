"""Staff pages of a course's runs: the list with places and waiting lists, adding, changing, cancelling."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.access import can_manage_runs, editable_course_or_404, require, run_of_course_or_404
from lms.core.forms import options
from lms.runs import queries, services
from lms.runs.forms import CancelRunForm, RunForm

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
                           cancel_form=CancelRunForm())


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
