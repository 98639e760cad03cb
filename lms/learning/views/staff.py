"""Staff enrolling a trainee (an admin, or the trainee's coordinator)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.access import can_enrol_others, can_restore_enrolment, require, visible_users
from lms.catalog import queries as catalog_queries
from lms.core import when
from lms.core.forms import options
from lms.learning import queries, services
from lms.learning.forms import EnrolTraineeForm
from lms.learning.views.base import ENROL_ERRORS, STAFF_RUN_ERRORS, bp
from lms.people.queries import visible_user
from lms.runs import queries as run_queries
from lms.runs import services as run_services


@bp.route("/people/<int:user_id>/enrol", methods=["GET", "POST"])
@login_required
def enrol_trainee(user_id: int):
    """An admin, or the trainee's coordinator, enrols a trainee in a course (in one of its runs, when it has runs)
    with an optional due date (a run's end by default)."""
    trainee = visible_user(visible_users(current_user), user_id) or abort(404)
    require(can_enrol_others, trainee)
    form = EnrolTraineeForm()
    targets = run_queries.enrolment_targets(catalog_queries.published_courses(), trainee.institution_id,
                                            when.today(when.person_zone(trainee)))
    chosen = {t.course.slug: (t.course, None) for t in targets if t.runs is None}
    chosen.update({f"{t.course.slug}@{f.run.id}": (t.course, f.run) for t in targets if t.runs for f in t.runs})
    form.course.choices = options((value, value) for value in chosen)
    if form.validate_on_submit():
        entry, run = chosen[form.course.data]
        course = catalog_queries.course_by_slug(entry.slug) or abort(400)  # the catalogue lists entries, not courses
        source = "admin" if current_user.role == "admin" else "coordinator"
        existing = queries.enrolment_of(trainee.id, course.id)
        was_withdrawn = existing is not None and existing.status == "withdrawn"
        if was_withdrawn and not can_restore_enrolment(current_user, existing):
            # Enrolling again restores the withdrawn cycle: the same rule as restoring it by hand.
            flash(_("Only an admin can restore a completed enrolment."), "error")
            return redirect(url_for("people.person", user_id=trainee.id))
        try:
            if run is not None:
                enrolment, created = run_services.enrol_in_run(trainee, run, actor=current_user, source=source,
                                                               due_on=form.due.data)
            else:
                enrolment, created = services.enrol(trainee, course, actor=current_user, source=source,
                                                    due_on=form.due.data)
        except services.EnrolmentError as exc:
            flash(ENROL_ERRORS[str(exc)](), "error")
        except run_services.RunError as exc:
            flash(STAFF_RUN_ERRORS[exc.code](), "error")
        else:
            flash(_enrolled_message(trainee, course, enrolment, created, was_withdrawn), "success")
            return redirect(url_for("people.person", user_id=trainee.id))
    elif form.is_submitted() and form.course.errors:
        form.course.errors = [_("Choose a course, or a run of a course, from the list.")]
    return render_template("learning/enrol_trainee.html", trainee=trainee, form=form, targets=targets)


def _enrolled_message(trainee, course, enrolment, created: bool, was_withdrawn: bool) -> str:
    """What staff read after enrolling a trainee."""
    if enrolment.waiting and (created or was_withdrawn):
        return _("%(run)s is full: %(name)s is on its waiting list, position %(position)d.", run=enrolment.run.title,
                 name=trainee.name, position=run_queries.waiting_position(enrolment))
    if created:
        if enrolment.run is not None:
            return _("%(name)s is enrolled in %(title)s, run %(run)s.", name=trainee.name, title=course.title,
                     run=enrolment.run.title)
        return _("%(name)s is enrolled in %(title)s.", name=trainee.name, title=course.title)
    if was_withdrawn:
        return _("The withdrawn enrolment of %(name)s in %(title)s is restored.", name=trainee.name, title=course.title)
    return _("%(name)s was already enrolled in %(title)s.", name=trainee.name, title=course.title)
