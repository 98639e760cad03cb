"""The quiz and question editors, GIFT import, regrading and item analysis."""
from __future__ import annotations

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import ngettext
from flask_babel import gettext as _
from flask_login import current_user

from lms.access import (
    editable_course_or_404,
)
from lms.authoring import queries, services
from lms.authoring.forms import (
    MAX_CHOICES,
    GiftForm,
    QuestionForm,
    QuizForm,
    choice_fields,
)
from lms.authoring.gift import MAX_BYTES as GIFT_MAX_BYTES
from lms.authoring.gift import MAX_CHARS as GIFT_MAX_CHARS
from lms.authoring.gift import parse_gift, review
from lms.authoring.problems import describe, for_question
from lms.authoring.regrade import attempts_using, regrade_question
from lms.authoring.views.base import QUESTION_KINDS, bp, item_or_404
from lms.catalog.labels import language_name
from lms.core.markdown.limits import problem as bound_problem
from lms.core.markdown.limits import excess
from lms.core.numbers import number
from lms.quizzes import queries as quiz_queries
from lms.quizzes.models import MAX_CHOICE_TEXT


@bp.route("/<slug>/modules/<module>/quizzes/new", methods=["GET", "POST"])
@bp.route("/<slug>/quizzes/<quiz>", methods=["GET", "POST"])
def quiz(slug: str, module: str | None = None, quiz: str | None = None):
    """Quiz settings and its question bank."""
    course = editable_course_or_404(slug)
    existing = item_or_404(course, "quizzes", quiz) if quiz else None
    parent = existing.module if existing else item_or_404(course, "modules", module)
    form = QuizForm(obj=existing)
    if form.validate_on_submit():
        if existing:
            services.update_quiz(existing, course, form.settings())
            flash(_("Quiz settings saved."), "success")
            return redirect(url_for("authoring.quiz", slug=slug, quiz=existing.slug))
        created = services.add_quiz(parent, course, form.settings())
        flash(_("Quiz added. Now add its questions."), "success")
        return redirect(url_for("authoring.quiz", slug=slug, quiz=created.slug))
    bank = queries.live_questions(existing) if existing else []
    # What each draft lacks, as publishing would say it: the bank lists them as needing it.
    needs = {q.id: for_question(course, q, services.question_problems(q)) for q in bank if q.draft}
    return render_template("authoring/quiz.html", course=course, module=parent, quiz=existing, form=form, bank=bank,
                           kinds=QUESTION_KINDS, needs=needs,
                           late_waiting=quiz_queries.late_waiting(existing.id) if existing else 0)


@bp.route("/<slug>/quizzes/<quiz>/questions/new", methods=["GET", "POST"])
@bp.route("/<slug>/questions/<question>", methods=["GET", "POST"])
def question(slug: str, quiz: str | None = None, question: str | None = None):
    """Write or edit a question of any kind."""
    course = editable_course_or_404(slug)
    existing = item_or_404(course, "questions", question) if question else None
    parent = existing.quiz if existing else item_or_404(course, "quizzes", quiz)
    kind = existing.kind if existing else request.values.get("kind", "single_choice")
    if kind not in QUESTION_KINDS:
        abort(400)
    form = QuestionForm(obj=existing)
    if request.method == "GET" and existing:
        form.accepted.data = "\n".join(existing.accepted_answers or [])
        form.true_false_answer.data = "true" if existing.true_false_answer else "false"
        form.numeric_answer.data = existing.numeric_answer
        form.tolerance.data = existing.numeric_tolerance
    choices = choice_fields(request.form) if request.method == "POST" else \
        [(c.text, c.correct) for c in (existing.choices if existing else [])]
    errors = []
    if form.validate_on_submit():
        errors = _question_errors(kind, form, choices)
        if not errors:
            saved = services.save_question(parent, course, {
                "kind": kind, "text": form.text.data, "explanation": form.explanation.data, "points": form.points.data,
                "true_false_answer": form.true_false_answer.data == "true",
                "accepted": [a.strip() for a in (form.accepted.data or "").splitlines() if a.strip()],
                "numeric_answer": form.numeric_answer.data, "tolerance": form.tolerance.data or 0.0,
                "choices": choices}, existing)
            flash(_("Question saved."), "success")
            if existing and queries_attempted(saved):
                flash(_("Trainees have already answered this question. Their graded attempts keep the version they saw; use Regrade if the answer key was wrong."), "info")
            return redirect(url_for("authoring.quiz", slug=slug, quiz=parent.slug))
    rows = choices + [("", False)] * (MAX_CHOICES - len(choices))
    return render_template("authoring/question.html", course=course, quiz=parent, question=existing, form=form,
                           kind=kind, rows=rows, errors=errors)


def queries_attempted(question) -> bool:
    return bool(attempts_using(question))


