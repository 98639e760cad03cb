"""Pages of marking (/courses/<slug>/assess): the courses a person assesses, a course's queues (each assignment
with its counts, per run), one assignment's submissions to mark, marked, returned or late, the marking page of a
submission with its files, the release of held-back marks; and (/author) the runs given to an assessor."""
from __future__ import annotations


from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from lms.access import (
    assess_scope, assessed_runs, assessing_course_or_404, can_assess_anything, marked_assignment_or_404, can_assess_run,
    can_manage_assessed_work, feedback_mark_or_404, is_admin, managing_course_or_404, marking_submission_or_404,
    require, requires, run_of_course_or_404, work_course_or_404, work_file_or_404,
)
from lms.assessing import assessors, marking, queries
from lms.assessing.forms import AssessorRunsForm, ButtonForm, MarkForm
from lms.catalog.outline import course_outline
from lms.core import uploads
from lms.core.downloads import send_stored
from lms.core.forms import options
from lms.extensions import login_manager
from lms.learning.models import Enrolment
from lms.runs import queries as run_queries

bp = Blueprint("assessing", __name__, template_folder="templates")




ERRORS = {
    "outcome_unknown": lambda d: _("Choose an outcome."),
    "score_missing": lambda d: _("Give a score, or return the work for resubmission."),
    "score_invalid": lambda d: _("The score must be a number of at least 0, with at most two decimals."),
    "score_above_maximum": lambda d: _("The score cannot be above the maximum, %(maximum)s. Nothing was saved.",
                                       maximum=d["maximum"]),
    "level_missing": lambda d: _("Choose a level for criterion %(number)d.", number=d.get("criterion", 1)),
    "level_unknown": lambda d: _("Choose one of the levels of criterion %(number)d.", number=d.get("criterion", 1)),
    "feedback_too_long": lambda d: _("The feedback is too long."),
    "not_handed_in": lambda d: _("This work is not handed in."),
    "newer_try": lambda d: _("The trainee has handed in a later try: mark that one."),
    "too_large": lambda d: _("The feedback file is larger than %(megabytes)d MB.", megabytes=d["megabytes"]),
    "empty": lambda d: _("The feedback file is empty."),
    "wrong_type": lambda d: _("The feedback file must be a PDF, an office document or an image (its content is "
                              "checked, not its name)."),
    "archive_not_allowed": lambda d: _("The feedback file must be a PDF, an office document or an image (its "
                                       "content is checked, not its name)."),
    "not_assessor": lambda d: _("This person is not an assessor of the course."),
    "other_course": lambda d: _("That run belongs to another course."),
}


def _runs(course):
    """The course's runs the current user may mark (their rights read once, not per run)."""
    given = assessed_runs(current_user, course)
    return [f.run for f in run_queries.runs_of(course.id) if given is None or f.run.id in given]


def _run_filter(course) -> int | None:
    """The run of the `run` query argument: one of the course's (else 404) that the user marks (else 403)."""
    run_id = request.args.get("run", type=int)
    if run_id is None:
        return None
    run = run_of_course_or_404(course, run_id)
    require(can_assess_run, course, run.id)
    return run.id


def _scope(course):
    return assess_scope(current_user, course, Enrolment.run_id)


@bp.route("/assess")
@requires(can_assess_anything)
def mine():
    """The courses whose work the person marks."""
    courses = queries.courses_assessed(None if is_admin(current_user) else current_user.id)
    return render_template("assessing/mine.html", courses=courses)


@bp.route("/courses/<slug>/assess")
def queue(slug: str):
    """A course's assignments with how much of their work is to mark, marked, returned, late and held back; and
    its practical assessments, each leading to the list of trainees to sign off."""
    course = assessing_course_or_404(slug)
    run_id = _run_filter(course)
    practicals = [item for item in course_outline(course).sequence if item.kind == "practical"]
    return render_template("assessing/queue.html", course=course, runs=_runs(course), run_id=run_id,
                           rows=queries.queue(course.id, _scope(course), run_id), practicals=practicals,
                           button=ButtonForm(), manage=can_manage_assessed_work(current_user, course))


@bp.route("/courses/<slug>/assess/<int:assignment_id>")
def assignment(slug: str, assignment_id: int):
    """One assignment's submissions in a queue: to mark, marked, returned, late or all."""
    course = assessing_course_or_404(slug)
    found = marked_assignment_or_404(course, assignment_id)
    run_id = _run_filter(course)
    show = request.args.get("show", "to_mark")
    if show not in queries.SHOWS:
        show = "to_mark"
    return render_template("assessing/assignment.html", course=course, assignment=found, runs=_runs(course),
                           run_id=run_id, show=show, rows=queries.submissions(found, _scope(course), show, run_id),
                           pseudonym=queries.pseudonym)


def _levels(assignment) -> list:
    """The rubric's radio buttons as sent: one value per criterion (bounded by the rubric), None where none."""
    return [request.form.get(f"level-{i}") or None for i in range(len(assignment.rubric or []))]


