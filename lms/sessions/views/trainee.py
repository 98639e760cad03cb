"""A trainee's buttons of training sessions: signing up (a place or the waiting list) and cancelling."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.access import can_sign_up, require, session_or_404
from lms.core.urls import safe_next
from lms.sessions import queries, signups
from lms.sessions.forms import ButtonForm
from lms.sessions.services import SessionError
from lms.sessions.views.base import SESSION_ERRORS, bp


def _back(session):
    return safe_next(request.form.get("next")) or url_for("learning.course", slug=session.course.slug)


@bp.route("/sessions/<int:session_id>/sign-up", methods=["POST"])
@login_required
def sign_up(session_id: int):
    """Sign up for a session: a place, or its waiting list when it is full."""
    session = session_or_404(session_id)
    require(can_sign_up, session)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        record, created = signups.sign_up(current_user, session)
    except SessionError as exc:
        flash(SESSION_ERRORS[exc.code](), "error")
        return redirect(_back(session))
    if record.waiting_since is not None:
        flash(_("%(title)s is full: you are on its waiting list, position %(position)d. You get a place as soon as "
                "one frees.", title=session.title, position=queries.waiting_positions(current_user.id)[session.id]),
              "info")
    elif created:
        flash(_("You are signed up for %(title)s.", title=session.title), "success")
    return redirect(_back(session))


@bp.route("/sessions/<int:session_id>/cancel-sign-up", methods=["POST"])
@login_required
def cancel_sign_up(session_id: int):
    """Cancel one's sign-up (until the cut-off); the place goes to the first waiting."""
    session = session_or_404(session_id)
    require(can_sign_up, session)
    if not ButtonForm().validate_on_submit():
        abort(400)
    record = queries.live_sign_up(session.id, current_user.id)
    try:
        if record is None:
            raise SessionError("not_signed_up")
        signups.cancel_sign_up(record, current_user)
    except SessionError as exc:
        flash(SESSION_ERRORS[exc.code](), "error")
    else:
        flash(_("Your sign-up for %(title)s is cancelled.", title=session.title), "success")
    return redirect(_back(session))
