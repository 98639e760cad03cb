"""Quiz pages: the quiz's page, starting, answering (saved as you go), submitting, reviewing."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from lms.access import can_edit_course, course_or_404
from lms.availability import labels as availability_labels
from lms.availability import queries as availability
from lms.availability import services as availability_services
from lms.catalog import queries as catalog_queries
from lms.catalog.outline import course_outline
from lms.core import clock, when
from lms.learning import queries as learning_queries
from lms.quizzes import grading, labels, queries, services
from lms.quizzes.models import GRACE_SECONDS

bp = Blueprint("quizzes", __name__, template_folder="templates")

MESSAGES = {
    "no_attempts_left": lambda: _("You have used all the attempts this quiz allows."),
    "no_questions": lambda: _("This quiz has no questions yet."),
    "closed": lambda: _("Time is up: this attempt was closed and graded on the answers saved before the deadline."),
    "submitted": lambda: _("This attempt was submitted and graded; answers sent after that were not saved."),
    "tampered": lambda: _("The answers sent do not belong to this attempt's questions. Nothing was saved; reload the page."),
    "waiting": lambda: _("You are on the waiting list of this course's run: you can start quizzes once you have "
                         "a place."),
    "withdrawn": lambda: _("Your enrolment in this course was withdrawn: you cannot start or continue an attempt. "
                           "Your earlier results stay in your record."),
}


def _refused(count: int) -> str:
    return ngettext("%(num)d answer was not saved: see the message under it.",
                    "%(num)d answers were not saved: see the messages under them.", count)


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.route("/courses/<slug>/quizzes/<quiz>")
@login_required
def quiz(slug: str, quiz: str):
    """The quiz's rules, the trainee's attempts and results, and the button to start."""
    course = course_or_404(slug)
    item = queries.quiz_by_slug(course, quiz) or abort(404)
    enrolment = learning_queries.enrolment_of(current_user.id, course.id)
    if enrolment is None and not can_edit_course(current_user, course):
        flash(_("Enrol in the course to take its quizzes."), "info")
        return redirect(url_for("learning.course", slug=slug))
    attempts = queries.attempts_at(enrolment.id, item.id) if enrolment else []
    for attempt in attempts:
        services.close_if_expired(attempt)
    closed = [a for a in attempts if a.status != "in_progress"]
    best = max((a.percent for a in closed if a.percent is not None), default=None)
    remaining = (item.attempts_allowed - len(attempts)) if item.attempts_allowed else None
    outline = course_outline(course)
    previous, following = outline.neighbours("quiz", item.id)
    state = availability.item_state(enrolment, course, "quiz", item.id)
    return render_template("quizzes/quiz.html", course=course, quiz=item, enrolment=enrolment, attempts=attempts,
                           state=state,
                           best=best, passed=any(a.passed for a in closed), remaining=remaining,
                           open_attempt=next((a for a in attempts if a.status == "in_progress"), None),
                           question_count=queries.bank_size(item), previous=previous, following=following)


@bp.route("/courses/<slug>/quizzes/<quiz>/start", methods=["POST"])
@login_required
def start(slug: str, quiz: str):
    """Start an attempt (or continue the one in progress). A quiz locked for the trainee, or of a run that
    has ended, is refused (403, with the reasons), whatever the request says (lms.availability)."""
    course = course_or_404(slug)
    item = queries.quiz_by_slug(course, quiz) or abort(404)
    enrolment = learning_queries.enrolment_of(current_user.id, course.id)
    if enrolment is None:
        abort(403)
    try:
        attempt = availability_services.start_attempt(enrolment, course, item)
    except availability_services.Locked as exc:
        reasons = availability_labels.reason_texts(exc.state) or [availability_labels.ended_text()]
        return render_template("errors/error.html", code=403, title=_("This quiz is not open to you yet")
                               if exc.state.locked else _("The run has ended"),
                               message=" ".join(reasons), detail=None, error_id=None), 403
    except services.AttemptError as exc:
        flash(MESSAGES[exc.code](), "error")
        return redirect(url_for("quizzes.quiz", slug=slug, quiz=quiz))
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))


def _load(attempt_id: int):
    attempt = queries.own_attempt(current_user, attempt_id) or abort(404)
    return attempt, queries.quiz_by_id(attempt.quiz_id)


def _page_items(attempt, quiz, page: int) -> tuple[list[dict], int, int]:
    items = attempt.draw
    if quiz.layout != "single":
        return items, 1, 1
    page = max(1, min(page, len(items)))
    return [items[page - 1]], page, len(items)


@bp.route("/attempts/<int:attempt_id>", methods=["GET", "POST"])
@login_required
def attempt(attempt_id: int):
    """Answer the questions; every POST saves what is on the page (button or background save)."""
    attempt, quiz = _load(attempt_id)
    services.close_if_expired(attempt)
    if attempt.status == "in_progress" and learning_queries.enrolment_withdrawn(attempt.enrolment_id):
        return _refuse_withdrawn(attempt, quiz)
    if attempt.status != "in_progress":
        # Coming back to an attempt that is graded (a reload, or answers sent again after a response that
        # never arrived): its result, with a word only when answers were sent and not saved.
        message = MESSAGES["closed" if attempt.status == "expired" else "submitted"]()
        if _wants_json():
            return jsonify(saved=False, closed=True, message=message), 409
        if request.method == "POST":
            flash(message, "info")
        return redirect(url_for("quizzes.review", attempt_id=attempt.id))
    page = request.values.get("page", 1, type=int)
    if request.method == "POST":
        slugs = request.form.getlist("questions")
        raw = {slug: request.form.getlist(f"a-{slug}") for slug in slugs}
        refused: dict[str, str] = {}
        try:
            try:
                responses = services.parse_responses(attempt, raw, slugs)
            except services.AnswersRefused as exc:
                responses, refused = exc.responses, exc.refused  # the other answers are saved all the same
            saved_at = services.save_answers(attempt, responses)
        except services.AttemptError as exc:
            if _wants_json():
                return jsonify(saved=False, closed=exc.code == "closed", message=MESSAGES[exc.code]()), (
                    409 if exc.code == "closed" else 400)
            if exc.code == "closed":
                flash(MESSAGES["closed"](), "error")
                return redirect(url_for("quizzes.review", attempt_id=attempt.id))
            return render_template("errors/error.html", code=400, title=_("Answers refused"),
                                   message=MESSAGES[exc.code](), detail=None, error_id=None), 400
        problems = {slug: labels.ambiguous_number(text) for slug, text in refused.items()}
        items = {item["slug"]: item for item in attempt.draw}
        notes = {slug: note for slug, response in responses.items()
                 if (note := labels.number_note(items[slug], response))}
        if _wants_json():
            if problems:
                return jsonify(saved=False, closed=False, message=_refused(len(problems)), refused=problems,
                               notes=notes), 400
            return jsonify(saved=True, saved_at=when.iso(saved_at), **({"notes": notes} if notes else {}))
        if problems:  # the page again, with what was typed in the refused fields and why
            flash(_refused(len(problems)), "error")
            return _answer_page(attempt, quiz, page, typed=refused, problems=problems), 400
        action = request.form.get("action", "save")
        if action == "finish":
            return redirect(url_for("quizzes.confirm", attempt_id=attempt.id))
        if action == "next":
            page += 1
        elif action == "previous":
            page -= 1
        elif action.startswith("goto-"):
            page = int(action[5:]) if action[5:].isdigit() else page
        flash(_("Your answers are saved."), "success")
        return redirect(url_for("quizzes.attempt", attempt_id=attempt.id, page=page))
    return _answer_page(attempt, quiz, page)


def _refuse_withdrawn(attempt, quiz):
    """An attempt in progress of a withdrawn enrolment takes no answers and is not submitted: it stays as it
    was (and carries on if the enrolment is restored); the trainee is told why, on the quiz's page."""
    if _wants_json():
        return jsonify(saved=False, closed=False, message=MESSAGES["withdrawn"]()), 409
    flash(MESSAGES["withdrawn"](), "error")
    course = catalog_queries.course_by_id(quiz.course_id)
    return redirect(url_for("quizzes.quiz", slug=course.slug, quiz=quiz.slug))


