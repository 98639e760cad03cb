"""The language versions of a course (/author/<slug>/versions): the list with how far each is, adding one,
who translated it and how, publishing (only when complete), back to draft, deleting; and the side-by-side
editor of a version's texts, one course, module or item at a time, in the course's order.

Whoever may edit the course may do all of it (`editable_course_or_404`). Every write goes through
`lms.languages.services`; what was typed comes back with a message when something is refused.
"""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.access import editable_course_or_404
from lms.authoring.forms import NewVersionForm, VersionCreditForm
from lms.authoring.versions import KINDS, Entry, course_texts, in_order, progress, version_texts
from lms.authoring.views.base import bp, same_site
from lms.authoring.views.version_fields import check, read, sheet, text_of
from lms.catalog.assets import lesson_html
from lms.catalog.labels import language_name
from lms.languages import queries as language_queries
from lms.languages import services as language_services
from lms.languages.completeness import lacks
from lms.languages.models import MAX_CREDIT, MAX_VERSIONS
from lms.languages.services import VersionError

# The kinds of the editor's addresses (/versions/<language>/<kind>/<slug>), as the other authoring pages name them.
SINGULAR = {plural: kind for kind, plural in KINDS.items()}


def _version_or_404(slug: str, language: str):
    """The course (which the user may edit) and its version in `language`, or 404."""
    course = editable_course_or_404(slug)
    return course, language_queries.version(course.id, language) or abort(404)


def language_label(code: str) -> str:
    """A language as the pages name it: its name in the interface language and its tag, "Ukrainian (uk)"."""
    name = language_name(code)
    return name if name == code else f"{name} ({code})"


def _credit_choices(form: VersionCreditForm, course, versions, own: str | None = None) -> None:
    """The languages a version may be translated from: the course's, or another of its versions."""
    form.translated_from.choices = [(course.language, language_label(course.language))] + [
        (v.language, language_label(v.language)) for v in versions if v.language != own]


def _refused(form, exc: VersionError) -> None:
    """A service's refusal, said at the field it is about."""
    messages = {
        "not_language": ("other", _("Use a language tag such as de, fr or pt-BR.")),
        "own_language": ("language", _("This is the course's own language: a version is in another one.")),
        "exists": ("language", _("The course already has a version in this language.")),
        "too_many": ("language", _("A course has at most %(n)d language versions.", n=MAX_VERSIONS)),
        "unknown_source": ("translated_from", _("Choose the course's language or one of its other versions.")),
        "too_long": ("note", _("Longer than %(max)d characters.", max=MAX_CREDIT)),
        "no_credit": ("translated_by", _("A published version says who translated it.")),
        "source_draft": ("translated_from", _("A published version is translated from the course's language or "
                                              "from a published version.")),
    }
    name, message = messages[exc.code]
    target = getattr(form, name, None) or form.translated_by
    target.errors = [*target.errors, message]


@bp.route("/<slug>/versions", methods=["GET", "POST"])
def versions(slug: str):
    """The course's language versions, how far each is, and the form that adds one."""
    course = editable_course_or_404(slug)
    existing = language_queries.versions_of(course.id)
    form = NewVersionForm()
    taken = {course.language, *(v.language for v in existing)}
    form.language.choices = [("", _("Choose a language"))] + [
        (code, language_label(code)) for code in current_app.config["LANGUAGES"] if code not in taken]
    _credit_choices(form, course, existing)
    if form.validate_on_submit():
        try:
            version = language_services.add_version(course, form.chosen(), form.translated_from.data,
                                                    form.translated_by.data, form.reviewed.data, form.note.data,
                                                    current_user)
        except VersionError as exc:
            _refused(form, exc)
        else:
            flash(_("The version in %(language)s is started as a draft: translate its texts, then publish it.",
                    language=language_label(version.language)), "success")
            return redirect(url_for("authoring.version", slug=slug, language=version.language))
    flat = in_order(course_texts(course))
    texts = version_texts(course)
    rows = [(v, progress(flat, texts.get(v.language, {}))) for v in existing]
    return render_template("authoring/versions.html", course=course, versions=rows, form=form, **_helpers())


