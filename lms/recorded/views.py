"""Pages of completions recorded for training done elsewhere: by hand on a person's page, from a CSV file
(a dry-run preview naming every wrong field, then confirm), the file's template, and the evidence file."""
from __future__ import annotations

import base64
import binascii
from functools import partial

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.access import (
    can_identify_accounts, can_issue_recorded_certificate, can_record_completion, can_record_completions,
    can_view_evidence, require, requires, visible_users,
)
from lms.catalog.queries import course_by_slug
from lms.core.downloads import attachment, key_etag
from lms.core.storage import StorageNotFound
from lms.enrolments.labels import FILE_ERRORS
from lms.extensions import login_manager
from lms.people.queries import visible_user
from lms.recorded import evidence as evidence_files
from lms.recorded import imports, queries, services
from lms.recorded.forms import ConfirmForm, ImportForm, RecordForm

bp = Blueprint("recorded", __name__, template_folder="templates")

ERRORS = {
    "reason_required": lambda d: _("Give the reason: where and how the training was done."),
    "reason_too_long": lambda d: _("Write the reason in at most %(max)d characters.", **d),
    "hours_invalid": lambda d: _("Enter the hours as a number such as 16 or 7.5."),
    "hours_range": lambda d: _("The hours must be more than 0 and at most %(max)d.", **d),
    "day_future": lambda d: _("The day of completion cannot be in the future."),
    "not_trainee": lambda d: _("Completions are recorded for trainees only."),
    "course_draft": lambda d: _("This course is a draft: choose a published course."),
    "already_completed": lambda d: _("This person has already completed this course."),
}
EVIDENCE_ERRORS = {
    "too_large": lambda d: _("The evidence file is larger than %(megabytes)d MB.", **d),
    "empty": lambda d: _("The evidence file is empty."),
    "wrong_type": lambda d: _("The evidence must be a PDF, JPEG or PNG file (its content is checked, not its name)."),
}
EVIDENCE_ERRORS["archive_not_allowed"] = EVIDENCE_ERRORS["wrong_type"]  # an archive is never evidence
PROBLEMS = {
    **ERRORS,
    "email_invalid": lambda d: _("not a valid email address: %(email)s", **d),
    "no_account": lambda d: _("no account has this email address"),
    "unusable": lambda d: _("this account is not a trainee's you may record for"),
    "course_missing": lambda d: _("no course given"),
    "course_unknown": lambda d: _("unknown course: %(course)s", **d),
    "duplicate": lambda d: _("the same person and course are already on line %(line)d", **d),
    "day_missing": lambda d: _("no day of completion given"),
    "day_invalid": lambda d: _("%(day)s is not a date in the form YYYY-MM-DD", **d),
}
# Refusals that say whether an address has an account, and whose: only a reader who may know reads them
# (lms.access.can_identify_accounts); for anyone else they read the same.
ABOUT_THE_ACCOUNT = ("no_account", "unusable")


def problem_text(problem: imports.Problem) -> str:
    """A refused field's reason, in the reader's language and as far as the reader may know it."""
    if problem.code in ABOUT_THE_ACCOUNT and not can_identify_accounts(current_user):
        return _("this email address cannot be used here: ask an admin")
    return PROBLEMS[problem.code](problem.details)


def _person_or_404(user_id: int):
    """The person in the URL if the viewer may see them (else 404) and record for them (else 403)."""
    person = visible_user(visible_users(current_user), user_id) or abort(404)
    require(can_record_completion, person)
    return person


