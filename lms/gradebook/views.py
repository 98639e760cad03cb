"""The gradebook's pages: a course's (or one run's) gradebook for its staff and coordinators, its CSV and XLSX
export, the grading settings and the form of one overridden result (editors), and a trainee's own grades."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import pgettext
from markupsafe import Markup, escape
from flask_login import current_user, login_required

from lms.access import (
    can_manage_gradebook, can_view_gradebook, can_view_gradebook_run, course_or_404, editable_course_or_404,
    gradebook_scope, require,
)
from lms.core.numbers import percent_writer
from lms.core.when import viewer_zone
from lms.gradebook import exports, queries, services
from lms.gradebook.forms import OverrideForm, RemoveForm, grading_form
from lms.reports.downloads import FORMATS
from lms.reports.exports import csv_stream, write_xlsx
from lms.runs import queries as run_queries

bp = Blueprint("gradebook", __name__, template_folder="templates")

ERRORS = {
    "rule_unknown": lambda: _("Choose one of the rules offered."),
    "weight_invalid": lambda: _("A weight must be a number."),
    "weight_out_of_range": lambda: _("A weight is between 0 and 1000."),
    "not_of_course": lambda: _("That item belongs to another course."),
    "kind_unknown": lambda: _("That result cannot be set by hand."),
    "reason_required": lambda: _("Say why the result is set by hand."),
    "reason_too_long": lambda: _("The reason is too long (at most 500 characters)."),
    "percent_invalid": lambda: _("The result must be a number."),
    "percent_out_of_range": lambda: _("The result is a percentage between 0 and 100."),
}
EXPORT_FORMATS = ("csv", "xlsx")


def _run_id():
    """The run asked for (?run=<id>), or None; a value that is not a number is "not found"."""
    raw = request.args.get("run", "")
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 10:
        abort(404)
    return int(raw)


def _book(slug: str):
    """The course, the run asked for and the gradebook the current user may see of it (403/404 otherwise)."""
    course = course_or_404(slug)
    require(can_view_gradebook, course)
    run_id = _run_id()
    run = None
    if run_id is not None:
        run = run_queries.run_by_id(run_id)
        if run is None or run.course_id != course.id:
            abort(404)
        require(can_view_gradebook_run, course, run_id)
    withdrawn = request.args.get("withdrawn") == "1"
    book = queries.gradebook(course, gradebook_scope(current_user, course), run_id=run_id, withdrawn=withdrawn)
    return course, run, withdrawn, book


@bp.route("/courses/<slug>/gradebook")
@login_required
def view(slug: str):
    """The gradebook: every trainee (of the run chosen) × every graded item, with the total."""
    course, run, withdrawn, book = _book(slug)
    runs = [f.run for f in run_queries.runs_of(course.id) if can_view_gradebook_run(current_user, course, f.run.id)]
    manage = can_manage_gradebook(current_user, course)
    return render_template("gradebook/gradebook.html", course=course, run=run, runs=runs, book=book,
                           withdrawn=withdrawn, manage=manage, body=_body(course, book, manage))


def _body(course, book, manage: bool) -> Markup:
    """The table's rows, written here rather than in the template: 500 trainees × 20 items are 10,000 cells,
    and escaping every piece of every cell in Jinja cost ten times the reading of the data (bench/gradebook.py).
    Text from people (names, institutions, titles, reasons) is escaped; the rest are numbers and fixed words."""
    w_passed, w_failed, w_none, w_hand = (escape(w) for w in (_("passed"), _("not passed"), _("no result"),
                                                              _("set by hand")))
    w_status = {"to_mark": escape(_("to mark")), "returned": escape(_("returned")), "held": escape(_("held back"))}
    as_percent = percent_writer(1)
    w_total, w_zero = escape(_("Total")), escape(_("counted 0"))
    w_withdrawn = escape(pgettext("trainee", "(withdrawn)"))
    base = url_for("gradebook.override", slug=course.slug, enrolment_id=0, cell="total-0")[:-len("0/total-0")]
    cols = [(f"{c.kind}-{c.item_id}", c.kind != "attendance", escape(_("Attendance") if c.kind == "attendance"
                                                                       else c.title)) for c in book.columns]
    out = []
    for row in book.rows:
        name = escape(row.name)
        out.append(f'<tr><th scope="row">{name}')
        if row.institution:
            out.append(f'<br><span class="meta">{escape(row.institution)}</span>')
        if row.status == "withdrawn":
            out.append(f' <span class="meta">{w_withdrawn}</span>')
        out.append(f'</th><td>{escape(row.run_code or "")}</td>')
        link = f"{base}{row.enrolment_id}/"
        for cell, (key, graded, title) in zip(row.cells, cols, strict=True):
            out.append(f'<td class="num"><a href="{link}{key}">' if manage else '<td class="num">')
            if cell.value is not None:
                out.append(as_percent(cell.value))
                if graded and cell.passed is not None:
                    out.append(f' <span class="meta">{w_passed if cell.passed else w_failed}</span>')
            elif cell.status:
                out.append(f'<span class="meta">{w_status[cell.status]}</span>')
            else:
                out.append(f'<span class="meta" aria-label="{w_none}">–</span>')
            if cell.override is not None:
                out.append(f' <span class="badge" title="{escape(cell.override.reason)}">{w_hand}</span>')
            out.append(f'<span class="visually-hidden"> {name}, {title}</span></a></td>' if manage else "</td>")
        out.append(f'<td class="num"><a href="{link}total-0">' if manage else '<td class="num">')
        out.append(f"<strong>{as_percent(row.total)}</strong>" if row.total is not None else '<span class="meta">–</span>')
        if row.total_override is not None:
            out.append(f' <span class="badge" title="{escape(row.total_override.reason)}">{w_hand}</span>')
        out.append(f'<span class="visually-hidden"> {name}, {w_total}</span></a></td>' if manage else "</td>")
        zero = f' <span class="meta">{w_zero}</span>' if row.missing and row.overdue else ""
        out.append(f'<td class="num">{row.missing}{zero}</td></tr>\n')
    return Markup("".join(out))


@bp.route("/courses/<slug>/gradebook/export.<fmt>")
@login_required
def export(slug: str, fmt: str):
    """The gradebook as shown, as CSV (streamed) or XLSX, its row count in the file's name; audited."""
    if fmt not in EXPORT_FORMATS:
        abort(404)
    course, run, _withdrawn, book = _book(slug)
    form, cols = FORMATS[fmt], exports.columns(book)
    count = len(book.rows)
    services.record_export(current_user, course, run.id if run else None, fmt, count)
    name = exports.file_name(book, run.code if run else None, count, form.suffix)
    if form.kind == "csv":
        response = current_app.response_class(csv_stream(cols, book.rows, zone=viewer_zone()),
                                              content_type=form.content_type)
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    output, _written = write_xlsx(cols, book.rows, _("Gradebook"), viewer_zone())
    return send_file(output, mimetype=form.content_type, as_attachment=True, download_name=name)


