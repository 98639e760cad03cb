"""The pages of mail: my notifications, my mail preferences, the one-click unsubscribe and the admins' outbox.

The unsubscribe address is opened from a mail, without signing in: its signed token names the person and the
kind, and is the only authority. A mail program's one-click POST (RFC 8058) carries no session and no CSRF
token, so that one route is exempt from CSRF; its GET shows a page with a button (no JavaScript needed).
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.access import can_use_notifications, can_view_outbox, outbox_message_or_404, requires
from lms.core.headers import no_store
from lms.core.urls import safe_next
from lms.extensions import csrf
from lms.mail import queries, services
from lms.mail.compose import read_unsubscribe_token
from lms.mail.delivery import eml_path, transport
from lms.mail.forms import MarkReadForm, UnsubscribeForm, preferences_form
from lms.mail.kinds import KINDS, describe, optional_kinds
from lms.mail.models import STATUSES

bp = Blueprint("mail", __name__, template_folder="templates")


@bp.route("/notifications")
@requires(can_use_notifications)
def notifications():
    """My notifications, newest first, a page at a time."""
    page = queries.notifications_page(current_user.id, request.args.get("page", 1, type=int))
    return render_template("mail/notifications.html", page=page, form=MarkReadForm(), kinds=KINDS)


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@requires(can_use_notifications)
def mark_read(notification_id: int):
    """Mark one of my notifications read and open the page it is about (or go back to the list)."""
    if not MarkReadForm().validate_on_submit():
        abort(400)
    notification = queries.notification_of(current_user.id, notification_id) or abort(404)
    services.mark_read(current_user, notification.id)
    if request.form.get("open") and notification.link and safe_next(notification.link):
        return redirect(notification.link)
    return redirect(safe_next(request.form.get("next")) or url_for("mail.notifications"))


@bp.route("/notifications/read-all", methods=["POST"])
@requires(can_use_notifications)
def mark_all_read():
    """Mark all my notifications read."""
    if not MarkReadForm().validate_on_submit():
        abort(400)
    services.mark_all_read(current_user)
    flash(_("All notifications are marked read."), "success")
    return redirect(url_for("mail.notifications"))


@bp.route("/profile/notifications", methods=["GET", "POST"])
@requires(can_use_notifications)
def preferences():
    """Which mails I receive, and whether as one daily digest."""
    kinds = optional_kinds()
    form = preferences_form(kinds, queries.preference_of(current_user.id))
    if form.validate_on_submit():
        enabled = [kind.name for kind, box in zip(kinds, form.kind_fields) if box.data]
        services.save_preferences(current_user, enabled, form.digest.data)
        flash(_("Your mail preferences are saved."), "success")
        return redirect(url_for("mail.preferences"))
    return render_template("mail/preferences.html", form=form)


@bp.route("/mail/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: the mail program's POST has no session and no token; the signed address is the key
@no_store
def unsubscribe(token: str):
    """Stop mails of one kind to one person: a page with a button (GET), or done at once (POST, one click)."""
    found = read_unsubscribe_token(token)
    if found is None:
        return render_template("mail/unsubscribe_invalid.html"), 404
    user_id, kind = found
    if request.method == "POST":
        services.unsubscribe(user_id, kind)
        return render_template("mail/unsubscribed.html", kind=describe(kind))
    return render_template("mail/unsubscribe.html", kind=describe(kind), form=UnsubscribeForm())


@bp.route("/admin/mail")
@requires(can_view_outbox)
def outbox():
    """The outbox: every message with its state; in production without a mail server, how many wait."""
    status = request.args.get("status")
    if status not in STATUSES:
        status = None
    page = queries.outbox_page(request.args.get("page", 1, type=int), status)
    return render_template("mail/outbox.html", page=page, status=status, statuses=STATUSES,
                           counts=queries.status_counts(), transport=transport(), kinds=KINDS)


@bp.route("/admin/mail/<int:message_id>.eml")
@requires(can_view_outbox)
def eml(message_id: int):
    """The .eml file the development backend wrote for a message, as plain text."""
    message = outbox_message_or_404(message_id)
    path = eml_path(message.id)
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype="text/plain; charset=utf-8", max_age=0)
