"""Report pages: the completion report, the drill-down, the charts, and their CSV/XLSX exports.

Admins see every institution, coordinators only their own, whatever the URL or the parameters
say: the scope is applied in SQL by `permissions.report_scope`, and an institution that is not
the viewer's is "not found".
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, send_file
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from lms.catalog.queries import course_by_slug
from lms.core import clock
from lms.access import can_view_institution_reports, can_view_reports, require, requires
from lms.reports import charts, queries, services
from lms.reports.exports import COMPLETION_COLUMNS, ENROLMENT_COLUMNS, Batches, csv_stream, write_xlsx
from lms.reports.filters import FILTER_NAMES, FilterError, ReportFilters, parse_filters
from lms.reports.forms import FilterForm

bp = Blueprint("reports", __name__, template_folder="templates", url_prefix="/reports")

FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _form() -> tuple[FilterForm, ReportFilters]:
    form = FilterForm(current_user, request.args)
    form.validate()
    return form, form.filters()


def _args_filters() -> ReportFilters:
    """The filters of an export link; a value that cannot be understood is a 400 with what was wrong."""
    try:
        return parse_filters(request.args)
    except FilterError as exc:
        error = _bad_request(", ".join(sorted(exc.errors)))
        raise error from exc


def _bad_request(detail: str):
    from werkzeug.exceptions import BadRequest

    error = BadRequest()
    error.user_message = detail
    return error


def _filter_args(filters: ReportFilters) -> dict:
    return {k: v for k, v in filters.as_dict().items() if k in FILTER_NAMES}


def _stamp() -> str:
    return clock.now().strftime("%Y%m%d-%H%M")


@bp.route("/")
@requires(can_view_reports)
def index():
    """The completion report: one row per institution and course, with totals."""
    form, filters = _form()
    report = queries.completion_report(current_user, filters)
    return render_template("reports/index.html", form=form, report=report, args=_filter_args(filters))


@bp.route("/charts")
@requires(can_view_reports)
def charts_page():
    """Completion rate per institution and completions per month, as SVG with the same figures as tables."""
    form, filters = _form()
    per_institution = queries.completion_by_institution(current_user, filters)
    per_month = queries.completions_per_month(current_user, filters)
    rate_chart = charts.horizontal_bars([(r.institution_code, r.completion_rate) for r in per_institution])
    month_chart = charts.vertical_bars(per_month)
    return render_template("reports/charts.html", form=form, per_institution=per_institution, per_month=per_month,
                           rate_chart=rate_chart, month_chart=month_chart, args=_filter_args(filters))


@bp.route("/institutions/<code>/courses/<slug>")
@requires(can_view_reports)
def drilldown(code: str, slug: str):
    """The trainees of one institution in one course: status, progress, score, attempts, dates, certificate."""
    institution, course, filters = _drilldown_scope(code, slug)
    sort = request.args.get("sort", "name")
    sort = sort if sort in queries.SORTS else "name"
    descending = request.args.get("order") == "desc"
    page = queries.enrolment_page(current_user, filters, sort=sort, descending=descending,
                                  page=request.args.get("page", 1, type=int), per_page=queries.PER_PAGE)
    return render_template("reports/drilldown.html", institution=institution, course=course, page=page, sort=sort,
                           descending=descending, args=_filter_args(filters.replace(course=None, institution=None)))


def _drilldown_scope(code: str, slug: str):
    institution = queries.visible_institution(current_user, code) or abort(404)
    require(can_view_institution_reports, institution)
    course = (course_by_slug(slug) if "\x00" not in slug else None) or abort(404)
    try:
        filters = parse_filters(request.args)
    except FilterError:
        filters = ReportFilters()
    return institution, course, filters.replace(course=course.slug, institution=institution.code)


@bp.route("/completion/export.<fmt>")
@requires(can_view_reports)
def export_completion(fmt: str):
    """The completion report as CSV or XLSX, totals in the last row."""
    _check_format(fmt)
    filters = _args_filters()
    report = queries.completion_report(current_user, filters)
    rows = [*report.rows, _totals_row(report.totals)]
    return _export(fmt, "export.completion_report", filters, COMPLETION_COLUMNS, lambda viewer, session: iter(rows),
                   len(rows), f"completion-{_stamp()}", "Completion")


@bp.route("/institutions/<code>/courses/<slug>/export.<fmt>")
@requires(can_view_reports)
def export_drilldown(code: str, slug: str, fmt: str):
    """The drill-down's trainees as CSV or XLSX."""
    _check_format(fmt)
    institution, course, filters = _drilldown_scope(code, slug)
    now = clock.now()
    count = queries.count_enrolments(current_user, filters, now)
    return _export(fmt, "export.drilldown", filters, ENROLMENT_COLUMNS,
                   lambda viewer, session: queries.stream_enrolments(viewer, filters, now, session=session), count,
                   f"trainees-{institution.code}-{course.slug}-{_stamp()}", "Trainees", institution_id=institution.id)


@bp.route("/enrolments/export.<fmt>")
@requires(can_view_reports)
def export_enrolments(fmt: str):
    """Every trainee's current enrolments the viewer may see (the admin's full export), filtered."""
    _check_format(fmt)
    filters = _args_filters()
    now = clock.now()
    count = queries.count_export_enrolments(current_user, filters)

    def rows(viewer, session):
        if fmt == "csv":  # the biggest export: plain rows from the cursor, written cell by cell
            return Batches(queries.enrolment_export_batches(viewer, filters, now, sort="institution",
                                                            session=session))
        return queries.stream_enrolments(viewer, filters, now, sort="institution", session=session)

    return _export(fmt, "export.enrolments", filters, ENROLMENT_COLUMNS, rows, count, f"enrolments-{_stamp()}",
                   "Enrolments")


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        abort(404)


def _totals_row(totals: queries.CompletionRow) -> queries.CompletionRow:
    totals.institution_name = "TOTAL"
    return totals


def _export(fmt, action, filters, columns, rows, count, filename, sheet, institution_id=None):
    """Audit the export, then stream the CSV or send the XLSX. `rows(viewer, session)` gives the rows."""
    from lms.extensions import db

    if fmt == "csv":
        services.record_export(current_user, action, fmt, filters, count, institution_id=institution_id)
        body = _streamed(db.engine, current_user.id, columns, rows)
        response = current_app.response_class(body, mimetype=FORMATS["csv"])
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        response.headers["X-Accel-Buffering"] = "no"  # a proxy passes rows on as they come
        return response
    output, written = write_xlsx(columns, rows(current_user, db.session), sheet)
    services.record_export(current_user, action, fmt, filters, written, institution_id=institution_id)
    return send_file(output, mimetype=FORMATS["xlsx"], as_attachment=True, download_name=f"{filename}.xlsx")


def _streamed(engine, viewer_id: int, columns, rows):
    """The CSV body, produced while the response is sent. It reads through its own database session
    (the request's is gone by then, and a generator must not hold Flask's context across yields),
    with a server-side cursor, so memory does not grow with the number of rows."""
    from sqlalchemy.orm import Session

    from lms.auth.models import User

    with Session(engine) as session:
        viewer = session.get(User, viewer_id)
        yield from csv_stream(columns, rows(viewer, session))


STATE_LABELS = {"not_started": _l("Not started"), "in_progress": _l("In progress"), "completed": _l("Completed")}


@bp.app_template_global("state_labels")
def state_labels() -> dict:
    """Labels of the enrolment states, in the reader's language."""
    return STATE_LABELS


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
