"""How the interface language is chosen."""
from __future__ import annotations

from flask import current_app, g, has_request_context, request, session
from flask_login import current_user

# Where a request keeps the language it chose (`g`), for an error page that must not ask again.
_CHOSEN = "lms_locale"
# The session's copy of the signed-in person's own choice (their profile's), read only by such a page.
PERSON_LOCALE = "person_locale"


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
    """`gettext` and `ngettext` bound to the request's catalogue, for one template render.

    Flask-Babel's template functions look the catalogue up again on every call (through the
    request context and the locale selector); a page such as the catalogue translates over a
    hundred strings. Bound once per render, they behave as Jinja's own new-style gettext: the
    result is marked safe only under autoescaping and %-formatted with its keyword arguments
    (which are escaped) whenever there are any or the text holds a "%" (a plain label needs no
    formatting, and most of a page's strings are plain labels).
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

    return {"gettext": gettext, "ngettext": ngettext}
