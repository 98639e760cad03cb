"""Home page, language switcher, /healthz, /metrics and /favicon.ico."""
from __future__ import annotations

from flask import (
    Blueprint, Response, abort, current_app, jsonify, redirect, render_template, request, send_from_directory, session,
    url_for,
)
from flask_login import current_user
from sqlalchemy import text

from lms.auth.services import set_locale
from lms.catalog.queries import published_courses
from lms.core.metrics import exposition, may_read_metrics
from lms.core.urls import safe_next
from lms.extensions import csrf, db

bp = Blueprint("main", __name__, template_folder="templates")

ICON_MAX_AGE = 7 * 24 * 3600  # seconds: browsers ask for the icon with every page; it changes with a release


@bp.route("/")
def home():
    """Welcome page with the published courses; the signed-in user's tasks by role."""
    return render_template("main/home.html", courses=published_courses())


@bp.route("/language", methods=["POST"])
def language():
    """Switch the interface language (kept in the profile when signed in)."""
    locale = request.form.get("locale", "")
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if current_user.is_authenticated:
            set_locale(current_user, locale)
    return redirect(safe_next(request.form.get("next")) or url_for("main.home"))


@bp.route("/healthz")
@csrf.exempt
def healthz():
    """For load balancers: 200 when the database answers, 503 when it does not."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


@bp.route("/metrics")
def metrics():
    """For Prometheus: the metrics in its text format, to the bearer of LMS_METRICS_TOKEN or a client of
    LMS_METRICS_ALLOW; anyone else gets the 404 of an address where nothing is, so that nobody learns it is
    here. The rule is the address or the token, never a signed-in role."""
    if not may_read_metrics():
        abort(404)
    body, content_type = exposition()
    return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})


@bp.route("/favicon.ico")
def favicon():
    """The site's icon where browsers look for it without a link (and older ones with the link): the static
    ICO, kept by browsers and shared caches for a week, for visitors signed in or not."""
    return send_from_directory(current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                               max_age=ICON_MAX_AGE)
