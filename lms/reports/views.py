"""Report pages: the completion report, the drill-down, the charts, the expiring certificates, and their
CSV/XLSX exports.

Admins see every institution, coordinators only their own, whatever the URL or the parameters
say: the scope is applied in SQL by `lms.access.report_scope`, and an institution that is not
the viewer's is "not found".

The filters are read by one schema (`lms.reports.filters`), as the API reads them: a page with a bad
value still renders, the message next to the field that was wrong and the figures computed without
that filter; an export link with one is a 400 page naming it. The exports themselves are
`lms.reports.exports`.
"""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from lms.access import (
    can_view_institution_reports, can_view_reports, report_scope, require, requires, visible_institutions,
)
from lms.catalog.queries import course_by_slug
from lms.core import when
from lms.core.errors import reject
from lms.core.when import viewer_zone
from lms.institutions.queries import visible_institution
from lms.reports import charts, exports, queries
from lms.reports.filters import (
    CERTIFICATIONS, FILTER_NAMES, DrilldownFilterSchema, FilterError, ReportFilters, ReportFilterSchema,
    parse_expiring_filters, parse_filters, read_expiring_filters, read_filters,
)
from lms.reports.forms import CERTIFICATION_LABELS, DrilldownFilterForm, ExpiringFilterForm, FilterForm

bp = Blueprint("reports", __name__, template_folder="templates", url_prefix="/reports")


def _page_filters(form, schema=ReportFilterSchema) -> ReportFilters:
    """The filters of a page, read by the schema; its messages are shown on `form`, next to their fields.

    The page still renders when a value is bad: its figures are computed without that filter (the
    others still apply), and the form says which one was left out and why."""
    filters, errors = read_filters(request.args, schema, when.viewer_zone())
    return form.show(filters, errors)


def _link_filters(schema=ReportFilterSchema) -> ReportFilters:
    """The filters of an export link: a value that cannot be understood is a 400 page naming it."""
    try:
        return parse_filters(request.args, schema, when.viewer_zone())
    except FilterError as error:
        reject(400, error.describe())


def _filter_args(filters: ReportFilters) -> dict:
    return {k: v for k, v in filters.as_dict().items() if k in FILTER_NAMES}


@bp.route("/")
@requires(can_view_reports)
def index():
    """The completion report: one row per institution and course, with totals."""
    form = FilterForm(current_user, request.args)
    filters = _page_filters(form)
    report = queries.completion_report(report_scope(current_user), filters)
    return render_template("reports/index.html", form=form, report=report, args=_filter_args(filters))


@bp.route("/charts")
@requires(can_view_reports)
def charts_page():
    """Completion rate per institution and completions per month, as SVG with the same figures as tables."""
    form = FilterForm(current_user, request.args)
    filters = _page_filters(form)
    per_institution = queries.completion_by_institution(report_scope(current_user), filters)
    per_month = queries.completions_per_month(report_scope(current_user), filters)
    rate_chart = charts.horizontal_bars([(r.institution_code, r.completion_rate) for r in per_institution])
    month_chart = charts.vertical_bars(per_month)
    return render_template("reports/charts.html", form=form, per_institution=per_institution, per_month=per_month,
                           rate_chart=rate_chart, month_chart=month_chart, args=_filter_args(filters))


@bp.route("/institutions/<code>/courses/<slug>")
@requires(can_view_reports)
def drilldown(code: str, slug: str):
    """The trainees of one institution in one course: status, progress, score, attempts, dates, certificate."""
    institution, course = _drilldown_subject(code, slug)
    form = DrilldownFilterForm(request.args)
    filters = _page_filters(form, DrilldownFilterSchema).replace(course=course.slug, institution=institution.code)
    sort = request.args.get("sort", "name")
    sort = sort if sort in queries.SORTS else "name"
    descending = request.args.get("order") == "desc"
    page = queries.enrolment_page(report_scope(current_user), filters, sort=sort, descending=descending,
                                  page=request.args.get("page", 1, type=int), per_page=queries.PER_PAGE)
    return render_template("reports/drilldown.html", institution=institution, course=course, page=page, sort=sort,
                           descending=descending, form=form,
                           args=_filter_args(filters.replace(course=None, institution=None)))


def _drilldown_subject(code: str, slug: str):
    """The institution and the course of a drill-down: 404 when either is unknown or out of the viewer's sight."""
    institution = visible_institution(visible_institutions(current_user), code) or abort(404)
    require(can_view_institution_reports, institution)
    course = (course_by_slug(slug) if "\x00" not in slug else None) or abort(404)
    return institution, course


