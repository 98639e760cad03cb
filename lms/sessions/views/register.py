"""The attendance register of a session (a page for a phone in a classroom, without JavaScript: four radio
buttons per person and one button for everyone) and its printable sign-in sheet."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from lms.access import can_mark_attendance, register_scope, require, session_or_404
from lms.attendance.models import MARKS
from lms.core import clock
from lms.sessions import queries, signups
from lms.sessions.forms import MARK_LABELS, ButtonForm
from lms.sessions.services import SessionError
from lms.sessions.sheet_pdf import SheetDocument, render_sheet_pdf
from lms.sessions.views.base import SESSION_ERRORS, bp, session_time


@bp.route("/sessions/<int:session_id>/register", methods=["GET", "POST"])
@login_required
def register(session_id: int):
    """The register: who is signed up or enrolled (a coordinator: their institution's only), their marks; mark
    person by person, or everyone not yet marked present. Entering a paper sheet afterwards is the same form."""
    session = session_or_404(session_id)
    require(can_mark_attendance, session)
    scope = register_scope(current_user, session)
    rows = queries.register_rows(session, scope)
    form = ButtonForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        allowed = [row.user.id for row in rows]  # only the people this reader may mark are read from the form
        try:
            if request.form.get("action") == "everyone":
                changed = signups.mark_everyone_present(session, allowed, current_user)
            else:
                marks = {user_id: request.form.get(f"mark-{user_id}", "") for user_id in allowed}
                changed = signups.mark(session, {u: m for u, m in marks.items() if m}, current_user)
        except SessionError as exc:
            flash(SESSION_ERRORS[exc.code](), "error")
        else:
            flash(ngettext("Attendance saved: %(num)d mark changed.", "Attendance saved: %(num)d marks changed.",
                           changed), "success")
        return redirect(url_for("sessions.register", session_id=session.id))
    figures = {t.user.id: t.attendance for t in queries.attendance_per_trainee(session.course_id, session.run_id,
                                                                                scope)}
    return render_template("sessions/register.html", session=session, course=session.course, rows=rows, form=form,
                           marks=MARKS, mark_labels=MARK_LABELS, figures=figures,
                           started=session.starts_at <= clock.now())


@bp.route("/sessions/<int:session_id>/sheet.pdf")
@login_required
def sheet(session_id: int):
    """The printable sign-in sheet of the register's people (a coordinator's: their institution's)."""
    session = session_or_404(session_id)
    require(can_mark_attendance, session)
    rows = queries.register_rows(session, register_scope(current_user, session))
    place = session.location or session.online_url or ""
    document = SheetDocument(
        course_title=session.course.title, session_title=session.title, when=str(session_time(session).striptags()),
        place=place, trainers=tuple(t.name for t in session.trainers),
        people=tuple((row.user.name, row.institution or "") for row in rows), printed_at=clock.now())
    response = current_app.response_class(render_sheet_pdf(document), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="sign-in-sheet-{session.id}.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response