@bp.route("/courses/<slug>/assess/submissions/<int:submission_id>", methods=["GET", "POST"])
def submission(slug: str, submission_id: int):
    """The marking page: the work, its earlier tries and marks, and the form of a mark."""
    course = assessing_course_or_404(slug)
    found, _run_id = marking_submission_or_404(course, submission_id)
    work_assignment = found.assignment
    form = MarkForm()
    conflict, errors = None, {}
    if request.method == "GET":
        form.version.data = found.version
    chosen = _levels(work_assignment) if request.method == "POST" else []
    if form.validate_on_submit():
        try:
            upload = None
            sent = form.feedback_file.data
            if sent is not None and getattr(sent, "filename", None):
                upload = uploads.read_upload(sent.stream, sent.filename, marking.FEEDBACK_FILE_KINDS,
                                             marking.FEEDBACK_FILE_MB * 1024 * 1024)
            marking.mark_submission(found, marking.MarkFields(
                outcome=form.outcome.data, version=form.version.data, score=form.score.data,
                levels=tuple(chosen), feedback=form.feedback.data or ""), upload, current_user)
        except uploads.UploadRefused as exc:
            form.feedback_file.errors = [*form.feedback_file.errors, ERRORS[exc.code](exc.params)]
        except marking.MarkingError as exc:
            message = ERRORS[exc.code](exc.params)
            if exc.code.startswith("level_"):
                errors[exc.params.get("criterion", 1) - 1] = message
            elif exc.code.startswith("score"):
                form.score.errors = [*form.score.errors, message]
            else:
                form.form_errors.append(message)
        except marking.MarkConflict as exc:
            conflict = exc
            form.version.raw_data, form.version.data = [str(exc.version)], exc.version
        else:
            flash(_("The mark is saved.") if not (work_assignment.hold_marks and form.outcome.data == "marked")
                  else _("The mark is saved and held back until the marks of this assignment are released."),
                  "success")
            return redirect(url_for("assessing.assignment", slug=slug, assignment_id=work_assignment.id))
    return render_template("assessing/submission.html", course=course, assignment=work_assignment,
                           work=queries.work(found), form=form, conflict=conflict, chosen=chosen,
                           level_errors=errors, pseudonym=queries.pseudonym(found))


@bp.route("/courses/<slug>/assess/submissions/<int:submission_id>/files/<int:file_id>")
def work_file(slug: str, submission_id: int, file_id: int):
    """A file of handed-in work, always as a download: for the trainee, the course's editors and the assessors
    of the trainee's run."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    found = work_file_or_404(work_course_or_404(slug), submission_id, file_id)
    return send_stored(found.storage_key, found.name, found.mime_type, found.size)


@bp.route("/courses/<slug>/assess/marks/<int:mark_id>/feedback")
def feedback_file(slug: str, mark_id: int):
    """A mark's feedback file, as a download, for those who mark the work."""
    course = assessing_course_or_404(slug)
    mark = feedback_mark_or_404(course, mark_id)
    return send_stored(mark.feedback_key, mark.feedback_name or "feedback",
                       mark.feedback_mime or "application/octet-stream", mark.feedback_size)


@bp.route("/courses/<slug>/assess/<int:assignment_id>/release", methods=["POST"])
def release(slug: str, assignment_id: int):
    """Release the held-back marks of an assignment (of one run when the form names it)."""
    course = managing_course_or_404(slug)
    found = marked_assignment_or_404(course, assignment_id)
    form = ButtonForm()
    run_id = None
    if form.validate_on_submit():
        run_id = run_of_course_or_404(course, form.run.data).id if form.run.data else None
        count = marking.release_marks(found, run_id, current_user)
        flash(ngettext("%(num)d mark is released; its trainee is told.",
                       "%(num)d marks are released; their trainees are told.", count) if count
              else _("No mark was held back."), "success")
    return redirect(url_for("assessing.queue", slug=slug, run=run_id))


@bp.route("/author/<slug>/assessors/<int:user_id>", methods=["GET", "POST"])
def assessor_runs(slug: str, user_id: int):
    """The runs given to an assessor of the course: some runs, or (none chosen) the whole course."""
    course = managing_course_or_404(slug)
    assessor = assessors.assessor_of(course, user_id) or abort(404)
    runs = [f.run for f in run_queries.runs_of(course.id)]
    form = AssessorRunsForm(data={"runs": list(assessor.run_ids)} if request.method == "GET" else None)
    form.runs.choices = options((run.id, f"{run.title} ({run.code})") for run in runs)
    if form.validate_on_submit():
        try:
            assessors.set_runs(course, assessor.user, form.runs.data or [], current_user)
        except assessors.AssessorError as exc:
            flash(ERRORS[exc.code]({}), "error")
        else:
            flash(_("The assessor's runs are saved."), "success")
            return redirect(url_for("authoring.staff", slug=slug))
    return render_template("assessing/assessor_runs.html", course=course, assessor=assessor, form=form)
