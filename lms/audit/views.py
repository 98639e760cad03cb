"""The audit log for admins: filter by action, day and person; nothing here can change it."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from lms.access import can_view_audit_log, requires, visible_users
from lms.audit import queries
from lms.audit.forms import AuditFilterForm
from lms.auth.queries import names_by_id, people_matching
from lms.core import when

bp = Blueprint("audit", __name__, template_folder="templates", url_prefix="/admin/audit")


@bp.route("/")
@requires(can_view_audit_log)
def index():
    """Security-relevant events, newest first, with the names of who did them; by person: who acted or
    whom it concerned (among the people the reader may see)."""
    form = AuditFilterForm(queries.actions(), request.args)
    form.validate()
    person = (form.person.data or "").strip() if not form.person.errors else ""
    person_id = int(form.person_id.data) if form.person_id.data and not form.person_id.errors else None
    role = form.role.data if form.role.data in queries.ROLES else "any"
    people = None
    if person_id is not None:
        people = people_matching(visible_users(current_user), user_id=person_id)
    elif person:
        people = people_matching(visible_users(current_user), person)
    page = queries.search(form.action.data or "", form.since.data, form.until.data,
                          request.args.get("page", 1, type=int), zone=when.viewer_zone(), people=people, role=role)
    names = names_by_id([*(e.actor_id for e in page.items), person_id])
    return render_template("audit/index.html", form=form, page=page, names=names, person_id=person_id)
