"""The interface's languages (those whose catalogue is present), and how a request's language is chosen."""
from __future__ import annotations

from pathlib import Path

from functools import lru_cache

from babel import Locale, UnknownLocaleError
from flask import current_app, g, has_request_context, request, session
from flask_login import current_user

# The catalogues: one folder per language, lms/translations/<code>/LC_MESSAGES/messages.po.
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
# Languages whose own name is not written with a capital letter at its start (Georgian has no case: Python
# would turn its first letter into Mtavruli, which is not how the language writes its name).
UNCASED = {"ka"}

# Where a request keeps the language it chose (`g`), for an error page that must not ask again.
_CHOSEN = "lms_locale"
# The session's copy of the signed-in person's own choice (their profile's), read only by such a page.
PERSON_LOCALE = "person_locale"


def available_languages(default: str = "en", folder: Path = TRANSLATIONS) -> dict[str, str]:
    """{code: the language's own name} of the default language and of every catalogue present, the default
    first, then by code: "en": "English", "ka": "ქართული", "ro": "Română", "uk": "Українська"... Adding a
    language is adding its catalogue."""
    codes = sorted(p.name for p in folder.iterdir() if (p / "LC_MESSAGES" / "messages.po").is_file()) \
        if folder.is_dir() else []
    return {code: own_name(code) for code in [default, *[c for c in codes if c != default]]}


@lru_cache(maxsize=256)
def own_name(code: str) -> str:
    """A language's name in that language, as a menu lists it ("Română", not "română"); the tag itself when
    Babel does not know it."""
    try:
        name = Locale.parse(code, sep="-" if "-" in code else "_").get_display_name(code) or code
    except (ValueError, UnknownLocaleError):
        return code
    return name if code.split("-")[0] in UNCASED else name[:1].upper() + name[1:]


def select_locale() -> str:
    """The signed-in user's choice, else the choice made with the switcher, else the browser's, else English.

    Outside a request (the command line, a job) there is no one to ask: the default language. A signed-in
    person's choice is kept in their session too, so that the error page of a database outage, which may
    not read their account, still speaks their language (`locale_without_database`).
    """
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    own = current_user.locale if current_user and current_user.is_authenticated else None
    if session.get(PERSON_LOCALE) != own:  # written only when it changed: the session cookie stays as it was
        if own:
            session[PERSON_LOCALE] = own
        else:
            session.pop(PERSON_LOCALE, None)
    chosen = own if own in languages else _session_or_browser()
    setattr(g, _CHOSEN, chosen)
    return chosen


def locale_without_database() -> str:
    """The language of a page made without the database (the error page of an outage): the one this request
    already chose, else the signed-in person's as their session kept it, else the switcher's, else the
    browser's (Accept-Language), else the default."""
    own = session.get(PERSON_LOCALE)
    return g.get(_CHOSEN) or (own if own in current_app.config["LANGUAGES"] else _session_or_browser())


def _session_or_browser() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(list(languages)) or current_app.config["BABEL_DEFAULT_LOCALE"]


def template_translators(translations) -> dict:
    """`gettext`, `ngettext`, `pgettext` and `npgettext` bound to the request's catalogue, for one template render.

    Flask-Babel's template functions look the catalogue up again on every call (through the
    request context and the locale selector); a page such as the catalogue translates over a
    hundred strings. Bound once per render, they behave as Jinja's own new-style gettext: the
    result is marked safe only under autoescaping and %-formatted with its keyword arguments
    (which are escaped) whenever there are any or the text holds a "%" (a plain label needs no
    formatting, and most of a page's strings are plain labels). The `p` forms take a context
    first (`pgettext("person status", "Active")`): one English word that means two things (an
    active person, an active institution) is two messages, each translated in its own gender or
    case; the plural ones fill `num` in as `ngettext` does.
    """
    from jinja2 import pass_context
    from markupsafe import Markup

    @pass_context
    def gettext(context, string, /, **variables):
        text = translations.ugettext(string)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables if variables or "%" in text else text

    @pass_context
    def ngettext(context, singular, plural, num, /, **variables):
        variables.setdefault("num", num)
        text = translations.ungettext(singular, plural, num)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    @pass_context
    def pgettext(context, msgctxt, string, /, **variables):
        text = translations.upgettext(msgctxt, string)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables if variables or "%" in text else text

    @pass_context
    def npgettext(context, msgctxt, singular, plural, num, /, **variables):
        variables.setdefault("num", num)
        text = translations.unpgettext(msgctxt, singular, plural, num)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    return {"gettext": gettext, "ngettext": ngettext, "pgettext": pgettext, "npgettext": npgettext}
