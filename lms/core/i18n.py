"""How the interface language is chosen."""
from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_login import current_user


def select_locale() -> str:
    """The signed-in user's choice, else the choice made with the switcher, else the browser's, else English.

    Outside a request (the command line, a job) there is no one to ask: the default language.
    """
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
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
