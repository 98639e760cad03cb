"""Quiz pages: the quiz's page, starting, answering (saved as you go), submitting, reviewing."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from lms.access import can_edit_course, can_view_course
from lms.availability import labels as availability_labels
from lms.availability import queries as availability
from lms.availability import services as availability_services
from lms.catalog import queries as catalog_queries
from lms.catalog.outline import course_outline, page_reading
from lms.core import clock, when
from lms.languages import queries as language_queries
from lms.learning import queries as learning_queries
from lms.extensions import login_manager
from lms.quizzes import grading, labels, offline, queries, services
from lms.quizzes.answerfile import read_device_time, read_seq
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
    "late": lambda: _("Your answers reached us after the deadline. They were saved on your device in time, so they "
                      "are kept for the quiz's staff to decide on; they do not count until accepted."),
    "late_accepted": lambda: _("Your answers reached us after the deadline. They were saved on your device in time "
                               "and this quiz accepts them: your attempt was graded again."),
    "other_person": lambda: _("These answers belong to another person's attempt. They are sent when that person "
                              "signs in on this device."),
    "signed_out": lambda: _("You are signed out. Your answers are kept on this device and sent when you sign in."),
    "bad_save": lambda: _("The save's number or time could not be read. Nothing was saved; reload the page."),
}


def _refused(count: int) -> str:
    return ngettext("%(num)d answer was not saved: see the message under it.",
                    "%(num)d answers were not saved: see the messages under them.", count)


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _visit(slug: str, quiz: str, bank: bool = False):
    """The course and live quiz of the URL, the trainee's current enrolment and whether the quiz has availability
    conditions, in one statement (with `bank`, the drawable bank's size too, else None): 404 when the course or
    quiz is missing or the course is not the visitor's to see (as `course_or_404`: a draft is "not found")."""
    also = (availability.quiz_has_conditions_column(), *((queries.bank_total_column(),) if bank else ()))
    visit = learning_queries.quiz_visit(current_user.id, slug, quiz, also)
    if visit is None or not can_view_course(current_user, visit.course):
        abort(404)
    return visit.course, visit.quiz, visit.enrolment, bool(visit.answers[0]), (visit.answers[1] if bank else None)


@bp.route("/courses/<slug>/quizzes/<quiz>")
@login_required
def quiz(slug: str, quiz: str):
    """The quiz's rules, the trainee's attempts and results, and the button to start."""
    course, item, enrolment, has_conditions, bank_total = _visit(slug, quiz, bank=True)
    if enrolment is None and not can_edit_course(current_user, course):
        flash(_("Enrol in the course to take its quizzes."), "info")
        return redirect(url_for("learning.course", slug=slug))
    attempts = queries.attempts_at(enrolment.id, item.id) if enrolment else []
    for attempt in attempts:
        services.close_if_expired(attempt)
    closed = [a for a in attempts if a.status != "in_progress"]
    best = max((a.percent for a in closed if a.percent is not None), default=None)
    remaining = (item.attempts_allowed - len(attempts)) if item.attempts_allowed else None
    shown = page_reading(course, enrolment, request.args.get("version"))
    outline = course_outline(course, shown.language)
    previous, following = outline.neighbours("quiz", item.id)
    state = availability.item_state(enrolment, course, "quiz", item.id, has_conditions=has_conditions)
    return render_template("quizzes/quiz.html", course=course, quiz=item, enrolment=enrolment, attempts=attempts,
                           state=state,
                           best=best, passed=any(a.passed for a in closed), remaining=remaining,
                           open_attempt=next((a for a in attempts if a.status == "in_progress"), None),
                           question_count=queries.bank_size(item, bank_total), previous=previous, following=following,
                           shown=shown, title=outline_title(outline, "quiz", item), course_title=outline.course_title
                           or course.title)


@bp.route("/courses/<slug>/quizzes/<quiz>/start", methods=["POST"])
@login_required
def start(slug: str, quiz: str):
    """Start an attempt (or continue the one in progress). A quiz locked for the trainee, or of a run that
    has ended, is refused (403, with the reasons), whatever the request says (lms.availability)."""
    course, item, enrolment, has_conditions, _bank_total = _visit(slug, quiz)
    if enrolment is None:
        abort(403)
    shown = page_reading(course, enrolment, request.form.get("version"))
    try:
        attempt = availability_services.start_attempt(enrolment, course, item, shown.language,
                                                      has_conditions=has_conditions)
    except availability_services.Locked as exc:
        reasons = availability_labels.reason_texts(exc.state) or [availability_labels.ended_text()]
        return render_template("errors/error.html", code=403, title=_("This quiz is not open to you yet")
                               if exc.state.locked else _("The run has ended"),
                               message=" ".join(reasons), detail=None, error_id=None), 403
    except services.AttemptError as exc:
        flash(MESSAGES[exc.code](), "error")
        return redirect(url_for("quizzes.quiz", slug=slug, quiz=quiz))
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))


