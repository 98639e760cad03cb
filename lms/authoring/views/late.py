"""The queue of a quiz's answers received late after an outage: see them, accept or reject them, upload a
trainee's "Download my answers" file. For whoever may judge them (lms.access.can_judge_late_answers)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.access import judging_course_or_404
from lms.authoring.forms import DecideForm, LateFileForm
from lms.authoring.views.base import bp, item_or_404
from lms.core.numbers import number
from lms.quizzes import labels, offline
from lms.quizzes import queries as quiz_queries
from lms.quizzes.answerfile import MAX_BYTES, AnswerFileError, read_answer_file
from lms.quizzes.models import GRACE_SECONDS

FILE_PROBLEMS = {
    "too_big": lambda: _("The file is larger than a file of answers can be (%(n)s KB): it is not one.",
                         n=number(MAX_BYTES // 1024)),
    "not_json": lambda: _("The file is not a file of answers: it cannot be read as JSON."),
    "too_deep": lambda: _("The file is not a file of answers: it is nested deeper than one can be."),
    "format": lambda: _("The file is not a file of answers of this platform: a field is missing, unknown or "
                        "of the wrong kind."),
    "not_this_quiz": lambda: _("The file names an attempt that is not of this quiz."),
    "token": lambda: _("The file's token does not match its attempt: it was not downloaded from that attempt."),
    "answers": lambda: _("The file's answers do not belong to its attempt's questions. Nothing was received."),
    "submitted": lambda: _("The trainee submitted that attempt: it takes no more answers."),
    "after_deadline": lambda: _("The file's answers were saved after the attempt's deadline: they are not received."),
    "no_deadline": lambda: _("That attempt had no time limit and is closed: it takes no more answers."),
    "decided": lambda: _("These answers were decided on already."),
}


def _quiz(slug: str, quiz: str):
    course = judging_course_or_404(slug)
    return course, item_or_404(course, "quizzes", quiz)


@bp.route("/<slug>/quizzes/<quiz>/late")
def late_answers(slug: str, quiz: str):
    """The queue "Received late after an outage": waiting answers first, then the last decided."""
    course, target = _quiz(slug, quiz)
    pending, decided = quiz_queries.late_queue(target.id)
    counted = quiz_queries.counted_responses([attempt.id for _item, attempt, _name in pending])
    return render_template("authoring/late.html", course=course, quiz=target, pending=pending, decided=decided,
                           counted=counted,
                           upload=LateFileForm(), grace=GRACE_SECONDS,
                           response_text=labels.response_text, max_kb=MAX_BYTES // 1024)


@bp.route("/<slug>/quizzes/<quiz>/late/upload", methods=["POST"])
def late_upload(slug: str, quiz: str):
    """Receive a "Download my answers" file: late answers from a file (or, for an attempt still open, a save)."""
    course, target = _quiz(slug, quiz)
    form = LateFileForm()
    back = redirect(url_for("authoring.late_answers", slug=slug, quiz=quiz))
    if not form.validate_on_submit():
        flash(_("Choose a file of answers to upload."), "error")
        return back
    raw = form.file.data.read(MAX_BYTES + 1)
    try:
        found = read_answer_file(raw)
        outcome = offline.receive_file(target, found, current_user)
    except (AnswerFileError, offline.LateError) as exc:
        flash(FILE_PROBLEMS[exc.code](), "error")
        return back
    if outcome.duplicate:
        flash(_("Nothing new: the answers in this file had reached the platform already."), "info")
    elif not outcome.late:
        flash(_("The attempt is still open: the file's answers were saved into it."), "success")
    elif outcome.accepted:
        flash(_("The answers were received and, as this quiz accepts them automatically, counted: the attempt was "
                "graded again."), "success")
    else:
        flash(_("The answers were received: decide on them below."), "success")
    return back


@bp.route("/<slug>/quizzes/<quiz>/late/<int:item_id>", methods=["POST"])
def late_decide(slug: str, quiz: str, item_id: int):
    """Accept (apply and regrade once) or reject answers received late; audited either way."""
    course, target = _quiz(slug, quiz)
    item = quiz_queries.late_item(target.id, item_id) or abort(404)
    form = DecideForm()
    action = request.form.get("action")
    if not form.validate_on_submit() or action not in ("accept", "reject"):
        abort(400)
    try:
        if action == "accept":
            offline.accept(item, current_user)
            flash(_("Accepted: the answers count and the attempt was graded again."), "success")
        else:
            offline.reject(item, current_user)
            flash(_("Rejected: the attempt keeps the answers saved in time."), "success")
    except offline.LateError as exc:
        flash(FILE_PROBLEMS[exc.code](), "info")
    return redirect(url_for("authoring.late_answers", slug=slug, quiz=quiz))