@bp.route("/people/<int:user_id>/completions/new", methods=["GET", "POST"])
@requires(can_record_completions)
def record(user_id: int):
    """Record by hand that a person completed a course elsewhere (with an optional evidence file)."""
    person = _person_or_404(user_id)
    form = RecordForm()
    if not can_issue_recorded_certificate(current_user):
        del form.certificate
    valid = form.validate_on_submit()
    course = course_by_slug(form.course.data) if valid else None
    if valid and course is None:  # a choice that is no longer offered
        form.course.errors = [_("Choose a course from the list.")]
    if course is not None:
        evidence = None
        try:
            upload = form.evidence.data
            if upload is not None and getattr(upload, "filename", ""):
                evidence = evidence_files.read_evidence(upload.stream, upload.filename)
            enrolment = services.record_completion(
                person, course, form.completed_on.data, form.hours.data, form.reason.data, evidence,
                bool(form.certificate.data) if "certificate" in form else False, current_user)
        except evidence_files.EvidenceRefused as exc:
            form.evidence.errors = [EVIDENCE_ERRORS[exc.code](exc.params)]
        except services.RecordError as exc:
            target = {"hours": form.hours, "reason": form.reason, "completed_on": form.completed_on}.get(
                exc.field, form.course)
            target.errors = list(target.errors) + [ERRORS[exc.code](exc.details)]
        else:
            flash(_("The completion of %(name)s in %(title)s is recorded.", name=person.name, title=course.title),
                  "success")
            return redirect(url_for("people.person", user_id=person.id, _anchor=f"enrolment-{enrolment.id}"))
    status = 400 if form.is_submitted() else 200
    return render_template("recorded/record.html", form=form, person=person), status


def _may_record():
    """The signed-in person's rule for the people of a file: whom they may record completions for."""
    return partial(can_record_completion, current_user)


def _preview(plan, content: bytes):
    confirm = ConfirmForm(formdata=None, content=base64.b64encode(content).decode("ascii"), digest=plan.digest)
    return render_template("recorded/preview.html", plan=plan, confirm=confirm, problem_text=problem_text,
                           columns=COLUMN_LABELS)


COLUMN_LABELS = {"email": "email", "course": "course", "completed_on": "completed_on", "hours": "hours",
                 "reason": "reason"}


@bp.route("/completions/import", methods=["GET", "POST"])
@requires(can_record_completions)
def import_file():
    """Upload a CSV of completions; a readable file shows the dry-run preview (nothing is written)."""
    form = ImportForm()
    if form.validate_on_submit():
        content = form.file.data.read(imports.MAX_UPLOAD + 1)
        try:
            plan = imports.plan(current_user, content, _may_record())
        except imports.BulkError as exc:
            form.file.errors = [FILE_ERRORS[exc.code](exc.details)]
        else:
            return _preview(plan, content)
    return render_template("recorded/import.html", form=form), 400 if form.is_submitted() else 200


@bp.route("/completions/import/confirm", methods=["POST"])
@requires(can_record_completions)
def confirm():
    """Record the previewed file: read and checked again, then recorded whole or not at all."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        content = base64.b64decode(form.content.data.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        abort(400)
    try:
        result = imports.apply(current_user, content, form.digest.data, _may_record())
    except imports.BulkError as exc:
        if exc.code in ("changed", "bad_rows"):
            flash(_("Something changed since the preview. Check the new preview and confirm again."), "error")
            return _preview(exc.details["plan"], content)
        flash(FILE_ERRORS[exc.code](exc.details), "error")
        return render_template("recorded/import.html", form=ImportForm(formdata=None)), 400
    return render_template("recorded/done.html", result=result)


@bp.route("/completions/import/template.csv")
@requires(can_record_completions)
def template():
    """The CSV file to fill in: the header and one example line."""
    response = current_app.response_class("\ufeff" + imports.TEMPLATE, mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="recorded-completions.csv"'
    return response


@bp.route("/completions/<int:enrolment_id>/evidence")
def evidence(enrolment_id: int):
    """The evidence file of a recorded completion: for its person, their coordinators and admins (anyone else:
    not found). Audited as "export.evidence"."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    recorded = queries.recorded_completion(enrolment_id)
    if recorded is None or not recorded.evidence_key or not can_view_evidence(current_user, recorded.enrolment):
        abort(404)
    try:
        chunks = evidence_files.stream(recorded.evidence_key)
    except StorageNotFound:
        abort(404)
    services.evidence_downloaded(recorded, current_user)
    return attachment(chunks, recorded.evidence_name, recorded.evidence_type, recorded.evidence_size,
                      key_etag(recorded.evidence_key))
