"""The API token page of the profile: create (shown once), list and revoke personal access tokens."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.access import can_use_api_tokens, requires
from lms.api import queries, services
from lms.api.forms import RevokeTokenForm, TokenForm
from lms.core import clock

bp = Blueprint("api", __name__, template_folder="templates")

TOKEN_ERRORS = {
    "name_invalid": lambda: _("Enter a name of at most 100 characters."),
    "too_many": lambda: _("You have %(num)d active tokens, the most allowed. Revoke one you no longer use.",
                          num=services.MAX_ACTIVE_TOKENS),
}


@bp.route("/profile/tokens", methods=["GET", "POST"])
@requires(can_use_api_tokens)
def tokens():
    """The user's tokens; creating one shows it once on this page."""
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        try:
            row, new_token = services.create_token(current_user, form.name.data, form.expires.data or None)
        except services.TokenError as exc:
            form.name.errors = [TOKEN_ERRORS[str(exc)]()]
        else:
            flash(_("Token \"%(name)s\" created. Copy it now: it is not shown again.", name=row.name), "success")
            form = TokenForm(formdata=None)
    return render_template("api/tokens.html", form=form, tokens=queries.tokens_of(current_user), new_token=new_token,
                           revoke_form=RevokeTokenForm(), now=clock.now())


@bp.route("/profile/tokens/<int:token_id>/revoke", methods=["POST"])
@requires(can_use_api_tokens)
def revoke(token_id: int):
    """Revoke one of one's own tokens; it stops working at once."""
    row = queries.token_of(current_user, token_id) or abort(404)
    if RevokeTokenForm().validate_on_submit():
        services.revoke_token(row, current_user)
        flash(_("Token \"%(name)s\" revoked.", name=row.name), "success")
    return redirect(url_for("api.tokens"))
