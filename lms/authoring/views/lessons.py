"""The lesson editor, with image upload and the preview."""
from __future__ import annotations

from flask import (
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from lms.access import (
    editable_course_or_404,
)
from lms.authoring import images as lesson_images
from lms.authoring import services
from lms.authoring.forms import (
    ImageForm,
    LessonForm,
)
from lms.authoring.views.base import bp, item_or_404
from lms.catalog.assets import lesson_html, module_image_list
from lms.core.images import MAX_BYTES, ImageRefused


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
    problems = [image_problem_message(p) for p in lesson_images.image_problems(course, parent.slug, form.body.data)] \
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


def image_problem_message(problem: lesson_images.ImageProblem) -> str:
    """The message about one image of a lesson that publishing would refuse (the preview's, and the language
    versions' editor's)."""
    if problem.code == "outside":
        return _("Line %(line)d: the image %(src)s is outside the course. Publishing refuses it: upload the image "
                 "below instead.", line=problem.line, src=problem.src)
    if problem.code == "no_alt":
        return _("Line %(line)d: the image %(src)s has no alternative text. Write what it shows between the "
                 "square brackets.", line=problem.line, src=problem.src)
    return _("Line %(line)d: broken image link: %(src)s is not among this module's images. Upload it below, or "
             "correct the name.", line=problem.line, src=problem.src)