def _question_errors(kind: str, form: QuestionForm, choices: list) -> list[str]:
    errors = []
    if kind in ("single_choice", "multiple_choice"):
        right = sum(1 for _text, correct in choices if correct)
        if len(choices) < 2:
            errors.append(_("Give at least two choices."))
        if kind == "single_choice" and right != 1:
            errors.append(_("Mark exactly one choice as right."))
        if kind == "multiple_choice" and right < 1:
            errors.append(_("Mark at least one choice as right."))
    elif kind == "short_text" and not (form.accepted.data or "").strip():
        errors.append(_("Give at least one accepted answer."))
    elif kind == "numeric" and form.numeric_answer.data is None:
        errors.append(_("Give the right value."))
    if kind in ("single_choice", "multiple_choice"):
        for number, (text, _correct) in enumerate(choices, start=1):
            found = excess(text, MAX_CHOICE_TEXT)
            if found:
                errors.append(_("Choice %(number)d, line %(line)d: %(problem)s", number=number, line=found.line,
                                problem=bound_problem(found)))
    return errors


@bp.route("/<slug>/quizzes/<quiz>/gift", methods=["GET", "POST"])
def gift(slug: str, quiz: str):
    """Import questions in GIFT format: preview first, save only when confirmed. The preview marks each
    question publishing would refuse (no explanation, say) and asks for its explanation there; the
    import takes them complete, or, when the instructor chooses, as drafts to complete later."""
    course = editable_course_or_404(slug)
    target = item_or_404(course, "quizzes", quiz)
    form = GiftForm()
    result = candidates = None
    if form.validate_on_submit():
        text = form.text.data or ""
        if form.file.data:
            raw = form.file.data.read(GIFT_MAX_BYTES + 1)
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = None
            if len(raw) > GIFT_MAX_BYTES or (text is not None and len(text) > GIFT_MAX_CHARS):
                flash(_("The file is larger than the import takes at once (%(n)s characters). Split it and import "
                        "the parts one after the other.", n=number(GIFT_MAX_CHARS, 0)), "error")
                return render_template("authoring/gift.html", course=course, quiz=target, form=form, result=None)
            if text is None:
                flash(_("The file is not UTF-8 text."), "error")
                return render_template("authoring/gift.html", course=course, quiz=target, form=form, result=None)
            form.text.data = text
        result = parse_gift(text)
        candidates = review(result.questions, {n: request.form.get(f"explanation-{n}", "")
                                               for n in range(1, len(result.questions) + 1)})
        action = request.form.get("action")
        if action in ("import", "drafts") and result.questions and not request.files.get("file"):
            try:
                count, drafts = services.import_questions(target, course, result.questions, current_user,
                                                          drafts=action == "drafts")
            except services.AuthoringError:
                flash(_("Nothing was imported: give an explanation for each marked question, or import them as "
                        "drafts."), "error")
            else:
                flash(ngettext("%(num)d question imported.", "%(num)d questions imported.", count), "success")
                if drafts:
                    flash(ngettext("%(num)d of them is a draft: it is not drawn into attempts, and the course cannot "
                                   "be published, until it is complete.",
                                   "%(num)d of them are drafts: they are not drawn into attempts, and the course cannot "
                                   "be published, until they are complete.", drafts), "info")
                return redirect(url_for("authoring.quiz", slug=slug, quiz=quiz))
    return render_template("authoring/gift.html", course=course, quiz=target, form=form, result=result,
                           candidates=candidates, describe=describe)


@bp.route("/<slug>/questions/<question>/regrade", methods=["GET", "POST"])
def regrade(slug: str, question: str):
    """Regrade the graded attempts that used a question, after it was fixed (confirmed first)."""
    course = editable_course_or_404(slug)
    target = item_or_404(course, "questions", question)
    if request.method == "POST":
        changed = regrade_question(target, current_user)
        flash(ngettext("Regraded: %(num)d result changed.", "Regraded: %(num)d results changed.", changed), "success")
        return redirect(url_for("authoring.quiz", slug=slug, quiz=target.quiz.slug))
    return render_template("authoring/regrade.html", course=course, question=target, count=len(attempts_using(target)))


@bp.route("/<slug>/quizzes/<quiz>/analysis")
def analysis(slug: str, quiz: str):
    """Item analysis: answered, percent correct, discrimination, choice frequencies; of every attempt, or of
    those taken in the course's own language or in one language version (`?language=`)."""
    course = editable_course_or_404(slug)
    target = item_or_404(course, "quizzes", quiz)
    languages = queries.attempt_languages(target)
    language = request.args.get("language") or queries.ALL_LANGUAGES
    if language not in (queries.ALL_LANGUAGES, queries.ORIGINAL, *languages):
        language = queries.ALL_LANGUAGES
    attempts, items = queries.item_analysis(target, language)
    return render_template("authoring/analysis.html", course=course, quiz=target, attempts=attempts, items=items,
                           languages=languages, language=language, language_name=language_name)

