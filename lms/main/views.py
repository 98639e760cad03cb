"""Home page, language switcher, low-data switch, /healthz, /readyz, /metrics and /favicon.ico."""
from __future__ import annotations

from flask import (
    Blueprint, Response, abort, current_app, jsonify, redirect, render_template, request, send_from_directory, session,
    url_for,
)
from flask_babel import get_locale
from flask_login import current_user

from lms.auth.services import set_locale, set_low_data_mode
from lms.catalog.queries import published_courses
from lms.core.health import database_state, redis_state
from lms.core.lowdata import SESSION_KEY as LOW_DATA_KEY
from lms.core.metrics import exposition, may_read_metrics
from lms.core.urls import safe_next
from lms.extensions import csrf

bp = Blueprint("main", __name__, template_folder="templates")

ICON_MAX_AGE = 7 * 24 * 3600  # seconds: browsers ask for the icon with every page; it changes with a release


@bp.route("/")
def home():
    """Welcome page with the published courses; the signed-in user's tasks by role."""
    return render_template("main/home.html", courses=published_courses(), locale=str(get_locale()))


@bp.route("/language", methods=["POST"])
def language():
    """Switch the interface language (kept in the profile when signed in)."""
    locale = request.form.get("locale", "")
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if current_user.is_authenticated:
            set_locale(current_user, locale)
    return redirect(safe_next(request.form.get("next")) or url_for("main.home"))


@bp.route("/low-data", methods=["POST"])
def low_data():
    """Turn low-data mode on (`mode=on`) or off (anything else): kept in the profile when signed in, in the
    session otherwise, then back to the page the switch was on."""
    on = request.form.get("mode") == "on"
    if on:
        session[LOW_DATA_KEY] = True
    else:
        session.pop(LOW_DATA_KEY, None)
    if current_user.is_authenticated:
        set_low_data_mode(current_user, on)
    return redirect(safe_next(request.form.get("next")) or url_for("main.home"))


@bp.route("/healthz")
@csrf.exempt
def healthz():
    """For load balancers: 200 when the database answers, 503 when it does not (JSON either way)."""
    database = database_state()
    ok = database == "ok"
    return _no_store(jsonify(status="ok" if ok else "error", database=database), 200 if ok else 503)


@bp.route("/readyz")
@csrf.exempt
def readyz():
    """For deployments and monitoring: 200 when the database and Redis (if the sign-in counts are kept there)
    answer, 503 naming which does not."""
    states = {"database": database_state(), "redis": redis_state()}
    ok = all(state in ("ok", "not used") for state in states.values())
    return _no_store(jsonify(status="ok" if ok else "error", **states), 200 if ok else 503)


def _no_store(response, code: int):
    """A health answer is about this moment: no cache may keep it."""
    response.status_code = code
    response.headers["Cache-Control"] = "no-store"
    return response


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
