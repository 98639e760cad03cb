"""/api/v1: read-only JSON API secured by personal access tokens (`Authorization: Bearer <token>`).

The token acts as its user: the same filters, scoping and permissions as the pages. Session
cookies are ignored (no request is authenticated by them) and CSRF does not apply; every route
is GET. Report reads are audited like exports (via "api"). The OpenAPI description is generated
from the declarations in this module (`lms.api.spec`) and served at /api/v1/openapi.json.
"""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from sqlalchemy import true
from werkzeug.exceptions import HTTPException

from lms.access import (
    can_edit_course, can_view_course, can_view_enrolments_of, can_view_institution_reports, can_view_reports, report_scope,
    visible_institutions,
)
from lms.api import schemas, services
from lms.api.spec import build, error_response, operation
from lms.auth.queries import user_by_id
from lms.catalog.queries import course_by_slug, courses_by_title
from lms.core import clock, when
from lms.core.urls import INT_MAX
from lms.extensions import csrf
from lms.institutions.queries import visible_institution
from lms.reports import queries
from lms.reports.filters import SHOW, ReportFilters, filters_from
from lms.reports.services import record_export
from lms.runs import queries as run_queries

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # tokens, not cookies, authenticate here, and nothing is written through it

PUBLIC_ENDPOINTS = {"api_v1.openapi"}
DESCRIPTION = (
    "Read-only access to courses and their runs, completion reports and enrolments, as the token's user.\n\n"
    "Dates and times: instants are ISO 8601 with the offset of the reader's zone (2027-03-28T23:59:00+03:00); "
    "dates are YYYY-MM-DD. A due date (`due_on`) is a date as it was set; it ends at midnight at its end in "
    "the trainee's zone (`due_at`). Report periods (enrolled_from ... completed_to) are whole days, both ends "
    "included, in the zone given by `tz` (an IANA name such as Europe/Kyiv) or `utc_offset` (such as +03:00), "
    "else in the token owner's zone (their profile's, else their institution's, else the platform's).")
# The `error` of each status the API may answer (the OpenAPI description's Error schema).
ERROR_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 413: "too_large", 429: "too_many_requests", 500: "internal_error",
               503: "unavailable"}


@bp.before_request
def authenticate_token():
    """Every API request but the description needs a valid token; the session is never used."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    user = services.authenticate(token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        response = error_response(401, "unauthorized", "Send a valid token: Authorization: Bearer <token>.")
        response.headers["WWW-Authenticate"] = 'Bearer realm="lms"'
        return response
    g.api_user = user
    # Dates and times are read and written in the token owner's zone unless the request names one (`tz`).
    g.viewer_zone = when.person_zone(user)
    for name in ("utc_offset", "tz"):  # tz wins
        if request.args.get(name):
            try:
                g.viewer_zone = when.parse_zone(request.args[name])
            except ValueError:
                pass  # the query schema refuses it with a 400 naming it
    return None


@bp.after_request
def no_caching(response):
    """API answers hold personal data and depend on the token: never cache them."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Vary"] = "Authorization"
    return response


def json_error(error: HTTPException, error_id: str | None = None):
    """Any error of a request under /api/v1 in JSON (the Error schema), like its answers: those of its
    views, and those raised before a view is known (routing, the request's size) or by a fault, which
    `lms.core.errors` hands here. Never cached, as every answer of the API."""
    status = error.code or 500
    code = ERROR_CODES.get(status, "error")
    if error_id and status == 503:
        message = (f"The database is busy or does not answer (logged as {error_id}). Try again after the "
                   "seconds of Retry-After.")
    elif error_id:
        message = f"An unexpected error occurred and was logged as {error_id}. Try again in a moment."
    else:
        message = str(getattr(error, "user_message", None) or error.description or code)
    response = error_response(status, code, message, error_id=error_id)
    headers = dict(error.get_headers())
    for name in ("Allow", "Retry-After"):
        if name in headers:
            response.headers[name] = headers[name]
    return no_caching(response)


def _page_dict(page, items) -> dict:
    return {"items": items, "page": page.page, "per_page": page.per_page, "total": page.total, "pages": page.pages}


def _forbidden():
    return error_response(403, "forbidden", "The token's user may not see reports.")


def _not_found():
    return error_response(404, "not_found", "Not found.")


@bp.route("/openapi.json")
def openapi():
    """The OpenAPI 3 description of this API (public)."""
    return jsonify(build("api_v1", "IBM Training API", "1.0.0", DESCRIPTION))


@bp.route("/courses")
@operation(summary="Courses", response=schemas.CoursePageSchema, query=schemas.PageQuery, errors=(400, 401),
           tag="courses")
def courses(args):
    """Published courses, and drafts for course editors; by title."""
    items, total = courses_by_title(drafts=can_edit_course(g.api_user, None), page=args["page"],
                                    per_page=min(args["per_page"], queries.MAX_PER_PAGE))
    return _page_dict(queries.Page(items, args["page"], args["per_page"], total), items)