def _weight_keys(book) -> list[tuple[str, int]]:
    keys = [c.key for c in book.columns]
    modules = list(dict.fromkeys(c.module_id for c in book.columns if c.module_id is not None))
    return keys + [("module", m) for m in modules]


@bp.route("/courses/<slug>/gradebook/settings", methods=["GET", "POST"])
@login_required
def settings(slug: str):
    """The grading rule and the weights of the course's items and modules."""
    course = editable_course_or_404(slug)
    require(can_manage_gradebook, course)
    cols = queries.columns(course)
    book = queries.Gradebook(course, None, course.grading_rule, cols, [], {})
    keys = _weight_keys(book)
    weights = queries.weights_of(course.id)
    data = {"rule": course.grading_rule, **{f"w-{k}-{i}": weights.get((k, i), 1) for k, i in keys}}
    form = grading_form(keys, data=data, formdata=request.form if request.method == "POST" else None)
    if form.validate_on_submit():
        try:
            services.set_grading(course, form.rule.data, form.weights(keys), current_user)
        except services.GradebookError as exc:
            form.form_errors.append(ERRORS[exc.code]())
        else:
            flash(_("The grading settings are saved."), "success")
            return redirect(url_for("gradebook.view", slug=course.slug))
    modules = {c.module_id: c.module_title for c in cols if c.module_id is not None}
    return render_template("gradebook/settings.html", course=course, form=form, columns=cols, modules=modules)


def _cell_of(book, row, kind: str, item_id: int):
    """The column and cell named (None, the row's total for "total")."""
    if kind == "total":
        return None, None
    for col, cell in zip(book.columns, row.cells, strict=True):
        if col.key == (kind, item_id):
            return col, cell
    abort(404)


@bp.route("/courses/<slug>/gradebook/<int:enrolment_id>/<cell>", methods=["GET", "POST"])
@login_required
def override(slug: str, enrolment_id: int, cell: str):
    """Set by hand (with a reason), change or remove one trainee's result of an item or the total."""
    course = editable_course_or_404(slug)
    require(can_manage_gradebook, course)
    kind, _sep, item = cell.partition("-")
    if kind not in services.OVERRIDDEN or not item.isdigit() or len(item) > 10:
        abort(404)
    item_id = int(item)
    enrolment = queries.enrolment_of_course(course.id, enrolment_id) or abort(404)
    book, row = queries.staff_row(course, enrolment)
    if row is None:
        abort(404)
    col, current = _cell_of(book, row, kind, item_id)
    existing = current.override if current is not None else row.total_override
    form, remove = OverrideForm(), RemoveForm(prefix="remove")
    back = url_for("gradebook.view", slug=course.slug, **({"run": row.run_id} if row.run_id else {}))
    if request.method == "POST" and request.form.get("action") == "remove":
        if remove.validate_on_submit():
            services.remove_override(course, enrolment, kind, item_id, current_user)
            flash(_("The result set by hand is removed; the computed one shows again."), "success")
            return redirect(back)
        abort(400)
    if not form.is_submitted() and existing is not None:
        form.percent.data, form.reason.data = existing.percent, existing.reason
    if form.validate_on_submit():
        try:
            services.override(course, enrolment, kind, item_id, form.percent.data, form.reason.data, current_user)
        except services.GradebookError as exc:
            form.form_errors.append(ERRORS[exc.code]())
        else:
            flash(_("The result is set by hand."), "success")
            return redirect(back)
    return render_template("gradebook/override.html", course=course, row=row, column=col, cell=current,
                           existing=existing, form=form, remove=remove, back=back), (400 if form.errors else 200)


@bp.route("/courses/<slug>/grades")
@login_required
def grades(slug: str):
    """A trainee's own grades in the course: their row of the gradebook."""
    course = course_or_404(slug)
    enrolment = queries.current_enrolment(current_user.id, course.id) or abort(404)
    book, row = queries.own_row(course, enrolment)
    if row is None:
        abort(404)
    return render_template("gradebook/grades.html", course=course, book=book, row=row)
