"""The audit log for admins: filter by action and day; nothing here can change it."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import Optional

from lms.audit import queries
from lms.core.forms import options
from lms.core.permissions import can_view_audit_log, requires

bp = Blueprint("audit", __name__, template_folder="templates", url_prefix="/admin/audit")


class AuditFilterForm(FlaskForm):
    """Filters (GET, no CSRF)."""

    class Meta:
        csrf = False

    action = SelectField(_l("Action"), validate_choice=False)
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("Until"), validators=[Optional()])


@bp.route("/")
@requires(can_view_audit_log)
def index():
    """Security-relevant events, newest first."""
    form = AuditFilterForm(request.args)
    form.action.choices = options([("", _l("All actions")), ("auth.*", _l("All sign-in events")),
                                   ("export.*", _l("All exports"))] + [(a, a) for a in queries.actions()])
    form.validate()
    page, names = queries.search(form.action.data or "", form.since.data, form.until.data,
                                 request.args.get("page", 1, type=int))
    return render_template("audit/index.html", form=form, page=page, names=names)
