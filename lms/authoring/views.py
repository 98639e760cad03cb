"""Authoring pages (/author): courses, modules, lessons, quizzes, questions, staff, workflow,
GIFT import, package download and upload, dashboard, item analysis and regrading."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from lms.access import (
    can_create_course, can_edit_course, can_manage_staff, editable_course_or_404, editable_courses, require,
    requires,
)
from lms.auth.queries import user_by_id
from lms.authoring import queries, services
from lms.authoring import images as lesson_images
from lms.authoring.forms import (
    MAX_CHOICES, CourseForm, GiftForm, ImageForm, LessonForm, NewCourseForm, QuestionForm, QuizForm, StaffForm,
    TitleForm, UploadForm, choice_fields,
)
from lms.authoring.gift import parse_gift, review
from lms.authoring.problems import describe, for_author, for_question
from lms.authoring.regrade import attempts_using, regrade_question
from lms.catalog.assets import lesson_html, module_image_list
from lms.catalog.outline import course_outline
from lms.catalog.queries import course_by_slug
from lms.core.forms import options
from lms.core.images import MAX_BYTES, ImageRefused
from lms.core.urls import safe_next
from lms.packages.archive import package_zip, read_zip

bp = Blueprint("authoring", __name__, template_folder="templates", url_prefix="/author")
KINDS = ("modules", "lessons", "quizzes", "questions")
QUESTION_KINDS = ("single_choice", "multiple_choice", "true_false", "short_text", "numeric")


def item_or_404(course, kind: str, slug: str):
    if kind not in KINDS:
        abort(404)
    return queries.item_by_slug(course, kind, slug) or abort(404)


@bp.route("/")
@requires(can_create_course)
def index():
    """The courses the user may edit."""
    return render_template("authoring/index.html", courses=queries.courses_in(editable_courses(current_user)))


@bp.route("/new", methods=["GET", "POST"])
@requires(can_create_course)
def new_course():
    """Create a draft course; its creator becomes its owner."""
    form = NewCourseForm()
    if form.validate_on_submit():
        course = services.create_course(form.title.data, form.summary.data, form.language.data, current_user,
                                        outcomes=form.outcome_lines(), estimated_hours=form.estimated_hours.data)
        flash(_("Course created as a draft."), "success")
        return redirect(url_for("authoring.course", slug=course.slug))
    return render_template("authoring/new_course.html", form=form)


@bp.route("/<slug>/", methods=["GET", "POST"])
def course(slug: str):
    """Settings, outline with actions, workflow."""
    course = editable_course_or_404(slug)
    # Plain values, not the model: on a post, a missing field falls back to these, never to a list.
    form = CourseForm(data={
        "title": course.title, "summary": course.summary, "language": course.language,
        "topics": ", ".join(course.topic_names), "outcomes": "\n".join(course.outcomes or []),
        "estimated_hours": course.estimated_hours, "version": course.version, "self_enrolment": course.self_enrolment,
        "certificate_validity_months": course.certificate_validity_months,
        "completion_lessons": course.completion_lessons, "completion_quizzes": course.completion_quizzes})
    if form.validate_on_submit():
        services.update_course(
            course, current_user, title=form.title.data.strip(), summary=form.summary.data.strip(),
            language=form.language.data, topics=(form.topics.data or "").split(","), outcomes=form.outcome_lines(),
            estimated_hours=form.estimated_hours.data, version=form.version.data,
            self_enrolment=form.self_enrolment.data, certificate_validity_months=form.certificate_validity_months.data,
            completion_lessons=form.completion_lessons.data, completion_quizzes=form.completion_quizzes.data)
        flash(_("Course settings saved."), "success")
        if course.completion_quizzes == "final" and not queries.has_final_assessment(course):
            flash(_("Publishing needs the final assessment these settings ask for: mark a quiz of the course's last "
                    "module as the final assessment, or choose another rule for quizzes."), "info")
        return redirect(url_for("authoring.course", slug=slug))
    return render_template("authoring/course.html", course=course, form=form, outline=course_outline(course),
                           module_form=TitleForm(prefix="module"), upload_form=UploadForm())


@bp.route("/<slug>/publish", methods=["POST"])
def publish(slug: str):
    """Publish, if the course passes the package check."""
    course = editable_course_or_404(slug)
    try:
        services.publish(course, current_user)
    except services.AuthoringError as exc:
        problems = for_author(course, exc.problems, queries.item_names(course))
        return render_template("authoring/publish_refused.html", course=course, problems=problems), 400
    flash(_("The course is published."), "success")
    return redirect(url_for("authoring.course", slug=slug))


@bp.route("/<slug>/status", methods=["POST"])
def status(slug: str):
    """Archive a course, or return it to draft."""
    course = editable_course_or_404(slug)
    target = request.form.get("status")
    if target not in ("archived", "draft"):
        abort(400)
    services.set_status(course, target, current_user)
    flash(_("The course is archived: it left the catalogue; records and certificates stay valid.")
          if target == "archived" else _("The course is a draft again: trainees cannot see it."), "success")
    return redirect(url_for("authoring.course", slug=slug))


@bp.route("/<slug>/modules", methods=["POST"])
def add_module(slug: str):
    """Add a module at the end."""
    course = editable_course_or_404(slug)
    form = TitleForm(prefix="module")
    if form.validate_on_submit():
        services.add_module(course, form.title.data, current_user)
        flash(_("Module added."), "success")
    else:
        flash(_("Give the module a title."), "error")
    return redirect(url_for("authoring.course", slug=slug))


@bp.route("/<slug>/modules/<module>", methods=["GET", "POST"])
def module(slug: str, module: str):
    """Rename a module."""
    course = editable_course_or_404(slug)
    item = item_or_404(course, "modules", module)
    form = TitleForm(obj=item)
    if form.validate_on_submit():
        services.rename_module(item, form.title.data, course)
        flash(_("Module saved."), "success")
        return redirect(url_for("authoring.course", slug=slug))
    return render_template("authoring/module.html", course=course, module=item, form=form)


@bp.route("/<slug>/<kind>/<item>/move", methods=["POST"])
def move(slug: str, kind: str, item: str):
    """Move an item up or down (works without JavaScript)."""
    course = editable_course_or_404(slug)
    target = item_or_404(course, kind, item)
    services.move(target, -1 if request.form.get("direction") == "up" else 1, course)
    return redirect(request.form.get("back") if _same_site(request.form.get("back")) else
                    url_for("authoring.course", slug=slug))


def _same_site(target: str | None) -> bool:
    return safe_next(target) is not None


@bp.route("/<slug>/<kind>/<item>/delete", methods=["GET", "POST"])
def delete(slug: str, kind: str, item: str):
    """Delete after confirmation; trainees' records of the item are kept."""
    course = editable_course_or_404(slug)
    target = item_or_404(course, kind, item)
    if request.method == "POST":
        services.retire(target, course, current_user)
        flash(_("Deleted. What trainees already did with it is kept."), "success")
        if kind == "questions":
            return redirect(url_for("authoring.quiz", slug=slug, quiz=target.quiz.slug))
        return redirect(url_for("authoring.course", slug=slug))
    return render_template("authoring/confirm_delete.html", course=course, item=target, kind=kind)