@bp.route("/runs")
@requires(can_view_reports)
def runs():
    """The per-run view: one row per course run with its enrolled, waiting, completed, on time, late, overdue."""
    form = FilterForm(current_user, request.args)
    filters = _page_filters(form)
    rows = queries.run_report(report_scope(current_user), filters)
    return render_template("reports/runs.html", form=form, rows=rows, args=_filter_args(filters))


@bp.route("/runs/export.<fmt>")
@requires(can_view_reports)
def export_runs(fmt: str):
    """The per-run view as CSV or XLSX."""
    _check_format(fmt)
    return exports.runs(current_user, report_scope(current_user), _link_filters(), fmt)


@bp.route("/certificates/expiring")
@requires(can_view_reports)
def expiring():
    """The trainees whose certification runs out within the notice period (or a chosen window), by expiry."""
    form = ExpiringFilterForm(current_user, request.args)
    filters, errors = read_expiring_filters(request.args)
    filters = form.show(filters, errors)
    sort, descending = _expiring_order()
    page = queries.expiring_page(report_scope(current_user), filters, viewer_zone(), sort=sort, descending=descending,
                                 page=request.args.get("page", 1, type=int))
    return render_template("reports/expiring.html", form=form, page=page, sort=sort, descending=descending,
                           args=filters.as_dict())


@bp.route("/certificates/expiring/export.<fmt>")
@requires(can_view_reports)
def export_expiring(fmt: str):
    """The expiring certificates page's rows as CSV or XLSX, in the page's order."""
    _check_format(fmt)
    try:
        filters = parse_expiring_filters(request.args)
    except FilterError as error:
        reject(400, error.describe())
    sort, descending = _expiring_order()
    return exports.expiring(current_user, report_scope(current_user), filters, viewer_zone(), fmt, sort, descending)


def _expiring_order() -> tuple[str, bool]:
    sort = request.args.get("sort", "expires")
    return (sort if sort in queries.EXPIRING_SORTS else "expires"), request.args.get("order") == "desc"


@bp.route("/completion/export.<fmt>")
@requires(can_view_reports)
def export_completion(fmt: str):
    """The completion report as CSV or XLSX, totals in the last row."""
    _check_format(fmt)
    return exports.completion(current_user, report_scope(current_user), _link_filters(), fmt)


@bp.route("/institutions/<code>/courses/<slug>/export.<fmt>")
@requires(can_view_reports)
def export_drilldown(code: str, slug: str, fmt: str):
    """The drill-down's trainees as CSV or XLSX."""
    _check_format(fmt)
    institution, course = _drilldown_subject(code, slug)
    filters = _link_filters(DrilldownFilterSchema).replace(course=course.slug, institution=institution.code)
    return exports.drilldown(current_user, report_scope(current_user), institution, course, filters, fmt)


@bp.route("/enrolments/export.<fmt>")
@requires(can_view_reports)
def export_enrolments(fmt: str):
    """Every trainee's current enrolments the viewer may see (the admin's full export), filtered."""
    _check_format(fmt)
    return exports.enrolments(current_user, report_scope(current_user), _link_filters(), fmt)


def _check_format(fmt: str) -> None:
    if fmt not in exports.FORMATS:
        abort(404)


STATE_LABELS = {"not_started": _l("Not started"), "in_progress": _l("In progress"), "completed": _l("Completed"),
                "withdrawn": _l("Withdrawn")}


@bp.app_template_global("state_labels")
def state_labels() -> dict:
    """Labels of the enrolment states, in the reader's language."""
    return STATE_LABELS


@bp.app_template_global("certification_labels")
def certification_labels() -> dict:
    """Labels of the certifications, in the reader's language."""
    return CERTIFICATION_LABELS


@bp.app_template_global("certification_names")
def certification_names() -> tuple[str, ...]:
    """The certifications, best first (the report's columns)."""
    return CERTIFICATIONS


@bp.app_template_filter("pct")
def percent(value, digits: int = 1) -> str:
    """A percentage in the reader's locale ("33.3 %", "33,3 %"), or a dash."""
    if value is None:
        return "—"
    number = format_decimal(round(float(value), digits), format="#,##0" + ("." + "0" * digits if digits else ""))
    return number + "\u00a0%"  # a no-break space: the sign never wraps away from its number


@bp.app_template_filter("decimal1")
def decimal1(value) -> str:
    """A number with one decimal in the reader's locale, or a dash."""
    return "—" if value is None else format_decimal(round(float(value), 1), format="#,##0.0")
