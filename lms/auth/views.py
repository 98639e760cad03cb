"""Sign-in, sign-out, one-time set-password links and the profile page."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from lms.auth import services, throttle
from lms.auth.forms import ChangePasswordForm, LoginForm, ProfileForm, SetPasswordForm
from lms.core.errors import render_error
from lms.core.headers import no_store
from lms.core.urls import safe_next
from lms.core.when import format_time
from lms.privacy.queries import needs_acknowledgement

bp = Blueprint("auth", __name__, template_folder="templates")


def _throttled(refused: throttle.Throttled):
    """The 429 page of a refused sign-in: why, and from when the next attempt is taken."""
    if refused.scope == "address":
        detail = _("Too many failed sign-ins from your network. You can try again from %(time)s.",
                   time=format_time(refused.until))
    else:
        detail = _("Too many failed sign-ins for this account. You can try again from %(time)s, or ask your "
                   "coordinator for a new set-password link.", time=format_time(refused.until))
    page, code = render_error(429, detail)
    return page, code, {"Retry-After": str(refused.retry_after())}


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in form."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        # A slot is taken before the password is checked, so parallel guesses cannot pass the limits.
        try:
            attempt = throttle.reserve(form.email.data, request.remote_addr)
        except throttle.Throttled as refused:
            return _throttled(refused)
        try:
            user = services.authenticate(form.email.data, form.password.data, ip=request.remote_addr)
        except Exception:
            throttle.release(attempt)
            raise
        throttle.settle(attempt, signed_in=user is not None)
        if user is not None:
            locale = session.get("locale")
            session.clear()  # a fresh session at sign-in: no fixation
            if locale and not user.locale:
                session["locale"] = locale
            login_user(user, remember=form.remember.data)
            target = safe_next(request.args.get("next")) or url_for("main.home")
            if needs_acknowledgement(user):  # the privacy notice first, then where they were going
                return redirect(url_for("privacy.notice", next=target))
            return redirect(target)
        flash(_("The email or password is not right, or the account is not active."), "error")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out and forget the session."""
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/set-password/<token>", methods=["GET", "POST"])
@no_store  # shows the account's email to a visitor who is not signed in
def set_password(token: str):
    """Choose a password through a one-time link."""
    link = services.usable_link(token)
    if link is None:
        return render_template("auth/link_invalid.html"), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            services.set_password_from_link(token, form.password.data)
        except services.AuthError as exc:
            if str(exc) == "link":
                return render_template("auth/link_invalid.html"), 404
            form.password.errors.append(str(exc))
        else:
            logout_user()
            session.clear()
            flash(_("Your password is set. You can sign in now."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, user=link.user)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    """Change one's name and language."""
    form = ProfileForm(obj=current_user, person=current_user)
    if request.method == "GET":
        form.locale.data = current_user.locale or ""
        form.timezone.data = current_user.timezone or ""
    if form.validate_on_submit():
        services.update_profile(current_user, form.name.data, form.locale.data, form.timezone.data)
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form, password_form=ChangePasswordForm())


@bp.route("/profile/password", methods=["POST"])
@login_required
def change_password():
    """Change one's password."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.password.data)
        except services.AuthError as exc:
            if str(exc) == "current":
                form.current.errors.append(_("The current password is not right."))
            else:
                form.password.errors.append(str(exc))
        else:
            flash(_("Your password is changed."), "success")
            return redirect(url_for("auth.profile"))
    profile_form = ProfileForm(obj=current_user, person=current_user)
    profile_form.locale.data = current_user.locale or ""
    profile_form.timezone.data = current_user.timezone or ""
    return render_template("auth/profile.html", form=profile_form, password_form=form)
