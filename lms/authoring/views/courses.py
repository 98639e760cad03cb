"""Authoring pages of a course as a whole: the list, new course, settings, publishing and status,
modules, moving and deleting items, staff, package download and upload, the dashboard."""
from __future__ import annotations

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from lms.access import (
    can_create_course,
    can_edit_course,
    can_manage_staff,
    editable_course_or_404,
    editable_courses,
    require,
    requires,
)
from lms.auth.queries import user_by_id
from lms.authoring import queries, services
from lms.authoring.forms import (
    CourseForm,
    NewCourseForm,
    StaffForm,
    TitleForm,
    UploadForm,
)
from lms.authoring.problems import for_author
from lms.authoring.views.base import bp, item_or_404, same_site
from lms.catalog.outline import course_outline
from lms.catalog.queries import course_by_slug
from lms.core.downloads import resumable
from lms.core.forms import options
from lms.packages.archive import package_zip, read_zip


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
        "completion_lessons": course.completion_lessons, "completion_quizzes": course.completion_quizzes,
        "completion_attendance": course.completion_attendance,
        "completion_attendance_min": course.completion_attendance_min,
        "completion_assignments": course.completion_assignments, "completion_practicals": course.completion_practicals,
        "grading_rule": course.grading_rule,
        "certificate_states_hours": course.certificate_states_hours, "sign_up_cutoff_hours": course.sign_up_cutoff_hours})
    if form.validate_on_submit():
        services.update_course(
            course, current_user, title=form.title.data.strip(), summary=form.summary.data.strip(),
            language=form.language.data, topics=(form.topics.data or "").split(","), outcomes=form.outcome_lines(),
            estimated_hours=form.estimated_hours.data, version=form.version.data,
            self_enrolment=form.self_enrolment.data, certificate_validity_months=form.certificate_validity_months.data,
            completion_lessons=form.completion_lessons.data, completion_quizzes=form.completion_quizzes.data,
            completion_attendance=form.completion_attendance.data,
            completion_attendance_min=(form.completion_attendance_min.data
                                       if form.completion_attendance.data == "at_least" else None),
            completion_assignments=form.completion_assignments.data,
            completion_practicals=form.completion_practicals.data, grading_rule=form.grading_rule.data,
            certificate_states_hours=form.certificate_states_hours.data,
            sign_up_cutoff_hours=(form.sign_up_cutoff_hours.data if form.sign_up_cutoff_hours.data is not None
                                  else course.sign_up_cutoff_hours))
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
    return redirect(request.form.get("back") if same_site(request.form.get("back")) else
                    url_for("authoring.course", slug=slug))


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
    # The zip's dates are fixed: the same course is the same zip, and a cut download resumes.
    return resumable(package_zip(course), f"{course.slug}.zip", "application/zip")


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

