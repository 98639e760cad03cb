"""The editor of an assignment (/author/...): every setting, the rubric as text, the due date; a changed
rubric of an assignment with marks asks first whether the marked work is marked again (a page, no script)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from lms.access import can_manage_assessed_work, editable_course_or_404, require
from lms.assignments import queries
from lms.assignments.forms import AssignmentForm
from lms.assignments.rubrics import to_text
from lms.assignments.views.base import bp
from lms.authoring import queries as authoring_queries
from lms.authoring import services as authoring
from lms.core.uploads import parse_kinds


def _found(course, kind: str, slug: str):
    return authoring_queries.item_by_slug(course, kind, slug) or abort(404)


@bp.route("/author/<slug>/modules/<module>/assignments/new", methods=["GET", "POST"])
@bp.route("/author/<slug>/assignments/<assignment>", methods=["GET", "POST"])
def edit(slug: str, module: str | None = None, assignment: str | None = None):
    """Add an assignment to a module, or change one."""
    course = editable_course_or_404(slug)
    require(can_manage_assessed_work, course)
    existing = _found(course, "assignments", assignment) if assignment else None
    parent = existing.module if existing else _found(course, "modules", module)
    form = AssignmentForm(obj=existing)
    if request.method == "GET" and existing:
        form.file_kinds.data = list(parse_kinds(existing.file_kinds))
        form.rubric.data = to_text(existing.rubric)
        form.remark.data = ""
    if form.validate_on_submit():
        rubric = form.parsed_rubric()
        if existing is None:
            created = authoring.add_assignment(parent, course, form.settings(), rubric, current_user)
            flash(_("Assignment added."), "success")
            return redirect(url_for("assignments.edit", slug=slug, assignment=created.slug))
        changed = (rubric or None) != (existing.rubric or None)
        marked = queries.marks_given(existing.id) if changed else 0
        if changed and marked and form.remark.data not in ("yes", "no"):
            return render_template("assignments/confirm_rubric.html", course=course, assignment=existing, form=form,
                                   marked=marked)
        reopened = authoring.update_assignment(existing, course, form.settings(), rubric,
                                               form.remark.data == "yes", current_user)
        flash(_("Assignment saved."), "success")
        if reopened:
            flash(ngettext("%(num)d marked submission goes back to be marked again with the new rubric.",
                           "%(num)d marked submissions go back to be marked again with the new rubric.", reopened),
                  "info")
        return redirect(url_for("assignments.edit", slug=slug, assignment=existing.slug))
    return render_template("assignments/edit.html", course=course, module=parent, assignment=existing, form=form)