@bp.route("/<slug>/modules/<module>/lessons/new", methods=["GET", "POST"])
@bp.route("/<slug>/lessons/<lesson>", methods=["GET", "POST"])
def lesson(slug: str, module: str | None = None, lesson: str | None = None):
    """Write or edit a lesson, with a preview rendered exactly as trainees will see it, and add images.

    One form: Preview, Save, and Upload (the image's fields). An upload keeps the image with the
    module at once and puts its Markdown into the text shown again, which the author then saves.
    """
    course = editable_course_or_404(slug)
    existing = item_or_404(course, "lessons", lesson) if lesson else None
    parent = existing.module if existing else item_or_404(course, "modules", module)
    form = LessonForm(obj=existing)
    image_form = ImageForm()
    preview = False
    if request.method == "POST" and request.form.get("action") == "upload":
        if image_form.validate_on_submit():
            upload = image_form.image.data
            try:
                added = lesson_images.add_lesson_image(course, parent, upload.stream, upload.filename, current_user)
            except ImageRefused as exc:
                image_form.image.errors.append(_image_refusal(exc))
            else:
                form.body.data = lesson_images.insert_image(form.body.data, added.markdown(image_form.alt.data),
                                                            image_form.position())
                flash(_("%(file)s was read as a %(format)s image of %(width)d × %(height)d pixels and added as "
                        "%(name)s. Its Markdown is in the text below: save the lesson to keep it.",
                        file=upload.filename or "?", format=added.source_format, width=added.source_width,
                        height=added.source_height, name=added.name), "success")
                image_form = ImageForm(formdata=None)
                preview = True
    elif form.validate_on_submit():
        if request.form.get("action") == "preview":
            preview = True
        elif existing:
            services.update_lesson(existing, course, form.title.data, form.minutes.data, form.body.data)
            flash(_("Lesson saved."), "success")
            return redirect(url_for("authoring.lesson", slug=slug, lesson=existing.slug))
        else:
            created = services.add_lesson(parent, course, form.title.data, form.minutes.data, form.body.data)
            flash(_("Lesson added."), "success")
            return redirect(url_for("authoring.lesson", slug=slug, lesson=created.slug))
    shown = lesson_html(course.slug, course.id, parent.slug, form.body.data) if preview else None
    problems = [_image_problem(p) for p in lesson_images.image_problems(course, parent.slug, form.body.data)] \
        if preview else []
    return render_template("authoring/lesson.html", course=course, module=parent, lesson=existing, form=form,
                           preview=shown, problems=problems, image_form=image_form,
                           images=module_image_list(course.id, parent.slug), image_limit=MAX_BYTES)


