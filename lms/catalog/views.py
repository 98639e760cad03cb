"""The catalogue and the courses' images: what anyone may browse, before any enrolment."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request

from lms.access import course_or_404
from lms.catalog import queries
from lms.catalog.cards import course_cards, search_form
from lms.catalog.forms import SEARCH_MAX
from lms.catalog.labels import language_name

bp = Blueprint("catalog", __name__, template_folder="templates", url_prefix="/courses")
# Templates name a course's language ("English", "англійська"), never show its tag.
bp.add_app_template_global(language_name, "language_name")


@bp.route("/")
def index():
    """Published courses, with search and filters."""
    q, language, topic = (request.args.get(name, "")[:SEARCH_MAX] for name in ("q", "language", "topic"))
    catalogue = queries.search_catalogue(q, language, topic)
    return render_template("catalog/index.html", courses=catalogue.courses, cards=course_cards(catalogue.courses),
                           search=search_form(catalogue, q, language, topic))


@bp.route("/<slug>/assets/<path:path>")
def asset(slug: str, path: str):
    """An image of a lesson, cached by browsers for a day."""
    course = course_or_404(slug)
    image = queries.asset(course, path) or abort(404)
    response = current_app.response_class(image.data, mimetype=image.mime_type)
    response.headers["Cache-Control"] = "public, max-age=86400"
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"  # SVG stays inert
    response.set_etag(image.sha256)
    return response.make_conditional(request)
