"""People pages: list, search, create, edit, deactivate, and one-time set-password links."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.access import (
    can_assign, can_change_account, can_manage_user, can_manage_users, require, requires, visible_users,
)
from lms.auth.services import issue_password_link
from lms.core.urls import external_url
from lms.people import queries, services
from lms.people.forms import ROLE_LABELS, SearchForm, UserForm

bp = Blueprint("people", __name__, template_folder="templates", url_prefix="/people")

MESSAGES = {
    "email_invalid": lambda: _("Enter a valid email address."),
    "email_taken": lambda: _("Another account already uses this email address."),
    "name_invalid": lambda: _("Enter a name of at most 200 characters."),
    "role_invalid": lambda: _("Choose a role."),
    "institution_required": lambda: _("Trainees and coordinators belong to an institution: choose one."),
    "institution_unknown": lambda: _("Choose an institution from the list."),
    "locale_invalid": lambda: _("Choose a language from the list."),
    "timezone_invalid": lambda: _("Choose a time zone from the list."),
    "forbidden": lambda: _("You may not give this role or institution."),
    "self": lambda: _("You cannot change your own role or deactivate yourself."),
}


def _show_error(form, exc: services.PeopleError) -> None:
    field = getattr(form, exc.field, form.email)
    message = MESSAGES.get(exc.code)
    field.errors = list(field.errors) + [message() if message else exc.code]


def _may_assign(form) -> bool:
    """Whether the editor may give the role and institution chosen; if not, the form says so."""
    if can_assign(current_user, form.role.data, form.institution_id.data):
        return True
    _show_error(form, services.PeopleError("role", "forbidden"))
    return False


def _link_url(token: str) -> str:
    return external_url("auth.set_password", token=token)


@bp.route("/", methods=["GET", "POST"])
@requires(can_manage_users)
def index():
    """The accounts the viewer may manage, searchable.

    The name-or-email search is sent by POST (with CSRF), never in the URL: a name typed into it would
    otherwise end up in access logs, browser history and Referer headers. Role, status and page,
    which name nobody, may come by GET too.
    """
    data = request.form if request.method == "POST" else request.args
    form = SearchForm(data)
    text = (form.q.data or "") if request.method == "POST" else ""
    page = queries.search_users(visible_users(current_user), text, form.role.data or "",
                                status=form.status.data or "", page=data.get("page", 1, type=int))
    return render_template("people/index.html", form=form, page=page, role_labels=ROLE_LABELS)


@bp.route("/new", methods=["GET", "POST"])
@requires(can_manage_users)
def create():
    """Create an account and show its one-time set-password link."""
    form = UserForm(current_user)
    if request.method == "GET" and current_user.role == "coordinator":
        form.institution_id.data = current_user.institution_id
    if form.validate_on_submit() and _may_assign(form):
        try:
            user, token = services.create_user(form.email.data, form.name.data, form.role.data,
                                               form.institution_id.data, form.locale.data, actor=current_user)
        except services.PeopleError as exc:
            _show_error(form, exc)
        else:
            flash(_("Account created for %(name)s.", name=user.name), "success")
            return render_template("people/link.html", user=user, link=_link_url(token), new=True)
    return render_template("people/form.html", form=form, user=None)


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
@requires(can_manage_users)
def edit(user_id: int):
    """Change an account's details, role, institution or active flag."""
    user = queries.visible_user(visible_users(current_user), user_id) or abort(404)
    require(can_manage_user, user)
    if request.method == "POST":
        require(can_change_account, user)  # an anonymised account stays as it is
    form = UserForm(current_user, obj=user)
    if request.method == "GET":
        form.locale.data = user.locale or ""
        form.timezone.data = user.timezone or ""
    if form.validate_on_submit() and _may_assign(form):
        try:
            services.update_user(user, current_user, email=form.email.data, name=form.name.data,
                                 role=form.role.data, institution_id=form.institution_id.data,
                                 locale=form.locale.data, active=form.active.data,
                                 timezone=form.timezone.data if form.timezone.raw_data else services.KEEP)
        except services.PeopleError as exc:
            _show_error(form, exc)
        else:
            flash(_("Account of %(name)s saved.", name=user.name), "success")
            return redirect(url_for("people.index"))
    return render_template("people/form.html", form=form, user=user)


@bp.route("/<int:user_id>/password-link", methods=["POST"])
@requires(can_manage_users)
def password_link(user_id: int):
    """Issue a one-time set-password link (for a forgotten password) and show it once."""
    user = queries.visible_user(visible_users(current_user), user_id) or abort(404)
    require(can_change_account, user)
    token = issue_password_link(user, current_user)
    return render_template("people/link.html", user=user, link=_link_url(token), new=False)
