"""Every form's base class (`Form`) and small helpers shared by the forms."""
from __future__ import annotations

from functools import lru_cache

from babel import support
from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.i18n import messages_path
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from lms.core.csrf_tokens import csrf_token
from lms.core.markdown.limits import describe, excess


class SessionCSRF(FlaskForm.Meta.csrf_class):
    """Flask-WTF's CSRF field, whose token is the one the page's layout shows (`lms.core.csrf_tokens`): a form built
    in a view, before its page renders, would otherwise sign the session's token once more."""

    def generate_csrf_token(self, csrf_token_field):
        return csrf_token()  # no form of the site sets a secret or field name of its own


class Form(FlaskForm):
    """Flask-WTF's form (CSRF, file fields), with WTForms' own messages in the viewer's language from a catalogue
    read once per language and process. Flask-WTF reads that catalogue from disk again in every request that
    builds a field without a label of its own (0.4-0.8 ms: a fifth of a course page's time). Its CSRF token is the
    page's (`SessionCSRF`)."""

    class Meta(FlaskForm.Meta):
        csrf_class = SessionCSRF

        def get_translations(self, form):
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return wtforms_catalogue(str(get_locale() or "en"))


@lru_cache(maxsize=64)  # one entry per interface language: the locales a site offers are few
def wtforms_catalogue(locale: str) -> support.Translations:
    """WTForms' own messages ("This field is required.", ...) in one language, as Flask-WTF would load them."""
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


def options(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def language_choices():
    """("", "Same as my browser") and the interface languages, for a profile's language."""
    return [("", _l("Same as my browser"))] + list(current_app.config["LANGUAGES"].items())


def markdown_bounds(form, field) -> None:
    """A Markdown field's text stays within the bounds in which it renders in linear time
    (lms.core.markdown.limits); the error names the line, and the text typed comes back with it."""
    if field.errors:
        return  # too long already: said once, and not read any further
    found = excess(field.data or "")
    if found:
        raise ValidationError(describe(found))
