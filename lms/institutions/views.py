"""Admin pages for institutions."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.access import can_manage_institutions, requires, visible_institutions
from lms.institutions import queries, services
from lms.institutions.forms import InstitutionForm

bp = Blueprint("institutions", __name__, template_folder="templates", url_prefix="/institutions")

ERRORS = {
    "code": ("code", lambda: _("Use 2 to 32 letters, digits, - and _.")),
    "name": ("name", lambda: _("Enter a name of at most 200 characters.")),
    "country": ("country", lambda: _("Use the two-letter ISO code, e.g. UA.")),
    "duplicate": ("code", lambda: _("Another institution already has this code.")),
    "timezone": ("timezone", lambda: _("Choose a time zone from the list.")),
    "timezone_required": ("timezone", lambda: _("This country has several time zones: choose the institution's.")),
    "expiry_notice_days": ("expiry_notice_days", lambda: _("Enter a number of days from 1 to 730.")),
}


def _show_error(form, exc):
    field, message = ERRORS[str(exc)]
    getattr(form, field).errors.append(message())


@bp.route("/")
@requires(can_manage_institutions)
def index():
    """All institutions with their number of accounts."""
    return render_template("institutions/index.html", rows=queries.institutions_with_counts(visible_institutions(current_user)))


@bp.route("/new", methods=["GET", "POST"])
@requires(can_manage_institutions)
def create():
    """Add an institution."""
    form = InstitutionForm()
    if form.validate_on_submit():
        try:
            institution = services.create_institution(form.code.data, form.name.data, form.country.data,
                                                      actor=current_user, timezone=form.timezone.data,
                                                      expiry_notice_days=form.expiry_notice_days.data)
        except services.InstitutionError as exc:
            _show_error(form, exc)
        else:
            flash(_("Institution %(name)s added.", name=institution.name), "success")
            return redirect(url_for("institutions.index"))
    return render_template("institutions/form.html", form=form, institution=None)


@bp.route("/<int:institution_id>/edit", methods=["GET", "POST"])
@requires(can_manage_institutions)
def edit(institution_id: int):
    """Change an institution."""
    institution = queries.institution_by_id(institution_id) or abort(404)
    form = InstitutionForm(obj=institution)
    if form.validate_on_submit():
        try:
            services.update_institution(institution, form.code.data, form.name.data, form.country.data,
                                        form.active.data, actor=current_user, timezone=form.timezone.data,
                                        expiry_notice_days=form.expiry_notice_days.data)
        except services.InstitutionError as exc:
            _show_error(form, exc)
        else:
            flash(_("Institution %(name)s saved.", name=institution.name), "success")
            return redirect(url_for("institutions.index"))
    return render_template("institutions/form.html", form=form, institution=institution)
