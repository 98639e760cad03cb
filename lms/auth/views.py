"""Sign-in, sign-out, one-time set-password links and the profile page."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from lms.auth import services, sessions, throttle
from lms.auth.forms import ChangePasswordForm, ForgotPasswordForm, LoginForm, ProfileForm, SetPasswordForm
from lms.auth.queries import signed_in_user
from lms.core import clock
from lms.core.errors import render_error
from lms.core.headers import no_store
from lms.core.security import HashingBusy
from lms.core.when import format_time
from lms.mail import security as mail_security
from lms.core.urls import safe_next
from lms.mfa import pending
from lms.mfa.queries import has_factor
from lms.mfa.services import required as mfa_required
from lms.privacy.queries import needs_acknowledgement

bp = Blueprint("auth", __name__, template_folder="templates")


# Flask-Login's keys of the session, forgotten with the sign-in session's token when it ends.
_SIGN_IN_KEYS = ("_user_id", "_fresh", "_id", sessions.TOKEN_KEY)


def load_user(user_id):
    """Flask-Login's user loader: the account of the request's session, if its sign-in session is still open
    (not signed out or ended elsewhere, not idle or past its absolute limit). One statement reads both; the
    last use is written at most every few minutes. A refused session is forgotten by the browser too."""
    token = session.get(sessions.TOKEN_KEY)
    found = signed_in_user(user_id, token)
    now = clock.now()
    if found is not None:
        user, sign_in = found
        if sessions.refusal(user, sign_in, now) is None:
            if sessions.due_for_touch(sign_in, now):
                sessions.touch(sign_in.id, now)
            g.sign_in_session_id = sign_in.id
            return user
        sessions.end_timed_out(sign_in.id, now)
    for key in _SIGN_IN_KEYS:
        session.pop(key, None)
    session["_remember"] = "clear"  # a remember-me cookie of before sessions were kept brings nothing back
    flash(_("Your session has ended; please sign in again."), "info")
    return None


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
            return throttle.refusal_response(refused)
        try:
            user = services.authenticate(form.email.data, form.password.data, ip=request.remote_addr)
        except HashingBusy as busy:
            # A class signing in at once: the password was not checked, so the attempt counts for nothing and
            # the form comes back with the email in it, to send again in a few seconds.
            throttle.release(attempt)
            flash(str(busy.user_message), "warning")
            return render_template("auth/login.html", form=form), 503, {"Retry-After": str(busy.retry_after)}
        except Exception:
            throttle.release(attempt)
            raise
        throttle.settle(attempt, signed_in=user is not None)
        if user is not None:
            target = safe_next(request.args.get("next"))
            if has_factor(user.id):  # the password was right: now the second factor
                pending.start(user, form.remember.data, target)
                return redirect(url_for("mfa.verify"))
            services.signed_in(user, ip=request.remote_addr)
            sessions.sign_in(user, form.remember.data, request.remote_addr, request.user_agent.string)
            if mfa_required(user):  # a role that must have a second factor, and none yet: enrol one first
                pending.require_enrolment()
                flash(_("Your role needs a second factor at sign-in. Set one up to go on."), "info")
                return redirect(url_for("mfa.security"))
            target = target or url_for("main.home")
            if needs_acknowledgement(user):  # the privacy notice first, then where they were going
                return redirect(url_for("privacy.notice", next=target))
            return redirect(target)
        flash(_("The email or password is not right, or the account is not active."), "error")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out: the sign-in session ends (a copy of the cookie opens nothing) and is forgotten."""
    sessions.end_by_token(session.get(sessions.TOKEN_KEY))
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    response = redirect(url_for("auth.login"))
    # A shared computer keeps nothing of the person who signed out, even if the page's script could not clear
    # it: the courses kept on the device, the queued work, the service worker (lms.offline).
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    """"Forgot your password?": a one-time link by mail. The answer is the same whether or not the address has
    an account (nobody can probe which addresses exist); requests are throttled per address and per client."""
    if current_user.is_authenticated:
        return redirect(url_for("auth.profile"))
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            mail_security.request_reset(form.email.data, request.remote_addr)
        except mail_security.ResetThrottled as refused:
            page, code = render_error(429, _("Too many password reset requests from your network. You can try "
                                              "again from %(time)s.", time=format_time(refused.until)))
            seconds = max(1, int((refused.until - clock.now()).total_seconds()) + 1)
            return page, code, {"Retry-After": str(seconds)}
        return render_template("auth/forgot_sent.html")
    return render_template("auth/forgot.html", form=form)


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
        services.update_profile(current_user, form.name.data, form.locale.data, form.timezone.data,
                                form.low_data_mode.data)
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("auth.profile"))
    return _render_profile(form, ChangePasswordForm())


def _render_profile(form, password_form):
    """The profile page with its forms and the person's open sessions."""
    return render_template("auth/profile.html", form=form, password_form=password_form,
                           sign_ins=sessions.live_sessions(current_user),
                           this_sign_in=g.get("sign_in_session_id"))


@bp.route("/profile/password", methods=["POST"])
@login_required
def change_password():
    """Change one's password."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.password.data,
                                     keep_token=session.get(sessions.TOKEN_KEY))
        except services.AuthError as exc:
            if str(exc) == "current":
                form.current.errors.append(_("The current password is not right."))
            else:
                form.password.errors.append(str(exc))
        else:
            flash(_("Your password is changed. You are signed out everywhere else."), "success")
            return redirect(url_for("auth.profile"))
    profile_form = ProfileForm(obj=current_user, person=current_user)
    profile_form.locale.data = current_user.locale or ""
    profile_form.timezone.data = current_user.timezone or ""
    return _render_profile(profile_form, form)


@bp.route("/profile/sessions/<int:session_id>/end", methods=["POST"])
@login_required
def end_session(session_id: int):
    """End one of one's own sign-in sessions (another device, or this one: then one is signed out)."""
    if session_id == g.get("sign_in_session_id"):
        return logout()
    if not sessions.end_own_session(current_user, session_id):
        abort(404)
    flash(_("That session has ended."), "success")
    return redirect(url_for("auth.profile") + "#sessions-heading")
