"""The pages of second factors: the sign-in's second step, the person's own list (enrol an app or a passkey,
remove one, new recovery codes), and the rule that a role which must have one enrols it before anything else.

Passkeys need the browser's WebAuthn API, so their buttons are revealed by js/passkeys.js; the ceremony's
options are written into the page and the browser's answer comes back in an ordinary form post. Without
JavaScript the authenticator app and recovery codes work as they are.
"""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from lms.auth import sessions, throttle
from lms.auth.services import confirm_password, signed_in
from lms.core.headers import no_store
from lms.mfa import passkeys, pending, sealing, services, totp
from lms.mfa.forms import (
    AppForm,
    CodeForm,
    ConfirmForm,
    PasskeyAnswerForm,
    PasskeyForm,
    RecoveryForm,
)
from lms.mfa.queries import factors_of, passkey_ids, recovery_codes_left, totp_of
from lms.privacy.queries import needs_acknowledgement

bp = Blueprint("mfa", __name__, template_folder="templates")

# The session key of an authenticator app's secret while it is being enrolled (sealed: the cookie is only
# signed, not encrypted).
NEW_SECRET = "_mfa_new_secret"
# What a session that must enrol a second factor may still open.
OPEN_WHILE_ENROLLING = {"mfa.security", "mfa.add_app", "mfa.add_passkey", "auth.logout", "static",
                        "main.language", "main.healthz", "main.favicon", "privacy.notice"}
ERRORS = {
    "code": lambda: _("That code is not right. Type the code the app shows now; if it keeps failing, check "
                      "that the phone's clock is set automatically."),
    "totp_exists": lambda: _("You already have an authenticator app. Remove it first to set up another."),
    "passkey_exists": lambda: _("This passkey is already one of yours."),
    "name_too_long": lambda: _("Write the name in at most %(max)d characters.", max=services.NAME_MAX),
    "required": lambda: _("Your role needs a second factor: add another one before you remove this one."),
    "missing": lambda: _("That second factor is not one of yours."),
    "no_factor": lambda: _("Recovery codes come with a second factor: set one up first."),
}


@bp.before_app_request
def enrol_first():
    """A signed-in person whose role must have a second factor and who has none is led to enrol one: every
    other page sends them there until it is done."""
    if not pending.enrolment_required() or request.endpoint in OPEN_WHILE_ENROLLING:
        return None
    if not current_user.is_authenticated:
        pending.enrolled()
        return None
    flash(_("Your role needs a second factor at sign-in. Set one up to go on."), "info")
    return redirect(url_for("mfa.security"))


def _landing(user, target: str | None = None) -> str:
    """Where a person goes once signed in (or once the second factor their role needs is set up): the privacy
    notice first if they have not acknowledged it, then `target` or the home page."""
    target = target or url_for("main.home")
    return url_for("privacy.notice", next=target) if needs_acknowledgement(user) else target


def _checked(user, check, answer: str):
    """Run one check of a second factor under the sign-in throttle: True, False, or a 429 response."""
    try:
        attempt = throttle.reserve(user.email, request.remote_addr, purpose="mfa")
    except throttle.Throttled as refused:
        return throttle.refusal_response(refused, purpose="mfa")
    try:
        ok = check(user, answer, ip=request.remote_addr)
    except Exception:
        throttle.release(attempt)
        raise
    throttle.settle(attempt, signed_in=ok)
    return ok


@bp.route("/login/second-factor", methods=["GET", "POST"])
@no_store
def verify():
    """The second step of signing in: a code of the app, a recovery code, or a passkey."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    found = pending.pending()
    if found is None:
        flash(_("Sign in with your email and password first."), "info")
        return redirect(url_for("auth.login"))
    user, data = found
    code_form, recovery_form = CodeForm(), RecoveryForm()
    passkey_form = PasskeyAnswerForm()
    if request.method == "POST":
        if "recovery_code" in request.form:
            form, check, answer, factor = recovery_form, services.use_recovery_code, recovery_form.recovery_code, "recovery"
        elif "credential" in request.form:
            form, check, answer, factor = passkey_form, services.check_passkey, passkey_form.credential, "passkey"
        else:
            form, check, answer, factor = code_form, services.check_totp, code_form.code, "totp"
        if form.validate_on_submit():
            ok = _checked(user, check, answer.data)
            if ok is True:
                signed_in(user, ip=request.remote_addr, factor=factor)
                sessions.sign_in(user, data.get("remember"), request.remote_addr, request.user_agent.string)
                if factor == "recovery":
                    left = recovery_codes_left(user.id)
                    flash(ngettext("You signed in with a recovery code; %(num)d is left.",
                                   "You signed in with a recovery code; %(num)d are left.", left)
                          + " " + _("Make new ones on your second-factor page when few are left."),
                          "warning" if left <= 3 else "info")
                return redirect(_landing(user, data.get("next")))
            if ok is not False:
                return ok
            if form is passkey_form:
                flash(_("The passkey was not accepted. Try again, or use a code."), "error")
            else:
                answer.errors.append(_("That code is not right, or it was used already."))
    has_app = totp_of(user.id) is not None
    keys = passkey_ids(user.id)
    return render_template("mfa/verify.html", code_form=code_form, recovery_form=recovery_form,
                           passkey_form=passkey_form, has_app=has_app,
                           passkey_options=passkeys.authentication_options(keys) if keys else None)


@bp.route("/login/second-factor/cancel", methods=["POST"])
def cancel():
    """Give up the sign-in halfway (another account, or later)."""
    pending.clear()
    return redirect(url_for("main.home" if current_user.is_authenticated else "auth.login"))


@bp.route("/profile/second-factor")
@login_required
def security():
    """The person's second factors: what they have, add an app or a passkey, remove one, recovery codes."""
    factors = factors_of(current_user.id)
    return render_template(
        "mfa/security.html", factors=factors, codes_left=recovery_codes_left(current_user.id),
        required=services.required(current_user), enrolling=pending.enrolment_required(),
        has_app=any(f.kind == "totp" for f in factors), passkey_form=PasskeyForm(formdata=None),
        passkey_options=passkeys.registration_options(current_user, passkey_ids(current_user.id)),
        confirm_form=ConfirmForm(formdata=None))