def _quiz_title(quiz, attempt) -> str:
    """The quiz's title in the language version the attempt was taken in."""
    found = language_queries.text_of("quiz", quiz.id, attempt.language) if attempt.language else None
    return found.title if found is not None and found.title else quiz.title


def _course_title(course, attempt) -> str:
    """The course's title in the language version the attempt was taken in (its pages keep that version)."""
    found = language_queries.text_of("course", course.id, attempt.language) if attempt.language else None
    return found.title if found is not None and found.title else course.title


def outline_title(outline, kind: str, item) -> str:
    """An item's title as the (possibly translated) outline has it."""
    return next((i.title for i in outline.sequence if i.kind == kind and i.id == item.id), item.title)


def _load(attempt_id: int):
    """The visitor's attempt with its quiz, enrolment and course (anyone else's attempt is "not found"). The view
    holds the visit until it returns: the session keeps only the objects something holds, and the page and
    completion find the enrolment and the course there."""
    return learning_queries.attempt_visit(current_user.id, attempt_id) or abort(404)


def _withdrawn(visit) -> bool:
    """Whether the attempt is in progress and its enrolment withdrawn (no more answers then)."""
    return visit.attempt.status == "in_progress" and visit.enrolment.status == "withdrawn"


def _page_items(attempt, quiz, page: int) -> tuple[list[dict], int, int]:
    items = attempt.draw
    if quiz.layout != "single":
        return items, 1, 1
    page = max(1, min(page, len(items)))
    return [items[page - 1]], page, len(items)


@bp.route("/attempts/<int:attempt_id>", methods=["GET", "POST"])
def attempt(attempt_id: int):
    """Answer the questions; every POST saves what is on the page (button or background save).

    A background save (Accept: application/json) may carry `seq` and `saved_at` (docs/architecture.md, "Answers
    through an outage"): numbered saves are idempotent, and one received after the deadline but saved on the
    device before it is kept as late answers. Work queued on a device that outlived its session is never taken
    under another person's session: signed out, 401; another person's attempt, 403 (the device keeps it)."""
    if not current_user.is_authenticated:
        if request.method == "POST" and _wants_json():
            return jsonify(saved=False, signed_in=False, message=MESSAGES["signed_out"]()), 401
        return login_manager.unauthorized()
    if request.method == "POST" and _wants_json():
        found = queries.attempt_by_id(attempt_id)
        if found is not None and found.user_id != current_user.id:
            return jsonify(saved=False, other_person=True, message=MESSAGES["other_person"]()), 403
    visit = _load(attempt_id)
    attempt, quiz = visit.attempt, visit.quiz
    try:
        seq, device_at = read_seq(request.form.get("seq")), read_device_time(request.form.get("saved_at"))
    except ValueError:
        return _bad_save()
    services.close_if_expired(attempt)
    if _withdrawn(visit):
        return _refuse_withdrawn(attempt, quiz)
    if attempt.status == "expired" and request.method == "POST" and seq is not None and device_at is not None:
        return _late(attempt, seq, device_at)
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
            if seq is None:
                saved_at, outcome = services.save_answers(attempt, responses), None
            else:
                outcome = offline.save_numbered(attempt, responses, seq)
                saved_at = outcome.saved_at
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
            if outcome is not None and outcome.duplicate:
                return jsonify(saved=True, seq=outcome.seq, duplicate=True)
            numbered = {"seq": outcome.seq} if outcome is not None else {}
            return jsonify(saved=True, saved_at=when.iso(saved_at), **numbered, **({"notes": notes} if notes else {}))
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


def _bad_save():
    """A save whose number or device time cannot be read: nothing is saved."""
    if _wants_json():
        return jsonify(saved=False, closed=False, message=MESSAGES["bad_save"]()), 400
    return render_template("errors/error.html", code=400, title=_("Answers refused"), message=MESSAGES["bad_save"](),
                           detail=None, error_id=None), 400


