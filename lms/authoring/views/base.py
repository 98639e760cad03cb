"""The authoring blueprint (/author) and what its pages share: finding an item of a course by kind."""
from __future__ import annotations

from flask import Blueprint, abort

from lms.authoring import queries
from lms.core.urls import safe_next

# The templates are the feature's own (lms/authoring/templates), one floor up from this package.
bp = Blueprint("authoring", __name__, template_folder="../templates", url_prefix="/author")
KINDS = ("modules", "lessons", "quizzes", "questions", "assignments", "practicals")
QUESTION_KINDS = ("single_choice", "multiple_choice", "true_false", "short_text", "numeric")


def item_or_404(course, kind: str, slug: str):
    """A module, lesson, quiz or question of `course` by its slug, or 404."""
    if kind not in KINDS:
        abort(404)
    return queries.item_by_slug(course, kind, slug) or abort(404)


def same_site(target: str | None) -> bool:
    """Whether `target` is a page of this site (a safe place to return to)."""
    return safe_next(target) is not None