def _new_secret() -> str:
    """The secret being enrolled: the one shown before (a wrong code does not change the QR code), or new."""
    sealed = session.get(NEW_SECRET)
    if sealed:
        try:
            return sealing.unseal(sealed)
        except sealing.Unsealable:
            pass
    secret = totp.new_secret()
    session[NEW_SECRET] = sealing.seal(secret)
    return secret


def _enrolled(codes: list[str] | None, message: str):
    """After a factor is added: the recovery codes if they are new (shown once), else the list."""
    was_enrolling = pending.enrolment_required()
    pending.enrolled()
    if codes:
        return render_template("mfa/codes.html", codes=codes, first=True,
                               next_url=_landing(current_user) if was_enrolling else url_for("mfa.security"))
    flash(message, "success")
    return redirect(_landing(current_user) if was_enrolling else url_for("mfa.security"))


@bp.route("/profile/second-factor/app", methods=["GET", "POST"])
@login_required
@no_store
def add_app():
    """Set up an authenticator app: scan the QR code (or type the key), then give its current code."""
    if totp_of(current_user.id) is not None:
        flash(ERRORS["totp_exists"](), "info")
        return redirect(url_for("mfa.security"))
    secret = _new_secret()
    form = AppForm()
    if form.validate_on_submit():
        try:
            codes = services.add_totp(current_user, secret, form.code.data, form.name.data)
        except services.MfaError as exc:
            (form.name if str(exc) == "name_too_long" else form.code).errors.append(ERRORS[str(exc)]())
        else:
            session.pop(NEW_SECRET, None)
            return _enrolled(codes, _("Your authenticator app is set up."))
    uri = totp.provisioning_uri(secret, current_user.email, current_app.config["MFA_ISSUER"])
    return render_template("mfa/add_app.html", form=form, qr=totp.qr_data_uri(uri), key=totp.grouped(secret), uri=uri)


@bp.route("/profile/second-factor/passkey", methods=["POST"])
@login_required
def add_passkey():
    """Store the passkey the browser has just made (the page's script posts its answer)."""
    form = PasskeyForm()
    if not form.validate_on_submit():
        flash(_("No passkey came from your browser. Try again; passkeys need JavaScript and a browser that "
                "supports them."), "error")
        return redirect(url_for("mfa.security"))
    try:
        codes = services.add_passkey(current_user, form.credential.data, form.name.data)
    except passkeys.PasskeyRefused:
        flash(_("The passkey could not be checked. Try again."), "error")
        return redirect(url_for("mfa.security"))
    except services.MfaError as exc:
        flash(ERRORS[str(exc)](), "error")
        return redirect(url_for("mfa.security"))
    return _enrolled(codes, _("Your passkey is added."))


def _password_confirmed(form: ConfirmForm):
    """True if the form's password is the person's own (under the sign-in throttle), else False with a
    message, or a 429 response."""
    if not form.validate_on_submit():
        flash(_("Type your password to confirm."), "error")
        return False
    ok = _checked(current_user, lambda user, password, ip: confirm_password(user, password, ip),
                  form.password.data)
    if ok is False:
        flash(_("The password is not right."), "error")
    return ok


@bp.route("/profile/second-factor/<int:factor_id>/remove", methods=["POST"])
@login_required
def remove(factor_id: int):
    """Remove one of one's second factors, after typing the password again."""
    confirmed = _password_confirmed(ConfirmForm())
    if confirmed is not True:
        return confirmed or redirect(url_for("mfa.security"))
    try:
        services.remove_factor(current_user, factor_id)
    except services.MfaError as exc:
        if str(exc) == "missing":
            abort(404)
        flash(ERRORS[str(exc)](), "error")
    else:
        flash(_("The second factor is removed."), "success")
    return redirect(url_for("mfa.security"))


@bp.route("/profile/second-factor/recovery-codes", methods=["POST"])
@login_required
@no_store
def recovery_codes():
    """Ten new recovery codes (the old ones stop working), after typing the password again."""
    confirmed = _password_confirmed(ConfirmForm())
    if confirmed is not True:
        return confirmed or redirect(url_for("mfa.security"))
    try:
        codes = services.new_recovery_codes(current_user)
    except services.MfaError as exc:
        flash(ERRORS[str(exc)](), "error")
        return redirect(url_for("mfa.security"))
    return render_template("mfa/codes.html", codes=codes, first=False, next_url=url_for("mfa.security"))

