"""The catalogue's course cards, rendered once per set of courses and language.

The cards are the bulk of the catalogue page (a few hundred courses, each with a link and
translated labels). They depend only on the courses' rows, just read from the database, and on
the interface language, so the rendered HTML is kept in a small per-process cache keyed by
exactly those: a changed course gives a different key, and nothing can go stale.
"""
from __future__ import annotations

from functools import lru_cache

from flask import render_template, request
from flask_babel import get_locale
from markupsafe import Markup

from lms.catalog.queries import CatalogueEntry


def course_cards(courses: list[CatalogueEntry]) -> Markup:
    """The `<ul class="cards">` of these courses, with their count, in the current language."""
    return _cards(tuple(courses), str(get_locale()), request.script_root)


@lru_cache(maxsize=64)
def _cards(courses: tuple[CatalogueEntry, ...], locale: str, script_root: str) -> Markup:
    return Markup(render_template("catalog/_cards.html", courses=courses))
