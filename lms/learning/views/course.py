"""The trainee's side of a course: the course page, choosing the language version, enrolling (and the
enrolment key an admin sets), resuming, lessons and feedback."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.access import (
    can_edit_course, can_set_enrolment_key, can_view_course, can_view_feedback, course_or_404, feedback_scope,
    is_admin, require,
)
from lms.announcements import queries as announcement_queries
from lms.availability import queries as availability
from lms.availability import services as availability_services
from lms.catalog.assets import lesson_html
from lms.catalog.items import item_url
from lms.catalog.outline import course_outline, course_topics, offered_languages, page_reading
from lms.core import clock, when
from lms.core.i18n import own_name
from lms.languages import queries as language_queries
from lms.learning import queries, reading, services
from lms.learning.forms import EnrolForm, EnrolmentKeyForm, FeedbackForm, VersionForm
from lms.learning.views.base import ENROL_ERRORS, RUN_ENROL_ERRORS, bp
from lms.runs import queries as run_queries
from lms.runs import services as run_services
from lms.sessions import queries as session_queries


# How many announcements the course page shows (newest first); the rest are on the course's announcements page.
LATEST = 3
# Sent by the page's script when it fetches a lesson to keep on the device (lms/static/js/offline.js).
KEEPING_HEADER = "X-LMS-Keep"


def _course_questions() -> tuple:
    # What the course page asks in the course's own statement, in the order it unpacks the answers: a course
    # without runs, sessions, announcements or conditions (a self-paced course) costs no statement for each.
    return (run_queries.course_has_runs_column(), session_queries.course_has_sessions_column(),
            announcement_queries.course_has_announcements_column(), availability.course_has_conditions_column())


@bp.route("/courses/<slug>")
def course(slug: str):
    """Outline, outcomes, time; the trainee's progress per module when enrolled; the enrol form when not
    enrolled, or when the certificate of the completed enrolment has expired (a new cycle)."""
    visit = queries.course_visit(current_user.id if current_user.is_authenticated else None, slug, _course_questions())
    if visit is None or not can_view_course(current_user, visit.course):
        abort(404)  # drafts are invisible to trainees: "not found" rather than "forbidden" (as course_or_404)
    course, enrolment = visit.course, visit.enrolment
    has_runs, has_sessions, has_announcements, has_conditions = visit.has
    shown = page_reading(course, enrolment, request.args.get("version"))
    outline = course_outline(course, shown.language)
    texts = language_queries.course_texts(course, shown.language, topics=course_topics(course))
    progress = queries.progress(enrolment)
    certificate = queries.certificate_of(enrolment) if enrolment and enrolment.status == "completed" else None
    feedback = queries.feedback_of(enrolment) if certificate else None
    module_done = {m.module.id: sum(1 for item in m.items if progress.done(item)) for m in outline.modules}
    opened = availability.course_availability(enrolment, course, progress=progress, has_conditions=has_conditions)
    open_runs = (run_queries.enrollable_runs(course.id, current_user.institution_id,
                                             when.today(when.person_zone(current_user)))
                 if has_runs and current_user.is_authenticated else [])
    in_place = enrolment is not None and enrolment.status != "withdrawn"
    sessions = (session_queries.trainee_sessions(current_user.id, course.id, enrolment.run_id)
                if in_place and has_sessions else [])
    # Attendance is said with the sessions (none: nothing was held, and the page says nothing of it).
    attendance = session_queries.attendance_of_enrolments([enrolment.id]).get(enrolment.id) if sessions else None
    announcements = (announcement_queries.enrolment_announcements(enrolment, limit=LATEST)
                     if in_place and has_announcements else [])
    recertify = certificate is not None and certificate.lapsed(clock.now())
    # The forms are built only where the page shows them: building one (its CSRF token, its translations) costs
    # as much as a query, and an enrolled trainee's page, the one read most, shows neither.
    offers_enrolment = current_user.is_authenticated and (enrolment is None or enrolment.status == "withdrawn"
                                                          or recertify)
    return render_template("learning/course.html", course=course, outline=outline, enrolment=enrolment,
                           sessions=sessions, attendance=attendance, announcements=announcements,
                           announcements_count=(announcement_queries.count_enrolment_announcements(enrolment)
                                                if len(announcements) == LATEST else len(announcements)),
                           progress=progress, module_done=module_done, certificate=certificate, feedback=feedback,
                           availability=opened, recertify=recertify,
                           enrol_form=EnrolForm() if offers_enrolment else None,
                           key_form=EnrolmentKeyForm() if is_admin(current_user) else None,
                           has_runs=has_runs, open_runs=open_runs,
                           waiting_position=run_queries.waiting_position(enrolment) if enrolment else None,
                           shown=shown, texts=texts,
                           version=language_queries.version(course.id, shown.language) if shown.language else None,
                           version_form=VersionForm() if in_place and shown.offered else None)


@bp.route("/courses/<slug>/version", methods=["POST"])
@login_required
def choose_version(slug: str):
    """The trainee keeps a language version for the course's lessons and quizzes (their enrolment remembers it)."""
    course = course_or_404(slug)
    enrolment = queries.enrolment_of(current_user.id, course.id)
    form = VersionForm()
    offered = offered_languages(course)
    if enrolment is None or enrolment.status == "withdrawn" or not form.validate_on_submit():
        abort(400)
    language = form.language.data
    if language != course.language and language not in offered:
        flash(_("This course has no version in that language."), "error")
    else:
        reading.choose_version(enrolment, language)
        flash(_("The course is shown in %(language)s.", language=own_name(language)), "success")
    return redirect(url_for("learning.course", slug=slug))


