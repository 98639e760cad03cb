"""Bulk enrolment pages: upload a CSV, see the dry-run preview, confirm, get the set-password links."""
from __future__ import annotations

import base64
import binascii
from datetime import date
from functools import partial

from flask import Blueprint, abort, flash, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext, npgettext
from flask_login import current_user

from lms.access import (
    can_bulk_enrol, can_bulk_enrol_into, can_identify_accounts, can_restore_enrolment, requires, visible_institutions,
)
from lms.core import when
from lms.core.urls import external_url
from lms.enrolments import services
from lms.enrolments.labels import FILE_ERRORS
from lms.enrolments.forms import ConfirmForm, UploadForm
from lms.institutions.queries import visible_institution

bp = Blueprint("enrolments", __name__, template_folder="templates", url_prefix="/enrolments")


PROBLEMS = {
    "email_invalid": lambda d: _("not a valid email address: %(email)s", **d),
    "duplicate": lambda d: _("the same email address is already on line %(line)d", **d),
    "other_institution": lambda d: _("this account belongs to another institution: %(institution)s (%(code)s)", **d),
    "not_trainee": lambda d: _("this account is not a trainee's"),
    "inactive": lambda d: _("this account is deactivated"),
    "name_missing": lambda d: _("a name is needed for a new account"),
    "name_too_long": lambda d: _("the name is longer than 200 characters"),
    "due_invalid": lambda d: _("the due date %(due)s is not a date in the form YYYY-MM-DD", **d),
    "due_past": lambda d: _("the due date %(due)s is in the past", due=when.format_date(d["due"])),
    "no_course": lambda d: _("no course given"),
    "too_many_courses": lambda d: _("more than %(max)d courses on one line", **d),
    "course_unknown": lambda d: _("unknown course: %(course)s", **d),
    "course_not_published": lambda d: _("the course %(course)s is not published", **d),
    "run_required": lambda d: _("the course %(course)s has runs: give the code of one in the run column", **d),
    "run_unknown": lambda d: _("the course %(course)s has no run %(run)s", **d),
    "run_cancelled": lambda d: _("the run %(run)s of %(course)s is cancelled", **d),
    "run_ended": lambda d: _("the run %(run)s of %(course)s has ended", **d),
    "run_not_open": lambda d: _("the run %(run)s of %(course)s is not open to this institution", **d),
    "course_without_runs": lambda d: _("the course %(course)s has no runs: leave the run column empty for it", **d),
    "restore_refused": lambda d: _("the enrolment in %(course)s was completed and withdrawn: only an admin can "
                                   "restore it", **d),
}

ACTIONS = {"enrol": _l("will be enrolled"), "already": _l("already enrolled"), "due": _l("due date will change"),
           "restore": _l("withdrawn: will be restored")}


# Refusals that say whose an existing account is: only a reader who may know that reads them
# (lms.access.can_identify_accounts); for anyone else both read the same.
ABOUT_THE_ACCOUNT = ("other_institution", "not_trainee")


def problem_text(problem: services.Problem) -> str:
    """A refused line's reason, in the reader's language and as far as the reader may know it."""
    if problem.code in ABOUT_THE_ACCOUNT and not can_identify_accounts(current_user):
        return _("this email address cannot be used here: ask an admin")
    return PROBLEMS[problem.code](problem.details)


def _institution(code: str):
    """The institution chosen, if the viewer may see it (else 404) and bulk-enrol its trainees (else 403)."""
    institution = visible_institution(visible_institutions(current_user), code or "")
    if institution is None:
        abort(404)
    if not can_bulk_enrol_into(current_user, institution):
        abort(403)
    return institution


def _preview(plan, content: bytes, institution, due: date | None):
    confirm = ConfirmForm(formdata=None, content=base64.b64encode(content).decode("ascii"),
                          institution=institution.code, due=when.iso(due) or "", digest=plan.digest)
    return render_template("enrolments/preview.html", plan=plan, institution=institution, confirm=confirm,
                           problem_text=problem_text, actions=ACTIONS)


def _may_restore():
    """Whether the signed-in person may restore a withdrawn enrolment by enrolling it again."""
    return partial(can_restore_enrolment, current_user)


@bp.route("/bulk", methods=["GET", "POST"])
@requires(can_bulk_enrol)
def upload():
    """Upload a CSV of trainees; a valid upload shows the dry-run preview (nothing is written)."""
    form = UploadForm(current_user)
    if form.validate_on_submit():
        institution = _institution(form.institution.data)
        content = form.file.data.read()
        try:
            plan = services.plan(current_user, institution, content, form.due.data, _may_restore())
        except services.BulkError as exc:
            form.file.errors = [FILE_ERRORS[exc.code](exc.details)]
        else:
            return _preview(plan, content, institution, form.due.data)
    return render_template("enrolments/upload.html", form=form)


@bp.route("/bulk/confirm", methods=["POST"])
@requires(can_bulk_enrol)
def confirm():
    """Apply the previewed file: the same content is read and checked again, then applied whole or not at all."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    institution = _institution(form.institution.data)
    try:
        content = base64.b64decode(form.content.data.encode("ascii"), validate=True)
        due = when.parse_day(form.due.data) if form.due.data else None
    except (binascii.Error, ValueError, UnicodeEncodeError):
        abort(400)
    try:
        result = services.apply(current_user, institution, content, form.digest.data, due, _may_restore())
    except services.BulkError as exc:
        if exc.code in ("changed", "bad_rows"):
            flash(_("Something changed since the preview. Check the new preview and confirm again."), "error")
            return _preview(exc.details["plan"], content, institution, due)
        flash(FILE_ERRORS[exc.code](exc.details), "error")
        return render_template("enrolments/upload.html", form=UploadForm(current_user, formdata=None)), 400
    links = [(user, external_url("auth.set_password", token=token)) for user, token in result.new_accounts]
    flash(_("The file was applied: %(accounts)s, %(enrolments)s.",
            accounts=ngettext("%(num)d account created", "%(num)d accounts created", len(result.new_accounts)),
            enrolments=npgettext("in a sentence", "%(num)d enrolment made", "%(num)d enrolments made",
                                 result.enrolled)), "success")
    return render_template("enrolments/done.html", result=result, links=links, institution=institution)