@bp.route("/<slug>/versions/<language>/", methods=["GET", "POST"])
def version(slug: str, language: str):
    """One version: who translated it and how (a form), its status, and every text of the course with
    whether the version gives it, each linking to the editor."""
    course, found = _version_or_404(slug, language)
    form = VersionCreditForm(obj=found)
    _credit_choices(form, course, language_queries.versions_of(course.id), own=found.language)
    if form.validate_on_submit():
        try:
            language_services.change_credit(course, found, form.translated_from.data, form.translated_by.data,
                                            form.reviewed.data, form.note.data, current_user)
        except VersionError as exc:
            _refused(form, exc)
        else:
            flash(_("Saved: who translated the version and how."), "success")
            return redirect(url_for("authoring.version", slug=slug, language=found.language))
    entries = course_texts(course)
    texts = language_queries.texts(course.id, found.language)
    missing = {e.key: lacks(e.original, texts.get(e.key)) for e in in_order(entries)}
    return render_template("authoring/version.html", course=course, version=found, form=form, entries=entries,
                           texts=texts, missing=missing, done=sum(1 for m in missing.values() if not m),
                           **_helpers())


@bp.route("/<slug>/versions/<language>/status", methods=["POST"])
def version_status(slug: str, language: str):
    """Publish the version (refused, with what is missing, while a text is missing), or take it back to draft."""
    course, found = _version_or_404(slug, language)
    target = request.form.get("status")
    if target not in ("published", "draft"):
        abort(400)
    if target == "draft":
        try:
            language_services.return_to_draft(course, found, current_user)
        except VersionError as exc:
            flash(_source_of(exc.languages), "error")
        else:
            flash(_("The version is a draft again: trainees can no longer choose it."), "success")
    else:
        flat = in_order(course_texts(course))
        try:
            language_services.publish(course, found, [e.original for e in flat], current_user)
        except VersionError as exc:
            entries = {e.key: e for e in flat}
            lacking = [(entries[(o.kind, o.item_id)], parts) for o, parts in exc.lacking]
            return render_template("authoring/version_refused.html", course=course, version=found, lacking=lacking,
                                   no_credit=exc.code == "no_credit", source_draft=exc.code == "source_draft",
                                   **_helpers()), 400
        flash(_("The version is published: trainees may choose it."), "success")
    back = request.form.get("back")
    return redirect(back if same_site(back) else url_for("authoring.version", slug=slug, language=found.language))


@bp.route("/<slug>/versions/<language>/delete", methods=["GET", "POST"])
def delete_version(slug: str, language: str):
    """Delete the version with its texts, once confirmed."""
    course, found = _version_or_404(slug, language)
    if request.method == "POST":
        label = language_label(found.language)
        try:
            language_services.delete_version(course, found, current_user)
        except VersionError as exc:
            flash(_source_of(exc.languages), "error")
            return redirect(url_for("authoring.delete_version", slug=slug, language=found.language))
        flash(_("The version in %(language)s is deleted.", language=label), "success")
        return redirect(url_for("authoring.versions", slug=slug))
    count = len(language_queries.texts(course.id, found.language))
    sources = language_queries.translated_from(course.id, found.language)
    return render_template("authoring/version_delete.html", course=course, version=found, count=count,
                           blocked=_source_of(sources) if sources else None, **_helpers())


def _source_of(languages: list[str]) -> str:
    """Why a version that others were translated from stays: which they are, and what to do first."""
    return _("The versions in %(languages)s say they were translated from this one: say they were translated "
             "from another language first.", languages=", ".join(language_label(code) for code in languages))


@bp.route("/<slug>/versions/<language>/course", methods=["GET", "POST"])
def version_course(slug: str, language: str):
    """The side-by-side editor of the course's own texts (title, summary, outcomes, topics)."""
    course, found = _version_or_404(slug, language)
    return _editor(course, found, "course", None)


