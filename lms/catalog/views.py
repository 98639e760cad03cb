"""The catalogue, course pages, course images, self-enrolment and enrolment keys."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.catalog import queries
from lms.catalog.cards import course_cards, search_form
from lms.catalog.outline import course_outline
from lms.catalog.forms import EnrolForm, EnrolmentKeyForm
from lms.core.permissions import can_set_enrolment_key, can_view_course, require
from lms.learning import queries as learning_queries
from lms.learning import services as learning

bp = Blueprint("catalog", __name__, template_folder="templates", url_prefix="/courses")

ENROL_ERRORS = {
    "not_published": lambda: _("This course is not open for enrolment."),
    "no_self_enrolment": lambda: _("Trainees cannot enrol themselves in this course. Ask your coordinator."),
    "wrong_key": lambda: _("The enrolment key is not right."),
}


def load_course(slug: str):
    """The course if the current user may see it, else 404 (drafts are invisible to trainees)."""
    course = queries.course_by_slug(slug)
    if course is None or not can_view_course(current_user, course):
        abort(404)
    return course


@bp.route("/")
def index():
    """Published courses, with search and filters."""
    q, language, topic = (request.args.get(name, "")[:100] for name in ("q", "language", "topic"))
    catalogue = queries.search_catalogue(q, language, topic)
    return render_template("catalog/index.html", courses=catalogue.courses, cards=course_cards(catalogue.courses),
                           search=search_form(catalogue, q, language, topic))


@bp.route("/<slug>")
def course(slug: str):
    """Outline, outcomes, time; the trainee's progress per module when enrolled."""
    course = load_course(slug)
    outline = course_outline(course)
    enrolment = learning_queries.enrolment_of(current_user.id, course.id) if current_user.is_authenticated else None
    progress = learning_queries.progress(enrolment)
    certificate = learning_queries.certificate_of(enrolment) if enrolment and enrolment.status == "completed" else None
    feedback = learning_queries.feedback_of(enrolment) if certificate else None
    module_done = {m.module.id: sum(1 for item in m.items if progress.done(item)) for m in outline.modules}
    return render_template("catalog/course.html", course=course, outline=outline, enrolment=enrolment,
                           progress=progress, module_done=module_done, certificate=certificate, feedback=feedback, enrol_form=EnrolForm(),
                           key_form=EnrolmentKeyForm())


@bp.route("/<slug>/enrol", methods=["POST"])
@login_required
def enrol(slug: str):
    """Enrol oneself (harmless if already enrolled)."""
    course = load_course(slug)
    form = EnrolForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        enrolment, created = learning.enrol(current_user, course, actor=current_user, source="self", key=form.key.data)
    except learning.EnrolmentError as exc:
        flash(ENROL_ERRORS[str(exc)](), "error")
        return redirect(url_for("catalog.course", slug=slug))
    if created:
        flash(_("You are enrolled in %(title)s.", title=course.title), "success")
    return redirect(url_for("learning.resume", slug=slug))


@bp.route("/<slug>/key", methods=["POST"])
@login_required
def enrolment_key(slug: str):
    """Set or clear the enrolment key (admins)."""
    course = load_course(slug)
    require(can_set_enrolment_key, course)
    form = EnrolmentKeyForm()
    if form.validate_on_submit():
        learning.set_enrolment_key(course, form.key.data or None, current_user)
        flash(_("The enrolment key is set.") if form.key.data else _("The enrolment key is removed."), "success")
    else:
        flash(_("An enrolment key has at least 4 characters."), "error")
    return redirect(url_for("catalog.course", slug=slug))


@bp.route("/<slug>/assets/<path:path>")
def asset(slug: str, path: str):
    """An image of a lesson, cached by browsers for a day."""
    course = load_course(slug)
    image = queries.asset(course, path) or abort(404)
    response = current_app_response(image.data, image.mime_type)
    response.headers["Cache-Control"] = "public, max-age=86400"
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"  # SVG stays inert
    response.set_etag(image.sha256)
    return response.make_conditional(request)


def current_app_response(data: bytes, mime: str):
    from flask import current_app

    return current_app.response_class(data, mimetype=mime)
