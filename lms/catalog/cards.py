"""The catalogue page's heavy parts, rendered once per input and language.

The course cards (a few hundred courses, each with a link and translated labels) and the search
form (a select of every language and topic) depend only on the course rows just read from the
database, the search the visitor typed and the interface language. Their rendered HTML is kept in
small per-process caches keyed by exactly those values: a changed course gives a different key,
so nothing can go stale. (The cards' key is the entries themselves, which are built once per state
of the catalogue's rows and compared by identity: see `CatalogueEntry`.)
"""
from __future__ import annotations

from functools import lru_cache

from flask import render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from lms.catalog.forms import CatalogueForm
from lms.catalog.labels import language_name
from lms.catalog.queries import Catalogue, CatalogueEntry
from lms.core.forms import options


def course_cards(courses: tuple[CatalogueEntry, ...]) -> Markup:
    """The `<ul class="cards">` of these courses, with their count, in the current language."""
    return _cards(tuple(courses), str(get_locale()), request.script_root)


def search_form(catalogue: Catalogue, q: str, language: str, topic: str) -> Markup:
    """The search and filter form, filled in with the visitor's search."""
    return _search_form(catalogue.languages, catalogue.topics, q, language, topic, str(get_locale()),
                        request.script_root)


@lru_cache(maxsize=64)
def _cards(courses: tuple[CatalogueEntry, ...], locale: str, script_root: str) -> Markup:
    return Markup(render_template("catalog/_cards.html", courses=courses, locale=locale))


@lru_cache(maxsize=256)
def _search_form(languages: tuple[str, ...], topics: tuple[str, ...], q: str, language: str, topic: str,
                 locale: str, script_root: str) -> Markup:
    form = CatalogueForm(MultiDict({"q": q, "language": language, "topic": topic}))
    # Each language by its name in the interface language (the tag stays the value sent), sorted by that name.
    named = sorted(((code, language_name(code)) for code in languages), key=lambda choice: choice[1].casefold())
    form.language.choices = options([("", _("Any language"))] + named)
    form.topic.choices = options([("", _("Any topic"))] + [(t, t) for t in topics])
    return Markup(render_template("catalog/_search.html", form=form))
