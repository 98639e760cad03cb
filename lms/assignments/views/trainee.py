"""The trainee's page of an assignment (write with autosave or the Save button, add and remove files while a
draft, hand in, try again after a return, read released marks) and the downloads of its files.

The page reads in the course's language version chosen as a lesson's or a quiz's page chooses it (this page's
`?version=`, the enrolment's kept choice, the interface language): the assignment's title, instructions and
rubric texts; the work and its marks are as they were handed in and given."""
from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from lms.access import (
    assignment_of_course_or_404, can_edit_course, can_read_mark, can_read_submission, course_or_404, require,
)
from lms.assignments import queries, rubrics, services
from lms.assignments.views.base import bp, message
from lms.core.downloads import send_stored
from lms.availability import queries as availability
from lms.catalog.outline import course_outline, page_reading
from lms.core import uploads, when
from lms.core.too_large import keeps
from lms.learning import queries as learning_queries


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _live(course, item, language: str | None):
    """The course's outline in the version `language`, when the assignment is in it (its module retired: the
    page is not found)."""
    outline = course_outline(course, language)
    if not any(i.kind == "assignment" and i.id == item.id for i in outline.sequence):
        abort(404)
    return outline


@bp.route("/courses/<slug>/assignments/<assignment>", methods=["GET", "POST"])
@login_required
@keeps(_l("Your draft below is as it was last saved: while you typed (when your browser saves it by itself) or "
          "with Save draft."))
def assignment(slug: str, assignment: str):
    """What to do, by when, the trainee's draft and tries, and the released marks. Every POST saves the page
    (the Save button, a file to add or remove, or the background save); "submit" hands the work in."""
    course = course_or_404(slug)
    item = assignment_of_course_or_404(course, assignment)
    enrolment = learning_queries.enrolment_of(current_user.id, course.id)
    shown = page_reading(course, enrolment, request.args.get("version"))
    outline = _live(course, item, shown.language)
    if enrolment is None and not can_edit_course(current_user, course):
        flash(_("Enrol in the course to hand in its assignments."), "info")
        return redirect(url_for("learning.course", slug=slug))
    state = availability.item_state(enrolment, course, "assignment", item.id)
    extension = queries.extension_of(item.id, enrolment.id) if enrolment else None
    due = services.due_at(item, extension, enrolment) if enrolment else None
    typed, refused = None, False
    if request.method == "POST":
        if enrolment is None or state.locked:
            abort(403)
        text = request.form.get("text") if item.accepts != "files" else None
        if _wants_json():  # the background save: the text alone
            try:
                draft = services.save_work(item, enrolment, text)
            except services.SubmissionError as exc:
                return jsonify(saved=False, message=message(exc)), 409
            return jsonify(saved=True, saved_at=when.iso(draft.saved_at))
        action = request.form.get("action", "save")
        files = [(f.stream, f.filename) for f in request.files.getlist("files") if f and f.filename]
        remove = [int(action[7:])] if action.startswith("remove-") and action[7:].isdigit() else []
        try:
            if action == "submit":
                services.submit_work(item, enrolment, text, files, remove, due=due)
                flash(_("Your work is handed in. You will see its mark here once it is released."), "success")
            else:
                services.save_work(item, enrolment, text, files, remove)
                flash(_("File removed.") if remove else _("Your work is saved (not handed in yet)."), "success")
        except services.SubmissionError as exc:
            flash(message(exc), "error")
            typed, refused = text, True
        else:
            return redirect(url_for("assignments.assignment", slug=slug, assignment=item.slug))
    tries = queries.tries(item.id, enrolment.id) if enrolment else []
    draft, next_number, closed = services.open_try(item, tries)
    previous, following = outline.neighbours("assignment", item.id)
    handed_in = [s for s in tries if s.status != "draft"]
    return render_template(
        "assignments/assignment.html", course=course, assignment=item, enrolment=enrolment, state=state,
        extension=extension, due=due, due_day=services.due_day(item, extension, enrolment) if enrolment else None,
        draft=draft, next_number=next_number, closed=closed, handed_in=handed_in, typed=typed,
        may_hand_in=services.may_hand_in(enrolment) and not state.locked,
        marks={s.id: queries.released_mark(s) for s in handed_in}, kinds=uploads.parse_kinds(item.file_kinds),
        previous=previous, following=following, shown=shown, course_title=outline.course_title or course.title,
        texts=queries.shown_texts(item, course.language, shown.language),
        max_of=lambda mark: rubrics.max_points(mark.rubric) if mark.rubric else item.max_score), 400 if refused else 200


def _run_of(submission) -> int | None:
    enrolment = learning_queries.enrolment_by_id(submission.enrolment_id)
    return enrolment.run_id if enrolment is not None else None


@bp.route("/courses/<slug>/assignments/<assignment>/files/<int:file_id>")
@login_required
def submission_file(slug: str, assignment: str, file_id: int):
    """A file of a submission, as a download: for its trainee (a draft's to them alone), the course's editors
    and the assessors of the trainee's run; 403 for other signed-in people, 404 for a file of another
    assignment."""
    course = course_or_404(slug)
    item = assignment_of_course_or_404(course, assignment)
    file = queries.file_by_id(file_id)
    if file is None or file.submission.assignment_id != item.id:
        abort(404)
    require(can_read_submission, course, file.submission, _run_of(file.submission))
    return send_stored(file.storage_key, file.name, file.mime_type, file.size)


@bp.route("/courses/<slug>/assignments/<assignment>/marks/<int:mark_id>/file")
@login_required
def feedback_file(slug: str, assignment: str, mark_id: int):
    """A mark's feedback file: for the trainee once the mark is released, and whoever may mark their run."""
    course = course_or_404(slug)
    item = assignment_of_course_or_404(course, assignment)
    mark = queries.mark_by_id(mark_id)
    if mark is None or mark.submission.assignment_id != item.id or not mark.feedback_key:
        abort(404)
    require(can_read_mark, course, mark, _run_of(mark.submission))
    return send_stored(mark.feedback_key, mark.feedback_name or "feedback", mark.feedback_mime
                       or "application/octet-stream", mark.feedback_size)