@bp.route("/<slug>/versions/<language>/<kind>/<item>", methods=["GET", "POST"])
def version_item(slug: str, language: str, kind: str, item: str):
    """The side-by-side editor of one module's or item's texts."""
    course, found = _version_or_404(slug, language)
    if kind not in SINGULAR:
        abort(404)
    return _editor(course, found, SINGULAR[kind], item)


def _editor(course, version, kind: str, slug: str | None):
    """The original's texts of one thing beside the version's fields; a save writes them and goes on to the
    same page, or to the next thing when asked; a refusal shows the page again with what was typed."""
    flat = in_order(course_texts(course))
    position = next((i for i, e in enumerate(flat) if e.kind == kind and e.slug == slug), None)
    if position is None:
        abort(404)
    entry = flat[position]
    current = language_queries.text_of(entry.kind, entry.original.item_id, version.language)
    form_sheet = sheet(entry, current)
    if request.method == "POST":
        read(form_sheet, request.form)
        if check(course, entry, form_sheet, version.status == "published"):
            try:
                language_services.save_text(course, version, text_of(entry, form_sheet), entry.original,
                                            current_user)
            except VersionError:  # the rows' check says it first; the writer keeps the rule all the same
                flash(_("The version is published, so this text is needed: the original has it."), "error")
            else:
                flash(_("Saved."), "success")
                following = flat[position + 1] if request.form.get("then") == "next" and position + 1 < len(flat) \
                    else entry
                return redirect(editor_url(course, version, following))
    missing = lacks(entry.original, current)
    original_html = lesson_html(course.slug, course.id, entry.module.slug, entry.original.body) \
        if entry.kind == "lesson" else None
    return render_template(
        "authoring/version_text.html", course=course, version=version, entry=entry, sheet=form_sheet,
        missing=missing, saved=current is not None, position=position, total=len(flat),
        previous=flat[position - 1] if position else None,
        following=flat[position + 1] if position + 1 < len(flat) else None, original_html=original_html,
        **_helpers())


def editor_url(course, version, entry: Entry) -> str:
    """The editor of `entry`'s texts in the version."""
    if entry.kind == "course":
        return url_for("authoring.version_course", slug=course.slug, language=version.language)
    return url_for("authoring.version_item", slug=course.slug, language=version.language, kind=KINDS[entry.kind],
                   item=entry.slug)


def entry_label(entry: Entry) -> str:
    """How an author knows a thing of the course: "Lesson “Introduction”", "Question “Which one?”"."""
    if entry.kind == "course":
        return _("The course: “%(title)s”", title=entry.item.title)
    if entry.kind == "question":
        text = " ".join((entry.item.text or "").split())
        return _("Question “%(text)s”", text=text if len(text) <= 60 else text[:59] + "…")
    title = entry.item.title
    return {"module": _("Module “%(title)s”", title=title), "lesson": _("Lesson “%(title)s”", title=title),
            "quiz": _("Quiz “%(title)s”", title=title), "assignment": _("Assignment “%(title)s”", title=title),
            "practical": _("Practical assessment “%(title)s”", title=title)}[entry.kind]


def part_label(kind: str, part: str) -> str:
    """The name of a part of a thing's texts (`lms.languages.completeness.PARTS`) as its editor labels it."""
    if part == "body":
        return {"course": _("Summary"), "lesson": _("Text"), "question": _("Question"),
                "assignment": _("Instructions"), "practical": _("Instructions")}.get(kind, _("Text"))
    return {"title": _("Title"), "outcomes": _("Learning outcomes"), "choices": _("Choices"),
            "explanation": _("Explanation shown in review"), "accepted": _("Accepted answers"),
            "rubric": _("Rubric"), "criteria": _("Criteria of the checklist")}[part]


def missing_text(kind: str, parts) -> str:
    """What a thing's texts lack, as a sentence: "Missing: Title, Choices"."""
    return _("Missing: %(parts)s", parts=", ".join(part_label(kind, part) for part in parts))


def _helpers() -> dict:
    """The functions the versions' templates name things with."""
    return {"language_label": language_label, "entry_label": entry_label, "part_label": part_label,
            "missing_text": missing_text, "editor_url": editor_url}
