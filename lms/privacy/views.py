"""Privacy pages: the notice (and its acknowledgement after sign-in), one's own data download, the
anonymisation of a departed officer, and the admins' report of personal-data exports."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.access import (
    can_anonymise_user,
    can_download_own_data,
    can_manage_users,
    can_view_export_log,
    require,
    requires,
    visible_users,
)
from lms.core import when
from lms.core.headers import no_store
from lms.core.markdown import render_markdown
from lms.core.urls import safe_next
from lms.people.queries import visible_user
from lms.privacy import queries, services
from lms.privacy.forms import (
    AcknowledgeForm,
    AnonymiseForm,
    DownloadForm,
    ExportLogFilter,
)
from lms.privacy.names import holder_for_verification

bp = Blueprint("privacy", __name__, template_folder="templates")


@bp.app_template_filter("verification_holder")
def verification_holder(holder_name: str | None) -> str | None:
    """The part of a holder's name the public verification page shows (LMS_VERIFY_SHOWS)."""
    return holder_for_verification(holder_name, current_app.config.get("VERIFY_SHOWS", "initials"))


@bp.route("/privacy")
def notice():
    """The privacy notice; a signed-in user who has not acknowledged it gets the "I have read it" button."""
    body = render_markdown(queries.notice_markdown(str(get_locale() or "en")))
    form = None
    if current_user.is_authenticated and current_user.privacy_acknowledged_at is None:
        form = AcknowledgeForm(next=safe_next(request.args.get("next")) or "")
    return render_template("privacy/notice.html", body=body, form=form)


@bp.route("/privacy/acknowledge", methods=["POST"])
@login_required
def acknowledge():
    """Record "I have read it", then go where the user was going."""
    form = AcknowledgeForm()
    if not form.validate_on_submit():
        abort(400)
    services.acknowledge_notice(current_user)
    return redirect(safe_next(form.next.data) or url_for("main.home"))


@bp.route("/profile/data", methods=["POST"])
@requires(can_download_own_data)
@no_store
def download():
    """Download everything the platform holds about oneself, as JSON or as a zip of CSV files."""
    form = DownloadForm()
    if not form.validate_on_submit():
        flash(_("Choose JSON or CSV for your data."), "error")
        return redirect(url_for("auth.profile"))
    file = services.export_personal_data(current_user, form.format.data, actor=current_user)
    response = current_app.response_class(file.content, mimetype=file.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    return response


@bp.route("/people/<int:user_id>/anonymise", methods=["GET", "POST"])
@requires(can_manage_users)
def anonymise(user_id: int):
    """Confirm, then anonymise a departed officer's account (admins; coordinators for their trainees)."""
    user = visible_user(visible_users(current_user), user_id) or abort(404)
    require(can_anonymise_user, user)
    form = AnonymiseForm()
    if form.validate_on_submit():
        try:
            services.anonymise_user(user, current_user)
        except services.PrivacyError:
            abort(409)
        flash(_("The account is anonymised. Its figures and certificates stay valid."), "success")
        return redirect(url_for("people.edit", user_id=user_id))
    return render_template("privacy/anonymise.html", user=user, form=form)


@bp.route("/admin/personal-data-exports")
@requires(can_view_export_log)
def export_log():
    """Who exported what personal data and when (audit events "export.*"), filterable by date."""
    form = ExportLogFilter(request.args)
    valid = form.validate()
    page = queries.export_log(form.date_from.data if valid else None, form.date_to.data if valid else None,
                              page=request.args.get("page", 1, type=int), zone=when.viewer_zone())
    return render_template("privacy/export_log.html", form=form, page=page)