def _answer_page(attempt, quiz, page: int, typed: dict | None = None, problems: dict | None = None) -> str:
    """The questions of the page with the saved answers, or for refused ones what was `typed` and why."""
    items, page, pages = _page_items(attempt, quiz, page)
    answers = queries.saved_answers(attempt)
    return render_template("quizzes/attempt.html", attempt=attempt, quiz=quiz, items=items, page=page, pages=pages,
                           answers=answers, now=clock.now(), grace=GRACE_SECONDS, typed=typed or {},
                           problems=problems or {}, number_note=labels.number_note,
                           course=catalog_queries.course_by_id(quiz.course_id))


@bp.route("/attempts/<int:attempt_id>/submit", methods=["GET", "POST"])
@login_required
def confirm(attempt_id: int):
    """Confirm and submit: shows how many questions are unanswered first."""
    attempt, quiz = _load(attempt_id)
    services.close_if_expired(attempt)
    if attempt.status == "in_progress" and learning_queries.enrolment_withdrawn(attempt.enrolment_id):
        return _refuse_withdrawn(attempt, quiz)
    if request.method == "POST":
        try:
            services.submit_attempt(attempt)
        except services.AttemptError as exc:
            # Graded already (a second click, another tab, or the form sent again because the answer to the
            # first submission never arrived): the same result page as the first submission, without a word
            # that would make the trainee think something went wrong. The review says if time ran out.
            if exc.code != "already_submitted":
                flash(MESSAGES[exc.code](), "info")
        return redirect(url_for("quizzes.review", attempt_id=attempt.id))
    if attempt.status != "in_progress":
        return redirect(url_for("quizzes.review", attempt_id=attempt.id))
    answers = queries.saved_answers(attempt)
    unanswered = [i + 1 for i, item in enumerate(attempt.draw)
                  if answers.get(item["slug"]) is None or answers[item["slug"]].response in (None, [], "")]
    return render_template("quizzes/confirm.html", attempt=attempt, quiz=quiz, unanswered=unanswered,
                           course=catalog_queries.course_by_id(quiz.course_id))


@bp.route("/attempts/<int:attempt_id>/review")
@login_required
def review(attempt_id: int):
    """The result, and as the quiz allows, each question's result, the right answer and the explanation."""
    attempt, quiz = _load(attempt_id)
    services.close_if_expired(attempt)
    if attempt.status == "in_progress":
        return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))
    attempts = queries.attempts_at(attempt.enrolment_id, quiz.id)
    show = queries.answers_visible(quiz, attempt, attempts)
    answers = queries.saved_answers(attempt)
    course = catalog_queries.course_by_id(quiz.course_id)
    enrolment = learning_queries.enrolment_of(current_user.id, course.id)
    remaining = (quiz.attempts_allowed - len(attempts)) if quiz.attempts_allowed else None
    return render_template("quizzes/review.html", attempt=attempt, quiz=quiz, show=show, answers=answers,
                           right_answer=grading.right_answer, number_review_note=labels.number_review_note,
                           course=course, remaining=remaining,
                           enrolment=enrolment)
