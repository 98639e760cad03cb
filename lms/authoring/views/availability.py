"""The availability editor of a lesson or a quiz: the items, courses and date it waits for."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.access import editable_course_or_404
from lms.authoring.forms import AvailabilityForm
from lms.authoring.views.base import bp, item_or_404
from lms.availability import labels, queries
from lms.availability import services as availability
from lms.availability.rules import MAX_CONDITIONS, Needs, Rules, RulesError
from lms.catalog.outline import course_outline



def rules_from_form(form: AvailabilityForm, values) -> Rules:
    """The rules the page sent: the checked items ("lesson-ID" / "quiz-ID" under `after`, a quiz's minimum
    score under `score-ID`), the course slugs, one date. Bounded: past MAX_CONDITIONS items or courses the
    rest is not read (the services refuse too many). RulesError("bad_percent") for a score that is no number."""
    items = []
    for value in values.getlist("after")[:MAX_CONDITIONS + 1]:
        kind, _sep, number = value.partition("-")
        if kind not in ("lesson", "quiz") or not number.isdigit() or len(number) > 10:
            raise RulesError("other_course", ref=value[:40])
        score = (values.get(f"score-{number}", "") or "").strip()[:8] if kind == "quiz" else ""
        if score and not score.isdigit():
            raise RulesError("bad_percent", percent=score)
        items.append(Needs(kind, int(number), int(score) if score else None))
    courses = [c.strip() for c in (form.courses.data or "").split(",")[:MAX_CONDITIONS + 1] if c.strip()]
    return Rules(items=tuple(items), courses=tuple(courses),
                 opens_on=form.opens_on.data if form.when.data == "date" else None,
                 days_after_start=form.days_after_start.data if form.when.data == "days" else None)


@bp.route("/<slug>/lessons/<lesson>/availability", methods=["GET", "POST"])
@bp.route("/<slug>/quizzes/<quiz>/availability", methods=["GET", "POST"])
def availability_rules(slug: str, lesson: str | None = None, quiz: str | None = None):
    """Set when a lesson or quiz opens to trainees. Saving refuses a cycle, an item of another course and an
    unknown course, saying which; what was chosen stays on the page."""
    course = editable_course_or_404(slug)
    target = item_or_404(course, "lessons", lesson) if lesson else item_or_404(course, "quizzes", quiz)
    kind = "lesson" if lesson else "quiz"
    current = queries.rules_from(queries.conditions_of_item(kind, target.id))
    form = AvailabilityForm()
    if request.method == "GET":
        form.courses.data = ", ".join(current.courses)
        form.opens_on.data, form.days_after_start.data = current.opens_on, current.days_after_start
        form.when.data = "date" if current.opens_on else "days" if current.days_after_start is not None else "none"
    outline = course_outline(course)
    names = {(i.kind, i.id): i.title for i in outline.sequence}
    error, shown = None, current
    if form.validate_on_submit():
        try:
            shown = rules_from_form(form, request.form)
            availability.set_rules(course, kind, target, shown, current_user)
        except RulesError as exc:
            error = labels.refusal_text(exc, names)
        else:
            flash(_("Availability saved."), "success")
            return redirect(url_for("authoring.availability_rules", slug=slug, **{kind: target.slug}))
    elif request.method == "POST":
        error = _("Please correct the marked fields.")
    chosen = {(n.kind, n.ref): n for n in shown.items}
    return render_template("authoring/availability.html", course=course, item=target, kind=kind, form=form,
                           outline=outline, chosen=chosen, error=error), 400 if error else 200