@bp.route("/courses/<slug>/enrol", methods=["POST"])
@login_required
def enrol(slug: str):
    """Enrol oneself (harmless if already enrolled)."""
    course = course_or_404(slug)
    form = EnrolForm()
    if not form.validate_on_submit():
        abort(400)
    existing = queries.enrolment_of(current_user.id, course.id)
    was_withdrawn = existing is not None and existing.status == "withdrawn"
    run = None
    if run_queries.course_has_runs(course.id):
        run = run_queries.run_by_id(form.run.data) if form.run.data else None
        if run is None or run.course_id != course.id:
            flash(_("Choose the run you want to join."), "error")
            return redirect(url_for("learning.course", slug=slug))
    try:
        if run is not None:
            enrolment, created = run_services.enrol_in_run(current_user, run, actor=current_user, source="self",
                                                           key=form.key.data)
        else:
            enrolment, created = services.enrol(current_user, course, actor=current_user, source="self",
                                                key=form.key.data)
    except services.EnrolmentError as exc:
        flash(ENROL_ERRORS[str(exc)](), "error")
        return redirect(url_for("learning.course", slug=slug))
    except run_services.RunError as exc:
        flash(RUN_ENROL_ERRORS[exc.code](), "error")
        return redirect(url_for("learning.course", slug=slug))
    if enrolment.waiting and (created or was_withdrawn):
        flash(_("%(run)s is full: you are on its waiting list, position %(position)d. You get a place as soon as "
                "one frees.", run=run.title, position=run_queries.waiting_position(enrolment)), "info")
        return redirect(url_for("learning.course", slug=slug))
    if created or was_withdrawn:  # the course named as its pages will show it: in the version read
        shown = page_reading(course, enrolment, None)
        title = language_queries.published_title(course.id, shown.language) or course.title
        flash(_("You are enrolled in %(title)s.", title=title) if created else
              _("Your enrolment in %(title)s is restored: you continue where you left off.", title=title), "success")
    return redirect(url_for("learning.resume", slug=slug))


