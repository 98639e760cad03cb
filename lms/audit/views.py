"""The audit log for admins: filter by action and day; nothing here can change it."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from lms.access import can_view_audit_log, requires
from lms.audit import queries
from lms.audit.forms import AuditFilterForm
from lms.auth.queries import names_by_id
from lms.core import when

bp = Blueprint("audit", __name__, template_folder="templates", url_prefix="/admin/audit")


@bp.route("/")
@requires(can_view_audit_log)
def index():
    """Security-relevant events, newest first, with the names of who did them."""
    form = AuditFilterForm(queries.actions(), request.args)
    form.validate()
    page = queries.search(form.action.data or "", form.since.data, form.until.data,
                          request.args.get("page", 1, type=int), zone=when.viewer_zone())
    return render_template("audit/index.html", form=form, page=page,
                           names=names_by_id(e.actor_id for e in page.items))
