"""The catalogue and the courses' images: what anyone may browse, before any enrolment."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request

from lms.access import course_or_404
from lms.catalog import assets, queries
from lms.catalog.cards import course_cards, search_form
from lms.catalog.forms import SEARCH_MAX
from lms.catalog.labels import language_name, language_names
from lms.core.i18n import own_name
from lms.core.static_files import IMMUTABLE
from lms.core.storage import StorageNotFound

bp = Blueprint("catalog", __name__, template_folder="templates", url_prefix="/courses")
# Templates name a course's language ("English", "англійська"), never show its tag.
bp.add_app_template_global(language_name, "language_name")
bp.add_app_template_global(own_name, "own_language_name")
bp.add_app_template_global(language_names, "language_names")


@bp.route("/")
def index():
    """Published courses, with search and filters."""
    q, language, topic = (request.args.get(name, "")[:SEARCH_MAX] for name in ("q", "language", "topic"))
    catalogue = queries.search_catalogue(q, language, topic)
    return render_template("catalog/index.html", courses=catalogue.courses, cards=course_cards(catalogue.courses),
                           search=search_form(catalogue, q, language, topic))


@bp.route("/<slug>/assets/<path:path>")
def asset(slug: str, path: str):
    """An image of a lesson, streamed from the storage: cached by browsers for a year when the address names
    its current version (as the lesson page writes it), else for a day."""
    course = course_or_404(slug)
    image = queries.asset(course, path) or abort(404)
    versioned = request.args.get("v") == assets.version(image)
    headers = {"Cache-Control": IMMUTABLE if versioned else "public, max-age=86400",
               "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}  # SVG stays inert
    if image.sha256 in request.if_none_match:
        # Revalidation, the common case for a cached image: answered without touching the storage.
        response = current_app.response_class(status=304, headers=headers)
        response.set_etag(image.sha256)
        return response
    try:
        chunks = assets.stream(image)
    except StorageNotFound:
        current_app.logger.error("course image %s of course %s is missing from the storage", path, slug)
        abort(404)
    response = current_app.response_class(chunks, mimetype=image.mime_type, headers=headers,
                                          direct_passthrough=True)
    response.content_length = image.size
    response.set_etag(image.sha256)
    return response
