"""The editor of a practical (/author/<course>/practicals/...): settings, instructions and the checklist's
criteria added, changed, moved and taken off (retired once a record used them). Works without JavaScript."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.access import editable_course_or_404, practical_for_editing_or_404
from lms.authoring import queries as authoring_queries
from lms.checklists import queries, services
from lms.checklists.forms import CriterionForm, PracticalForm
from lms.checklists.views.base import bp, error_text


@bp.route("/author/<slug>/modules/<module>/practicals/new", methods=["GET", "POST"])
def new_practical(slug: str, module: str):
    """Add a practical at the end of a module; its criteria come next."""
    course = editable_course_or_404(slug)
    parent = authoring_queries.item_by_slug(course, "modules", module) or abort(404)
    form = PracticalForm()
    if form.validate_on_submit():
        created = services.add_practical(parent, course, form.settings(), current_user)
        flash(_("Practical added. Now add its criteria."), "success")
        return redirect(url_for("practicals.edit", slug=slug, practical=created.slug))
    return render_template("practicals/edit.html", course=course, module=parent, practical=None, form=form,
                           criteria=[], used=set(), new_criterion=None), 400 if form.is_submitted() else 200


@bp.route("/author/<slug>/practicals/<practical>", methods=["GET", "POST"])
def edit(slug: str, practical: str):
    """A practical's settings and its checklist."""
    course, item = practical_for_editing_or_404(slug, practical)
    form = PracticalForm(obj=item)
    if form.validate_on_submit():
        services.update_practical(item, course, form.settings(), current_user)
        flash(_("Practical saved."), "success")
        return redirect(url_for("practicals.edit", slug=slug, practical=item.slug))
    return _editor(course, item, form, CriterionForm(prefix="new")), 400 if form.is_submitted() else 200


def _editor(course, item, form, new_criterion):
    return render_template("practicals/edit.html", course=course, module=item.module, practical=item, form=form,
                           criteria=queries.live_criteria(item), used=queries.used_criterion_ids(item),
                           new_criterion=new_criterion, records=queries.record_count(item))


@bp.route("/author/<slug>/practicals/<practical>/criteria", methods=["POST"])
def add_criterion(slug: str, practical: str):
    """Add a criterion at the end of the checklist."""
    course, item = practical_for_editing_or_404(slug, practical)
    new = CriterionForm(prefix="new")
    if new.validate_on_submit():
        try:
            services.add_criterion(item, course, new.text.data, bool(new.critical.data), current_user)
        except services.PracticalError as exc:
            new.text.errors = [error_text(exc.code, **exc.details)]
        else:
            flash(_("Criterion added."), "success")
            return redirect(url_for("practicals.edit", slug=slug, practical=item.slug, _anchor="criteria"))
    return _editor(course, item, PracticalForm(obj=item, formdata=None), new), 400


@bp.route("/author/<slug>/practicals/<practical>/criteria/<int:criterion_id>", methods=["POST"])
def criterion(slug: str, practical: str, criterion_id: int):
    """Save, move or take off one criterion (the button pressed says which)."""
    course, item = practical_for_editing_or_404(slug, practical)
    target = next((c for c in queries.live_criteria(item) if c.id == criterion_id), None) or abort(404)
    form = CriterionForm(prefix=f"c{target.id}")
    action = request.form.get("action")  # every post carries the CSRF token (CSRFProtect)
    if action in ("up", "down"):
        services.move_criterion(target, -1 if action == "up" else 1, course)
    elif action == "remove":
        how = services.retire_criterion(target, course, current_user)
        flash(_("Criterion retired: records signed with it keep it.") if how == "retired"
              else _("Criterion deleted."), "success")
    elif action == "save" and form.validate_on_submit():
        try:
            services.update_criterion(target, course, form.text.data, bool(form.critical.data), current_user)
        except services.PracticalError as exc:
            flash(error_text(exc.code, **exc.details), "error")
        else:
            flash(_("Criterion saved."), "success")
    elif action == "save":
        flash(_("Write the criterion (at most 500 characters)."), "error")
    else:
        abort(400)
    return redirect(url_for("practicals.edit", slug=slug, practical=item.slug, _anchor="criteria"))