def _late(attempt, seq: int, device_at):
    """A numbered save of an attempt closed at its deadline: kept as answers received late after an outage when
    the device saved them in time (202; applied at once, 200, when the quiz accepts them automatically), a
    duplicate of answers already counted (200), or refused as closed (409) when saved after the deadline."""
    slugs = request.form.getlist("questions")
    raw = {slug: request.form.getlist(f"a-{slug}") for slug in slugs}
    try:
        try:
            responses = services.parse_responses(attempt, raw, slugs)
        except services.AnswersRefused as exc:
            responses = exc.responses  # kept without the numbers that can be read two ways
        outcome = offline.receive_late(attempt, responses, seq, device_at)
    except services.AttemptError as exc:
        code = exc.code
        if _wants_json():
            return jsonify(saved=False, closed=code == "closed", message=MESSAGES[code]()), (
                409 if code == "closed" else 400)
        flash(MESSAGES[code](), "error")
        return redirect(url_for("quizzes.review", attempt_id=attempt.id))
    if outcome.duplicate and outcome.saved:
        reply, status = {"saved": True, "seq": outcome.seq, "duplicate": True}, 200
    elif outcome.accepted:
        reply, status = {"saved": True, "late": True, "accepted": True, "seq": outcome.seq,
                         "message": MESSAGES["late_accepted"]()}, 200
    else:
        reply, status = {"saved": False, "late": True, "message": MESSAGES["late"](),
                         **({"duplicate": True} if outcome.duplicate else {})}, 202
    if _wants_json():
        return jsonify(reply), status
    flash(reply.get("message") or MESSAGES["closed"](), "info")
    return redirect(url_for("quizzes.review", attempt_id=attempt.id))


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
    course = catalog_queries.course_by_id(quiz.course_id)
    return render_template("quizzes/attempt.html", attempt=attempt, quiz=quiz, quiz_title=_quiz_title(quiz, attempt),
                           items=items, page=page, pages=pages,
                           answers=answers, now=clock.now(), grace=GRACE_SECONDS, typed=typed or {},
                           token=offline.attempt_token(attempt), last_seq=offline.highest_seq(attempt.id),
                           problems=problems or {}, number_note=labels.number_note,
                           course=course, course_title=_course_title(course, attempt))


@bp.route("/attempts/<int:attempt_id>/submit", methods=["GET", "POST"])
@login_required
def confirm(attempt_id: int):
    """Confirm and submit: shows how many questions are unanswered first."""
    visit = _load(attempt_id)
    attempt, quiz = visit.attempt, visit.quiz
    services.close_if_expired(attempt)
    if _withdrawn(visit):
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
        # The id from the address: the commit expired the attempt, and reading it would load it again.
        return redirect(url_for("quizzes.review", attempt_id=attempt_id))
    if attempt.status != "in_progress":
        return redirect(url_for("quizzes.review", attempt_id=attempt.id))
    answers = queries.saved_answers(attempt)
    unanswered = [i + 1 for i, item in enumerate(attempt.draw)
                  if answers.get(item["slug"]) is None or answers[item["slug"]].response in (None, [], "")]
    return render_template("quizzes/confirm.html", attempt=attempt, quiz=quiz, quiz_title=_quiz_title(quiz, attempt),
                           unanswered=unanswered,
                           course=catalog_queries.course_by_id(quiz.course_id))


@bp.route("/attempts/<int:attempt_id>/review")
@login_required
def review(attempt_id: int):
    """The result, and as the quiz allows, each question's result, the right answer and the explanation."""
    visit = _load(attempt_id)
    attempt, quiz = visit.attempt, visit.quiz
    services.close_if_expired(attempt)
    if attempt.status == "in_progress":
        return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))
    attempts = queries.attempts_at(attempt.enrolment_id, quiz.id)
    show = queries.answers_visible(quiz, attempt, attempts)
    answers = queries.saved_answers(attempt)
    course = catalog_queries.course_by_id(quiz.course_id)
    enrolment = learning_queries.enrolment_of(current_user.id, course.id)
    remaining = (quiz.attempts_allowed - len(attempts)) if quiz.attempts_allowed else None
    return render_template("quizzes/review.html", attempt=attempt, quiz=quiz, quiz_title=_quiz_title(quiz, attempt),
                           show=show, answers=answers, late_waiting=queries.late_waiting_for(attempt.id),
                           right_answer=grading.right_answer, number_review_note=labels.number_review_note,
                           course=course, course_title=_course_title(course, attempt), remaining=remaining,
                           enrolment=enrolment)
