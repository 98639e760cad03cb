"""Report pages: the completion report, the drill-down, the charts, the expiring certificates, and their
CSV/XLSX exports.

Admins see every institution, coordinators only their own, whatever the URL or the parameters
say: the scope is applied in SQL by `lms.access.report_scope`, and an institution that is not
the viewer's is "not found".

The filters are read by one schema (`lms.reports.filters`), as the API reads them: a page with a bad
value still renders, the message next to the field that was wrong and the figures computed without
that filter; an export link with one is a 400 page naming it. The exports themselves are
`lms.reports.downloads`: one of more rows than LMS_EXPORT_JOB_ROWS (counted first, in SQL) becomes an export
job (`lms.reports.tasks`) and the link leads to its page (`lms.reports.job_views`); a smaller one is sent at once.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_login import current_user

from lms.access import (
    can_view_institution_reports, can_view_reports, own_export_or_404, report_scope, require, requires, signed_in,
    visible_institutions,
)
from lms.catalog.queries import course_by_slug
from lms.core import clock, when
from lms.core.errors import reject
from lms.core.downloads import send_stored
from lms.core.numbers import number
from lms.core.when import viewer_zone
from lms.institutions.queries import visible_institution
from lms.reports import charts, downloads, queries, services, tasks
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
    per_institution = queries.completion_rates_by_institution(report_scope(current_user), filters)
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
    filters = _link_filters()
    return _deliver("runs", fmt, downloads.runs(report_scope(current_user), filters), filters)


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
    export = downloads.expiring(report_scope(current_user), filters, viewer_zone(), sort, descending)
    return _deliver("expiring", fmt, export, filters, {"sort": sort, "descending": descending})


def _expiring_order() -> tuple[str, bool]:
    sort = request.args.get("sort", "expires")
    return (sort if sort in queries.EXPIRING_SORTS else "expires"), request.args.get("order") == "desc"


@bp.route("/completion/export.<fmt>")
@requires(can_view_reports)
def export_completion(fmt: str):
    """The completion report as CSV or XLSX, totals in the last row."""
    _check_format(fmt)
    filters = _link_filters()
    return _deliver("completion", fmt, downloads.completion(report_scope(current_user), filters), filters)


@bp.route("/institutions/<code>/courses/<slug>/export.<fmt>")
@requires(can_view_reports)
def export_drilldown(code: str, slug: str, fmt: str):
    """The drill-down's trainees as CSV or XLSX."""
    _check_format(fmt)
    institution, course = _drilldown_subject(code, slug)
    filters = _link_filters(DrilldownFilterSchema).replace(course=course.slug, institution=institution.code)
    export = downloads.drilldown(report_scope(current_user), institution, course, filters)
    return _deliver("drilldown", fmt, export, filters)


@bp.route("/enrolments/export.<fmt>")
@requires(can_view_reports)
def export_enrolments(fmt: str):
    """Every trainee's current enrolments the viewer may see (the admin's full export), filtered."""
    _check_format(fmt)
    filters = _link_filters()
    return _deliver("enrolments", fmt, downloads.enrolments(report_scope(current_user), filters, fmt), filters)


def _check_format(fmt: str) -> None:
    if fmt not in downloads.FORMATS:
        abort(404)


def _deliver(kind: str, fmt: str, export: downloads.Export, filters, params: dict | None = None):
    """Send the export at once, or, past LMS_EXPORT_JOB_ROWS rows (one COUNT), make it a job and show its page."""
    rows = export.count()
    if rows <= current_app.config["EXPORT_JOB_ROWS"]:
        return downloads.send(export, current_user, fmt, None if export.in_request else rows)
    job = services.create_export_job(current_user, kind, fmt, filters.as_dict(), when.zone_name(export.zone), rows,
                                     tasks.run_export, params)
    return redirect(url_for("reports.export_job", job_id=job.id), 303)


# --- export jobs ------------------------------------------------------------------------------------------

#: Seconds between reloads of a running job's page without JavaScript (a meta refresh inside <noscript>; with
#: JavaScript, static/js/export-progress.js asks the status instead and updates the page in place).
REFRESH_SECONDS = 3


@bp.route("/exports/")
@requires(signed_in)
def export_jobs():
    """The person's own exports, newest first, with their state and, while it lasts, the download."""
    return render_template("reports/export_jobs.html", jobs=queries.export_jobs_of(current_user.id),
                           now=clock.now())


@bp.route("/exports/<int:job_id>")
@requires(signed_in)
def export_job(job_id: int):
    """One export job's page: progress while it runs (reloading itself), then its download, its failure or its
    expiry. Its maker's alone: anyone else finds nothing here."""
    job = own_export_or_404(current_user, job_id)
    response = make_response(render_template("reports/export_job.html", job=job, expired=_expired(job),
                                              refresh=REFRESH_SECONDS))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/exports/<int:job_id>/status.json")
@requires(signed_in)
def export_job_status(job_id: int):
    """How far the job is, for its page's script: status, rows done and total, and the download once done."""
    job = own_export_or_404(current_user, job_id)
    done = job.status == "done" and not _expired(job)
    response = jsonify(status="expired" if _expired(job) else job.status, rows_done=job.rows_done,
                       rows_total=job.rows_total, percent=job.percent,
                       download=url_for("reports.export_download", job_id=job.id) if done else None,
                       text=_progress_text(job))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/exports/<int:job_id>/download")
@requires(signed_in)
def export_download(job_id: int):
    """The export's file, for its maker, until it expires (then 410: deleted, as it holds personal data)."""
    job = own_export_or_404(current_user, job_id)
    if _expired(job):
        reject(410, _l("The download time of this export is over and its file has been deleted. Start the export "
                       "again from the report."))
    if job.status != "done" or not job.file_key:
        abort(404)
    # Resumable (Range, If-Range): a large export cut by an outage goes on where it stopped.
    return send_stored(job.file_key, job.file_name, downloads.FORMATS[job.fmt].content_type)


def _expired(job) -> bool:
    return job.status == "expired" or (job.expires_at is not None and job.expires_at <= clock.now())


def _progress_text(job) -> str:
    return _("%(done)s of %(total)s rows", done=number(job.rows_done, 0), total=number(job.rows_total, 0))


EXPORT_LABELS = {"completion": _l("Completion report"), "drilldown": _l("Trainees of an institution in a course"),
                 "enrolments": _l("All trainees' enrolments"), "runs": _l("Report per run"),
                 "expiring": _l("Expiring certificates")}


@bp.app_template_global("export_labels")
def export_labels() -> dict:
    """The names of the export kinds, in the reader's language."""
    return EXPORT_LABELS



@bp.app_template_global("progress_text")
def progress_text(job) -> str:
    """"1,234 of 5,678 rows", in the reader's locale."""
    return _progress_text(job)


STATE_LABELS = {"not_started": _l("Not started"), "in_progress": _l("In progress"),
                "completed": lazy_pgettext("enrolment status", "Completed"), "withdrawn": _l("Withdrawn")}


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