def _image_refusal(exc: ImageRefused) -> str:
    """The message of a refused image upload."""
    if exc.code == "too_many_bytes":
        return _("The file is larger than %(mb)d MB. Make the image smaller and upload it again.",
                 mb=exc.params["max_mb"])
    if exc.code == "too_many_pixels":
        return _("The image has too many pixels (at most %(n)d million). Make it smaller and upload it again.",
                 n=exc.params["max_megapixels"])
    if exc.code == "damaged":
        return _("The image cannot be read: the file may be damaged or incomplete.")
    return _("The file is not a PNG, JPEG or WebP image, whatever its name says.")


def _image_problem(problem: lesson_images.ImageProblem) -> str:
    """The preview's message about one image of the lesson that publishing would refuse."""
    if problem.code == "outside":
        return _("Line %(line)d: the image %(src)s is outside the course. Publishing refuses it: upload the image "
                 "below instead.", line=problem.line, src=problem.src)
    if problem.code == "no_alt":
        return _("Line %(line)d: the image %(src)s has no alternative text. Write what it shows between the "
                 "square brackets.", line=problem.line, src=problem.src)
    return _("Line %(line)d: broken image link: %(src)s is not among this module's images. Upload it below, or "
             "correct the name.", line=problem.line, src=problem.src)


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
                           kinds=QUESTION_KINDS, needs=needs)


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
            raw = form.file.data.read(2_000_001)
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
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
                flash(_("%(n)d questions imported.", n=count), "success")
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
        flash(_("Regraded: %(n)d results changed.", n=changed), "success")
        return redirect(url_for("authoring.quiz", slug=slug, quiz=target.quiz.slug))
    return render_template("authoring/regrade.html", course=course, question=target, count=len(attempts_using(target)))


@bp.route("/<slug>/staff", methods=["GET", "POST"])
def staff(slug: str):
    """The course's owners and instructors."""
    course = editable_course_or_404(slug)
    form = StaffForm()
    form.user_id.choices = options((u.id, f"{u.name} ({u.email})") for u in queries.instructors())
    manage = can_manage_staff(current_user, course)
    if request.method == "POST":
        require(can_manage_staff, course)
        try:
            if request.form.get("remove"):
                services.remove_staff(course, request.form.get("remove", type=int), current_user)
                flash(_("Removed from the staff."), "success")
            elif form.validate_on_submit():
                services.add_staff(course, user_by_id(form.user_id.data) or abort(400), form.role.data, current_user)
                flash(_("Added to the staff."), "success")
        except services.AuthoringError as exc:
            flash(_("A course keeps at least one owner.") if exc.code == "last_owner"
                  else _("Only instructors can be staff."), "error")
        return redirect(url_for("authoring.staff", slug=slug))
    return render_template("authoring/staff.html", course=course, staff=queries.staff_of(course), form=form,
                           manage=manage)


@bp.route("/<slug>/package.zip")
def download(slug: str):
    """The course as a package zip (the courses/ format)."""
    course = editable_course_or_404(slug)
    response = current_app.response_class(package_zip(course), mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{course.slug}.zip"'
    return response


@bp.route("/upload", methods=["GET", "POST"])
@requires(can_create_course)
def upload():
    """Create or update a course from a package zip; a bad package is refused whole with the report."""
    form = UploadForm()
    problems = None
    if form.validate_on_submit():
        spec, problems = read_zip(form.file.data.read())
        if spec is not None:
            existing = course_by_slug(spec.slug)
            if existing is not None and not can_edit_course(current_user, existing):
                abort(403)
            result = services.upload_package(spec, current_user)
            flash(_("Package imported: %(outcome)s.", outcome=result.outcome), "success")
            return redirect(url_for("authoring.course", slug=spec.slug))
    return render_template("authoring/upload.html", form=form, problems=problems), 400 if problems else 200


@bp.route("/<slug>/dashboard")
def dashboard(slug: str):
    """Learners of every institution by status and progress, and quiz results."""
    course = editable_course_or_404(slug)
    counts, learners, quizzes = queries.dashboard(course)
    outline = course_outline(course)
    return render_template("authoring/dashboard.html", course=course, counts=counts, learners=learners,
                           quizzes=quizzes, total_items=len(outline.sequence))


@bp.route("/<slug>/quizzes/<quiz>/analysis")
def analysis(slug: str, quiz: str):
    """Item analysis: answered, percent correct, discrimination, choice frequencies."""
    course = editable_course_or_404(slug)
    target = item_or_404(course, "quizzes", quiz)
    attempts, items = queries.item_analysis(target)
    return render_template("authoring/analysis.html", course=course, quiz=target, attempts=attempts, items=items)