@bp.route("/courses/<slug>/key", methods=["POST"])
@login_required
def enrolment_key(slug: str):
    """Set or clear the enrolment key (admins)."""
    course = course_or_404(slug)
    require(can_set_enrolment_key, course)
    form = EnrolmentKeyForm()
    if form.validate_on_submit():
        services.set_enrolment_key(course, form.key.data or None, current_user)
        flash(_("The enrolment key is set.") if form.key.data else _("The enrolment key is removed."), "success")
    else:
        flash(_("An enrolment key has at least 4 characters."), "error")
    return redirect(url_for("learning.course", slug=slug))


@bp.route("/courses/<slug>/resume")
@login_required
def resume(slug: str):
    """Go to the first lesson or quiz the trainee has not done yet and may open (the course page, which
    shows what is locked and why, when there is none)."""
    course = course_or_404(slug)
    enrolment = queries.enrolment_of(current_user.id, course.id)
    if enrolment is None:
        return redirect(url_for("learning.course", slug=slug))
    outline = course_outline(course)
    progress = queries.progress(enrolment)
    opened = availability.course_availability(enrolment, course, progress=progress)
    for item in outline.sequence:
        if not progress.done(item) and not opened.of(item).locked:
            return redirect(item_url(course, item))
    return redirect(url_for("learning.course", slug=slug))


@bp.route("/courses/<slug>/lessons/<lesson>")
@login_required
def lesson(slug: str, lesson: str):
    """A lesson, for enrolled trainees (counted as viewed) and course editors (preview). A lesson locked for
    the trainee (lms.availability) shows why and when it opens instead of its text, and counts as nothing."""
    visit = queries.lesson_visit(current_user.id, slug, lesson)
    if visit is None or not can_view_course(current_user, visit.course):
        abort(404)
    course, item, enrolment = visit.course, visit.lesson, visit.enrolment
    if enrolment is None and not can_edit_course(current_user, course):
        flash(_("Enrol in the course to open its lessons."), "info")
        return redirect(url_for("learning.course", slug=slug))
    state = availability.OPEN
    if enrolment is not None and request.headers.get(KEEPING_HEADER) == "1":
        # Fetched to be kept on the device (lms.offline), not read: the view counts when it is read, online or
        # offline (then sent later with the device's time).
        state = availability.item_state(enrolment, course, "lesson", item.id)
    elif enrolment is not None:  # recorded only when open, and never for a withdrawn enrolment
        state = availability_services.open_lesson(enrolment, course, item, progress=visit.progress)
    shown = page_reading(course, enrolment, request.args.get("version"))
    outline = course_outline(course, shown.language)
    previous, following = outline.neighbours("lesson", item.id)
    module = outline.module(item.module_id)
    title, text = item.title, item.body
    if shown.language is not None:  # the version's texts, where it has them (a published version has them all)
        found = language_queries.texts(course.id, shown.language, "lesson", [item.id]).get(("lesson", item.id))
        title, text = (found.title or title, found.body or text) if found is not None else (title, text)
    body = None if state.locked else lesson_html(course.slug, course.id, module.slug, text)
    return render_template("learning/lesson.html", course=course, lesson=item, module=module, body=body,
                           title=title, course_title=outline.course_title or course.title, shown=shown,
                           previous=previous, following=following, enrolment=enrolment, state=state)


@bp.route("/courses/<slug>/feedback", methods=["GET", "POST"])
@login_required
def feedback(slug: str):
    """A trainee who completed the course rates it; staff read the summary."""
    course = course_or_404(slug)
    enrolment = queries.enrolment_of(current_user.id, course.id)
    if enrolment is not None and enrolment.status == "completed":
        existing = queries.feedback_of(enrolment)
        form = FeedbackForm(obj=existing)
        if form.validate_on_submit():
            services.save_feedback(enrolment, form.rating.data, form.comment.data or "")
            flash(_("Thank you for your feedback."), "success")
            return redirect(url_for("learning.course", slug=slug))
        return render_template("learning/feedback_form.html", course=course, form=form)
    if request.method == "POST":
        abort(403)  # only a trainee who completed the course gives feedback
    require(can_view_feedback, course)
    return render_template("learning/feedback_summary.html", course=course,
                           summary=queries.feedback_summary(course, feedback_scope(current_user)))
