"""The assessors' pages of a practical: the trainees to assess (by run) with their status, the sign-off form of
one trainee (phone-first, no JavaScript needed; the same form enters a printed checklist afterwards), the
printable checklists, and the release of held-back records (the course's editors)."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from lms.access import (
    assess_scope, assessed_enrolment_or_404, can_manage_assessed_work, practical_for_assessing_or_404, require,
)
from lms.checklists import queries, services
from lms.checklists.checklist_pdf import ChecklistDocument, render_checklist_pdf
from lms.checklists.forms import ReleaseForm, SignOffForm
from lms.checklists.views.base import RESULT_LABELS, STATUS_LABELS, UPLOAD_ERRORS, bp, error_text
from lms.core import clock
from lms.core.numbers import percent
from lms.core.uploads import UploadRefused, read_upload
from lms.core.when import today, viewer_zone
from lms.learning.models import Enrolment
from lms.practicals.models import RESULTS


def _run_filter():
    """The run filter of the list: "all", "none" or a run's id (anything else: all)."""
    value = request.values.get("run", "all")
    return value if value in ("all", "none") or value.isdigit() else "all"


@bp.route("/courses/<slug>/practicals/<practical>/assess")
@login_required
def trainees(slug: str, practical: str):
    """The trainees the assessor may assess in the practical, by run, with their status."""
    course, item = practical_for_assessing_or_404(slug, practical)
    run = _run_filter()
    rows = queries.trainees(item, assess_scope(current_user, course, Enrolment.run_id), run)
    return render_template("practicals/trainees.html", course=course, practical=item, rows=rows, run=run,
                           runs=queries.runs_of_course(course), counts=queries.counts(rows),
                           status_labels=STATUS_LABELS, release_form=ReleaseForm(run=run),
                           may_release=can_manage_assessed_work(current_user, course))


def _chosen(criteria) -> dict[int, tuple[str, str]]:
    results = {}
    for criterion in criteria:
        result = request.form.get(f"result-{criterion.id}", "")
        results[criterion.id] = (result if result in RESULTS else "", request.form.get(f"comment-{criterion.id}", ""))
    return results


def _uploads(form) -> tuple[list, list[str]]:
    files, problems = [], []
    for upload in [f for f in (form.evidence.data or []) if getattr(f, "filename", "")]:
        try:
            files.append(read_upload(upload.stream, upload.filename, services.EVIDENCE_KINDS,
                                     services.EVIDENCE_MAX_BYTES))
        except UploadRefused as exc:
            problems.append(str(UPLOAD_ERRORS[exc.code]) % {"name": upload.filename,
                                                               "megabytes": exc.params.get("megabytes", 10)})
    return files, problems


@bp.route("/courses/<slug>/practicals/<practical>/assess/<int:enrolment_id>", methods=["GET", "POST"])
@login_required
def sign_off(slug: str, practical: str, enrolment_id: int):
    """Sign off one trainee's checklist (or enter their printed one, `?paper=1`): a new record superseding the
    last."""
    course, item = practical_for_assessing_or_404(slug, practical)
    enrolment = assessed_enrolment_or_404(course, item, enrolment_id)
    criteria = queries.live_criteria(item)
    zone = viewer_zone()
    form = SignOffForm()
    if request.method == "GET":
        form.assessed_on.data = today(zone)
        form.from_paper.data = "1" if request.args.get("paper") else ""
    chosen = _chosen(criteria) if request.method == "POST" else {}
    problems = []
    if form.validate_on_submit():
        files, problems = _uploads(form)
        if not problems:
            assessment = services.Assessment(
                results=chosen, assessed_on=form.assessed_on.data, place=form.place.data or "",
                comment=form.comment.data or "", from_paper=form.from_paper.data == "1", files=tuple(files))
            try:
                record = services.sign_off(item, enrolment, assessment, current_user, today(zone))
            except services.PracticalError as exc:
                problems = [error_text(exc.code, **exc.details)]
            else:
                flash(_("Signed off: %(name)s, %(outcome)s (%(percent)s of the criteria met).",
                        name=enrolment.user.name, outcome=STATUS_LABELS["passed" if record.passed
                                                                        else "not_yet_competent"],
                        percent=percent(record.percent, None)), "success")
                if not record.is_released:
                    flash(_("The record is held back: the trainee sees it when it is released."), "info")
                return redirect(url_for("practicals.trainees", slug=slug, practical=item.slug))
    history = queries.records_of(item.id, enrolment.id)
    status = 400 if request.method == "POST" else 200
    return render_template("practicals/sign_off.html", course=course, practical=item, enrolment=enrolment,
                           criteria=criteria, form=form, chosen=chosen, problems=problems, history=history,
                           result_labels=RESULT_LABELS, results=RESULTS, status_labels=STATUS_LABELS,
                           status_of=queries.status_of), status


def _pdf(course, item, people, name: str):
    document = ChecklistDocument(
        course_title=course.title, practical_title=item.title, pass_mark=item.pass_mark,
        criteria=tuple((c.text, c.critical) for c in queries.live_criteria(item)),
        trainees=tuple(people), printed_at=clock.now())
    response = current_app.response_class(render_checklist_pdf(document), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/courses/<slug>/practicals/<practical>/assess/<int:enrolment_id>/checklist.pdf")
@login_required
def checklist(slug: str, practical: str, enrolment_id: int):
    """The printable checklist of one trainee."""
    course, item = practical_for_assessing_or_404(slug, practical)
    enrolment = assessed_enrolment_or_404(course, item, enrolment_id)
    person = enrolment.user
    people = [(person.name, person.institution.name if person.institution else "",
               enrolment.run.code if enrolment.run else "")]
    return _pdf(course, item, people, f"checklist-{item.slug}-{enrolment.id}.pdf")


@bp.route("/courses/<slug>/practicals/<practical>/checklists.pdf")
@login_required
def checklists(slug: str, practical: str):
    """The printable checklists of every trainee of the list (its run filter), one page each."""
    course, item = practical_for_assessing_or_404(slug, practical)
    rows = queries.trainees(item, assess_scope(current_user, course, Enrolment.run_id), _run_filter())
    return _pdf(course, item, [(r.name, r.institution or "", r.run_code or "") for r in rows],
                f"checklists-{item.slug}.pdf")


@bp.route("/courses/<slug>/practicals/<practical>/release", methods=["POST"])
@login_required
def release(slug: str, practical: str):
    """Release the held-back records of the practical (of the run chosen in the list): the course's editors."""
    course, item = practical_for_assessing_or_404(slug, practical)
    require(can_manage_assessed_work, course)
    form = ReleaseForm()
    if not form.validate_on_submit():
        abort(400)
    run = form.run.data if form.run.data in ("all", "none") or (form.run.data or "").isdigit() else "all"
    count = services.release(item, assess_scope(current_user, course, Enrolment.run_id), current_user, run)
    flash(ngettext("%(num)d record released.", "%(num)d records released.", count), "success")
    return redirect(url_for("practicals.trainees", slug=slug, practical=item.slug, run=run))
