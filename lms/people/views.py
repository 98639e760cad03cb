"""People pages: list, search, create, edit, deactivate, one-time set-password links, and the person page:
the officer's training record (every enrolment cycle, certificates), with enrolling, withdrawing and
restoring enrolments and the record's PDF and CSV downloads."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from lms.access import (
    can_assign,
    can_change_account,
    can_end_sessions,
    can_enrol_others,
    can_manage_user,
    can_manage_users,
    can_reset_mfa,
    can_restore_enrolment,
    can_view_record,
    can_withdraw_enrolment,
    require,
    requires,
    visible_users,
)
from lms.auth import sessions
from lms.auth.services import issue_password_link
from lms.catalog.queries import published_courses
from lms.core import clock, when
from lms.core.downloads import attachment
from lms.core.urls import external_url
from lms.learning import services as learning_services
from lms.learning.queries import enrolment_of_person
from lms.mfa import services as mfa
from lms.mfa.queries import factors_of, recovery_codes_left
from lms.people import queries, services
from lms.runs import queries as run_queries
from lms.runs import services as run_services
from lms.people.forms import ROLE_LABELS, SearchForm, UserForm, WithdrawForm
from lms.reports.record import training_record
from lms.reports.record_files import RECORD_FORMATS, download_training_record
from lms.reports.record_pdf import CERTIFICATE_STATES, STATUS_LABELS

bp = Blueprint("people", __name__, template_folder="templates", url_prefix="/people")

MESSAGES = {
    "email_invalid": lambda: _("Enter a valid email address."),
    "email_taken": lambda: _("Another account already uses this email address."),
    "email_unusable": lambda: _("This email address cannot be used here: ask an admin."),
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
    code = exc.code
    if code == "email_taken" and not can_manage_user(current_user, exc.account):
        # Another institution's account, or staff: a coordinator is not told that it exists (nor
        # which of the two), as in bulk enrolment (lms.access.can_identify_accounts).
        code = "email_unusable"
    message = MESSAGES.get(code)
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
            return redirect(url_for("people.person", user_id=user.id))
    return render_template("people/form.html", form=form, user=user)


@bp.route("/<int:user_id>/password-link", methods=["POST"])
@requires(can_manage_users)
def password_link(user_id: int):
    """Issue a one-time set-password link (for a forgotten password) and show it once."""
    user = queries.visible_user(visible_users(current_user), user_id) or abort(404)
    require(can_change_account, user)
    token = issue_password_link(user, current_user)
    return render_template("people/link.html", user=user, link=_link_url(token), new=False)


WITHDRAW_ERRORS = {
    "reason_required": lambda: _("Give the reason for the withdrawal."),
    "reason_too_long": lambda: _("Write the reason in at most %(max)d characters.",
                                 max=learning_services.WITHDRAWAL_REASON_MAX),
    "already_withdrawn": lambda: _("This enrolment was already withdrawn."),
    "not_withdrawn": lambda: _("This enrolment is not withdrawn."),
}


def _person_or_404(user_id: int):
    """The account in the URL if the viewer may manage it (another institution's officer is "not found")."""
    person = queries.visible_user(visible_users(current_user), user_id) or abort(404)
    require(can_view_record, person)
    return person


def render_person(person, status: int = 200, failed: int | None = None, form: WithdrawForm | None = None):
    """The person page: the account, the training record and its actions. `failed` is the enrolment whose
    withdrawal form came back with `form`'s errors (what was typed is shown again)."""
    now = clock.now()
    record = training_record(person, now)
    return render_template(
        "people/person.html", person=person, record=record, now=now, role_labels=ROLE_LABELS,
        status_labels=STATUS_LABELS, certificate_states=CERTIFICATE_STATES,
        targets=run_queries.enrolment_targets(published_courses(), person.institution_id,
                                              when.today(when.person_zone(person)))
        if can_enrol_others(current_user, person) else [],
        withdraw_form=form or WithdrawForm(formdata=None), failed=failed,
        sign_ins=sessions.live_sessions(person, now) if can_end_sessions(current_user, person) else None,
        factors=factors_of(person.id) if can_reset_mfa(current_user, person) else None,
        codes_left=recovery_codes_left(person.id) if can_reset_mfa(current_user, person) else None,
        mfa_required=mfa.required(person)), status


@bp.route("/<int:user_id>")
@requires(can_manage_users)
def person(user_id: int):
    """The person page: account, training record (every course and cycle, certificates) and its actions."""
    return render_person(_person_or_404(user_id))


@bp.route("/<int:user_id>/sessions/end", methods=["POST"])
@requires(can_manage_users)
def end_sessions(user_id: int):
    """End every sign-in session of the account (admins): it is signed out on every device."""
    person = _person_or_404(user_id)
    require(can_end_sessions, person)
    count = sessions.end_all_sessions(person, current_user)
    flash(ngettext("%(num)d session of %(name)s ended.", "%(num)d sessions of %(name)s ended.", count,
                   name=person.name), "success")
    return redirect(url_for("people.person", user_id=person.id))


@bp.route("/<int:user_id>/second-factor/reset", methods=["POST"])
@requires(can_manage_users)
def reset_mfa(user_id: int):
    """Take away the account's second factors and recovery codes (admins, for a lost phone or key): it is
    signed out everywhere, and signs in with its password (and enrols a new factor if its role must)."""
    person = _person_or_404(user_id)
    require(can_reset_mfa, person)
    count = mfa.reset(person, current_user)
    flash(ngettext("%(num)d second factor of %(name)s removed; they are signed out everywhere.",
                   "%(num)d second factors of %(name)s removed; they are signed out everywhere.", count,
                   name=person.name), "success")
    return redirect(url_for("people.person", user_id=person.id))


@bp.route("/<int:user_id>/record.<fmt>")
@requires(can_manage_users)
def record(user_id: int, fmt: str):
    """Download the person's training record as PDF or CSV (audited as an export of personal data)."""
    person = _person_or_404(user_id)
    if fmt not in RECORD_FORMATS:
        abort(404)
    file = download_training_record(person, fmt, current_user, clock.now(), when.viewer_zone())
    return attachment(file.content, file.filename, file.mimetype)


def _enrolment_or_404(person, enrolment_id: int):
    return enrolment_of_person(person.id, enrolment_id) or abort(404)


@bp.route("/<int:user_id>/enrolments/<int:enrolment_id>/withdraw", methods=["POST"])
@requires(can_manage_users)
def withdraw(user_id: int, enrolment_id: int):
    """Withdraw an enrolment with a reason (a completed one: admins only)."""
    person = _person_or_404(user_id)
    enrolment = _enrolment_or_404(person, enrolment_id)
    require(can_withdraw_enrolment, enrolment)
    form = WithdrawForm()
    if not form.validate_on_submit():
        return render_person(person, 400, failed=enrolment.id, form=form)
    try:
        learning_services.withdraw(enrolment, form.reason.data, current_user)
    except learning_services.EnrolmentError as exc:
        form.reason.errors = [WITHDRAW_ERRORS[str(exc)]()]
        return render_person(person, 400, failed=enrolment.id, form=form)
    flash(_("The enrolment of %(name)s in %(title)s is withdrawn.", name=person.name, title=enrolment.course.title),
          "success")
    return redirect(url_for("people.person", user_id=person.id, _anchor=f"enrolment-{enrolment.id}"))


@bp.route("/<int:user_id>/enrolments/<int:enrolment_id>/restore", methods=["POST"])
@requires(can_manage_users)
def restore(user_id: int, enrolment_id: int):
    """Restore a withdrawn enrolment (the same cycle, as it was)."""
    person = _person_or_404(user_id)
    enrolment = _enrolment_or_404(person, enrolment_id)
    require(can_restore_enrolment, enrolment)
    try:
        run_services.restore(enrolment, current_user)
    except learning_services.EnrolmentError as exc:
        flash(WITHDRAW_ERRORS[str(exc)](), "error")
    else:
        if enrolment.waiting:
            flash(_("The enrolment of %(name)s in %(title)s is restored, but %(run)s is full: they are on its waiting "
                    "list.", name=person.name, title=enrolment.course.title, run=enrolment.run.title), "info")
        else:
            flash(_("The enrolment of %(name)s in %(title)s is restored.", name=person.name,
                    title=enrolment.course.title), "success")
    return redirect(url_for("people.person", user_id=person.id, _anchor=f"enrolment-{enrolment.id}"))
