"""The trainee's page of a practical: its instructions, its criteria (the critical ones marked) and their
released record (outcome, each criterion's result and comment, date and place, the assessor), and evidence
downloads.

The page reads in the course's language version chosen as a lesson's or a quiz's page chooses it (this page's
`?version=`, the enrolment's kept choice, the interface language): the practical's title, instructions and
criteria; the record is shown as the assessor signed it."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.access import can_assess, can_edit_course, evidence_or_404, practical_for_reading_or_404
from lms.catalog.outline import course_outline, page_reading
from lms.checklists import queries, services
from lms.checklists.views.base import RESULT_LABELS, STATUS_LABELS, bp
from lms.core.downloads import attachment, key_etag
from lms.core.storage import StorageNotFound
from lms.core.uploads import stream
from lms.learning import queries as learning_queries


@bp.route("/courses/<slug>/practicals/<practical>")
@login_required
def practical(slug: str, practical: str):
    """What the trainee will be assessed on, and their released record."""
    course, item = practical_for_reading_or_404(slug, practical)
    enrolment = learning_queries.enrolment_of(current_user.id, course.id)
    staff = can_edit_course(current_user, course) or can_assess(current_user, course)
    if enrolment is None and not staff:
        flash(_("Enrol in the course to see its practical assessments."), "info")
        return redirect(url_for("learning.course", slug=slug))
    record = queries.current_record(item.id, enrolment.id, released_only=True) if enrolment else None
    held = enrolment is not None and record is None and queries.current_record(item.id, enrolment.id) is not None
    shown = page_reading(course, enrolment, request.args.get("version"))
    outline = course_outline(course, shown.language)
    previous, following = outline.neighbours("practical", item.id)
    criteria = queries.live_criteria(item)
    return render_template("practicals/practical.html", course=course, practical=item, enrolment=enrolment,
                           criteria=criteria, record=record, held=held, staff=staff,
                           result_labels=RESULT_LABELS, status_labels=STATUS_LABELS,
                           status=queries.status_of(record), previous=previous, following=following, shown=shown,
                           texts=queries.shown_texts(item, criteria, course.language, shown.language),
                           course_title=outline.course_title or course.title)


@bp.route("/practicals/evidence/<int:evidence_id>")
@login_required
def evidence(evidence_id: int):
    """An evidence file of a record, as a download: for the trainee, the course's editors and the assessors of
    the trainee's run (anyone else: not found). Audited."""
    item = evidence_or_404(evidence_id)
    try:
        chunks = stream(item.storage_key)
    except StorageNotFound:
        abort(404)
    services.evidence_downloaded(item, current_user)
    return attachment(chunks, item.name, item.mime_type, item.size, key_etag(item.storage_key))