@bp.route("/courses/<slug>/runs")
@operation(summary="A course's runs", response=schemas.RunListSchema, errors=(401, 404), tag="courses",
           path_params=({"name": "slug", "description": "Course slug.", "schema": {"type": "string"}},))
def course_runs(args, slug: str):
    """The runs (intakes) of a course the token's user may see, by start date, with places taken and waiting;
    empty for a course without runs (self-paced)."""
    course = course_by_slug(slug) if "\x00" not in slug else None
    if course is None or not can_view_course(g.api_user, course):
        return _not_found()
    return {"items": [{
        "code": f.run.code, "title": f.run.title, "starts_on": f.run.starts_on, "ends_on": f.run.ends_on,
        "enrol_opens_on": f.run.enrol_opens_on, "enrol_closes_on": f.run.enrol_closes_on,
        "capacity": f.run.capacity, "taken": f.taken, "waiting": f.waiting, "cancelled": f.run.cancelled,
        "open_to": None if f.run.open_to_all else [i.code for i in f.run.institutions]}
        for f in run_queries.runs_of(course.id)]}


@bp.route("/reports/completion")
@operation(summary="Completion report", response=schemas.CompletionReportSchema, query=schemas.ReportQuery,
           errors=(400, 401, 403))
def completion(args):
    """One row per institution and course (paginated), with totals over all rows. Coordinators see only
    their own institution, whatever the filters say."""
    user = g.api_user
    if not can_view_reports(user):
        return _forbidden()
    filters, now = filters_from(args, when.viewer_zone()), clock.now()
    scope = report_scope(user)
    total = queries.count_completion_rows(scope, filters, now)
    report = queries.completion_report(scope, filters, now, limit=args["per_page"],
                                       offset=(args["page"] - 1) * args["per_page"])
    record_export(user, "export.completion_report", "json", filters, len(report.rows), via="api")
    return {**_page_dict(queries.Page(report.rows, args["page"], args["per_page"], total), report.rows),
            "totals": report.totals}


@bp.route("/reports/completion/<code>/<slug>")
@operation(summary="Drill-down: the trainees of an institution in a course", response=schemas.EnrolmentPageSchema,
           query=schemas.DrilldownQuery, errors=(400, 401, 403, 404),
           path_params=({"name": "code", "description": "Institution code.", "schema": {"type": "string"}},
                        {"name": "slug", "description": "Course slug.", "schema": {"type": "string"}}))
def drilldown(args, code: str, slug: str):
    """Status, progress, best score, attempts, dates and certificate of each trainee, sorted and paginated."""
    user = g.api_user
    if not can_view_reports(user):
        return _forbidden()
    institution = visible_institution(visible_institutions(user), code)
    if institution is None or not can_view_institution_reports(user, institution) or "\x00" in slug:
        return _not_found()
    course = course_by_slug(slug)
    if course is None:
        return _not_found()
    filters = filters_from(args, when.viewer_zone()).replace(course=course.slug, institution=institution.code)
    page = queries.enrolment_page(report_scope(user), filters, sort=args["sort"], descending=args["order"] == "desc",
                                  page=args["page"], per_page=args["per_page"])
    record_export(user, "export.drilldown", "json", filters, len(page.items), via="api",
                  institution_id=institution.id)
    return _page_dict(page, page.items)


@bp.route("/trainees/<int:user_id>/enrolments")
@operation(summary="A trainee's current enrolments", response=schemas.EnrolmentPageSchema,
           query=schemas.PageQuery, errors=(400, 401, 404), tag="enrolments",
           path_params=({"name": "user_id", "description": "The trainee's account id.",
                         "schema": {"type": "integer", "minimum": 0, "maximum": INT_MAX}},))
def trainee_enrolments(args, user_id: int):
    """The trainee's current enrolment cycles with their figures: for the trainee, admins and the trainee's
    coordinator (anyone else gets 404)."""
    user = g.api_user
    trainee = user_by_id(user_id)
    if trainee is None or not can_view_enrolments_of(user, trainee):
        return _not_found()
    # Access to this trainee is decided above: their enrolments are in scope whatever the reader's reports.
    # Withdrawn enrolments too (marked so): the trainee's own list leaves nothing out.
    page = queries.enrolment_page(true(), ReportFilters(withdrawn=SHOW), sort="course", page=args["page"],
                                  per_page=args["per_page"], user_id=trainee.id)
    if user.id != trainee.id:
        record_export(user, "export.enrolments", "json", ReportFilters(), len(page.items), via="api",
                      institution_id=trainee.institution_id)
    return _page_dict(page, page.items)


@bp.route("/<path:anything>")
def unknown(anything: str):
    """Anything else under /api/v1 is a JSON 404 (json_error answers the addresses no route takes)."""
    return _not_found()
