"""The routes of courses kept on the device: the service worker's script (at the site's root, so that its
scope is the whole site), the web app's manifest, who is signed in (for the queued work's owner), the list of a
course's addresses to keep, the offline page, and the lesson views read offline."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from flask import Blueprint, abort, current_app, jsonify, render_template, request, send_from_directory, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from lms.access import can_keep_course, course_or_404
from lms.availability import services as availability_services
from lms.learning import queries as learning_queries
from lms.learning.offline_views import ViewTimeRefused
from lms.offline.keeping import course_to_keep

bp = Blueprint("offline", __name__, template_folder="templates")

# A queued view is one small JSON object: anything longer is not one (read before parsing).
VIEW_BODY_MAX = 512  # bytes
VIEW_TIME_MAX = 40  # characters of an ISO 8601 time with its offset
THEME_COLOUR = "#0b4f8a"  # the icon's blue (static/favicon.svg)


@bp.route("/sw.js")
def worker():
    """The service worker's script, served from the root: a worker's scope cannot be wider than its script's
    folder (the header says so for a site under a prefix). Browsers check it for updates on every visit: it is
    never kept stale."""
    response = send_from_directory(Path(current_app.static_folder) / "js", "sw.js",
                                   mimetype="text/javascript", max_age=0)
    response.headers["Service-Worker-Allowed"] = (request.script_root or "") + "/"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/manifest.webmanifest")
def manifest():
    """The web app's manifest (installable: name, icons, colours), in the visitor's language."""
    icon = lambda name, size, purpose="any": {  # noqa: E731
        "src": url_for("static", filename=f"icons/{name}"), "sizes": size, "type": "image/png", "purpose": purpose}
    body = {
        "name": _("IBM Training"), "short_name": _("IBM Training"),
        "description": _("Distance learning for Integrated Border Management."),
        "start_url": url_for("learning.my_learning"), "scope": (request.script_root or "") + "/",
        "display": "standalone", "background_color": "#ffffff", "theme_color": THEME_COLOUR,
        "icons": [{"src": url_for("static", filename="favicon.svg"), "sizes": "any", "type": "image/svg+xml"},
                  icon("icon-192.png", "192x192"), icon("icon-512.png", "512x512"),
                  icon("icon-maskable-512.png", "512x512", "maskable")],
    }
    response = jsonify(body)
    response.mimetype = "application/manifest+json"
    return response


@bp.route("/offline/session")
def session_state():
    """Who is signed in, and a CSRF token of this session: the page's script sends queued work only to its
    owner's session, with a token that is current (a page kept on the device holds an old one)."""
    signed_in = current_user.is_authenticated
    response = jsonify(user=current_user.id if signed_in else None, csrf=generate_csrf() if signed_in else None)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/offline")
def page():
    """What a page not kept on the device shows when the network fails (the service worker keeps this page with
    the courses kept, and answers with it). `what=lesson`: the text for a lesson."""
    return render_template("offline/offline.html", lesson=request.args.get("what") == "lesson")


@bp.route("/courses/<slug>/offline")
@login_required
def course_urls(slug: str):
    """The addresses to keep of a course for its enrolled trainee (JSON): its page and its open lessons, and the
    pages shared by kept courses."""
    course = course_or_404(slug)
    enrolment = learning_queries.enrolment_of(current_user.id, course.id)
    if not can_keep_course(current_user, enrolment):
        abort(403)
    response = jsonify(course_to_keep(course, enrolment).as_json())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/courses/<slug>/lessons/<lesson>/views", methods=["POST"])
@login_required
def lesson_view(slug: str, lesson: str):
    """A view of a kept lesson read offline, sent when the connection returned: `{"viewed_at": ISO time with
    offset}`. 200 `{recorded: true}` (again for a replay), 400 for a body or time that cannot be, 409 when the
    lesson is locked or the enrolment withdrawn (nothing to send again), 403 for another person's course."""
    if request.content_length is None or request.content_length > VIEW_BODY_MAX:
        abort(400)
    visit = learning_queries.lesson_visit(current_user.id, slug, lesson)
    if visit is None:
        abort(404)
    course_or_404(slug)  # the same visibility as the lesson page
    if not can_keep_course(current_user, visit.enrolment):
        abort(403)
    viewed_at = _device_time((request.get_json(silent=True) or {}) if request.is_json else None)
    if viewed_at is None:
        return jsonify(recorded=False, error="viewed_at"), 400
    try:
        state = availability_services.open_lesson_offline(visit.enrolment, visit.course, visit.lesson, viewed_at)
    except ViewTimeRefused as refused:
        return jsonify(recorded=False, error=refused.code), 400
    if state.locked:
        return jsonify(recorded=False, error="locked"), 409
    return jsonify(recorded=True)


def _device_time(body) -> datetime | None:
    """The body's `viewed_at` as an aware time, or None when it is missing, too long or not an ISO 8601 time
    with an offset."""
    value = body.get("viewed_at") if isinstance(body, dict) else None
    if not isinstance(value, str) or len(value) > VIEW_TIME_MAX:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
