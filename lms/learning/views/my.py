"""A trainee's own pages: my learning, and the training record with its downloads."""
from __future__ import annotations

from datetime import timedelta

from flask import abort, render_template
from flask_login import current_user, login_required

from lms.core import clock, when
from lms.core.downloads import attachment
from lms.learning import queries
from lms.learning.views.base import bp
from lms.reports.record import training_record
from lms.reports.record_files import RECORD_FORMATS, download_training_record
from lms.reports.record_pdf import CERTIFICATE_STATES, STATUS_LABELS
from lms.runs import queries as run_queries
from lms.sessions import queries as session_queries


@bp.route("/my")
@login_required
def my_learning():
    """Courses in progress with a resume link, completed courses with their certificates."""
    found = queries.my_learning_read(current_user, (session_queries.person_has_sessions_column(),))
    rows = found.rows
    now = clock.now()
    # Positions on a run's waiting list: read only when an enrolment waits (most trainees hold their places).
    waiting = run_queries.waiting_positions(current_user.id) if any(r.enrolment.waiting for r in rows) else {}
    # What the enrolments' statement said the person has none of is not read (nothing was said without enrolments).
    history = queries.earlier_certificates(current_user) if found.has_earlier_certificates is not False else []
    sessions = (session_queries.sessions_of_person(current_user.id, now - timedelta(hours=12),
                                                   now + timedelta(days=366))
                if found.answers != (False,) else [])
    return render_template("learning/my.html", rows=rows, history=history, now=now, waiting=waiting, sessions=sessions)


@bp.route("/my/record")
@login_required
def my_record():
    """The officer's own training record: every course and cycle, certificates, and its downloads."""
    now = clock.now()
    return render_template("learning/my_record.html", record=training_record(current_user, now), now=now,
                           status_labels=STATUS_LABELS, certificate_states=CERTIFICATE_STATES)


@bp.route("/my/record.<fmt>")
@login_required
def my_record_file(fmt: str):
    """Download one's own training record as PDF or CSV."""
    if fmt not in RECORD_FORMATS:
        abort(404)
    file = download_training_record(current_user, fmt, current_user, clock.now(), when.viewer_zone())
    return attachment(file.content, file.filename, file.mimetype)
