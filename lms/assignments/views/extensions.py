"""Extensions: staff give one trainee a later due date for an assignment, with a reason (audited); the page
lists the trainees of a run (or of the course outside runs) with where their work stands and their
extension."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.access import assignment_of_course_or_404, can_manage_assessed_work, editable_course_or_404, require
from lms.assignments import queries, services
from lms.assignments.forms import ExtensionForm, RemoveExtensionForm
from lms.assignments.views.base import bp
from lms.core import when
from lms.core.forms import options
from lms.learning import queries as learning_queries
from lms.runs import queries as run_queries


@bp.route("/author/<slug>/assignments/<assignment>/extensions", methods=["GET", "POST"])
def extensions(slug: str, assignment: str):
    """The trainees of a run with their work's status and extension, and the form that gives one a later due
    date."""
    course = editable_course_or_404(slug)
    require(can_manage_assessed_work, course)
    item = assignment_of_course_or_404(course, assignment)
    runs = run_queries.runs_of(course.id)
    run_id = request.values.get("run", type=int)
    if run_id is None and runs:
        run_id = runs[0].run.id
    if run_id is not None and run_id not in {r.run.id for r in runs}:
        abort(404)
    trainees = run_queries.trainees_of(course.id, run_id)
    form = ExtensionForm()
    names = {t.enrolment.id: t.name for t in trainees if t.enrolment.status != "withdrawn"}
    form.enrolment.choices = options(names.items())
    if form.validate_on_submit():
        enrolment = learning_queries.enrolment_by_id(form.enrolment.data)
        if enrolment is None or enrolment.course_id != course.id:
            abort(404)
        services.give_extension(item, enrolment, form.due_on.data, form.reason.data, current_user)
        flash(_("Extension given: %(name)s may hand in until the end of %(day)s.",
                name=names[enrolment.id], day=when.format_date(form.due_on.data)), "success")
        return redirect(url_for("assignments.extensions", slug=slug, assignment=item.slug, run=run_id))
    ids = [t.enrolment.id for t in trainees]
    return render_template("assignments/extensions.html", course=course, assignment=item, runs=runs, run_id=run_id,
                           trainees=trainees, form=form,
                           given=queries.extensions_of(item.id), work=queries.handed_in_by_enrolment(item.id, ids),
                           due_day=services.due_day)


@bp.route("/author/<slug>/assignments/<assignment>/extensions/<int:enrolment_id>/remove", methods=["POST"])
def remove_extension(slug: str, assignment: str, enrolment_id: int):
    """Take a trainee's extension back (audited)."""
    course = editable_course_or_404(slug)
    require(can_manage_assessed_work, course)
    item = assignment_of_course_or_404(course, assignment)
    enrolment = learning_queries.enrolment_by_id(enrolment_id)
    if enrolment is None or enrolment.course_id != course.id or not RemoveExtensionForm().validate_on_submit():
        abort(404)
    services.remove_extension(item, enrolment, current_user)
    flash(_("Extension taken back."), "success")
    return redirect(url_for("assignments.extensions", slug=slug, assignment=item.slug, run=enrolment.run_id))
