"""Translated names of course statuses and of the languages courses are taught in."""
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

STATUS_LABELS = {"draft": _l("Draft"), "published": _l("Published"), "archived": _l("Archived")}


def status_label(status: str) -> str:
    """The translated name of a course status."""
    return STATUS_LABELS.get(status, status)


def language_name(code: str) -> str:
    """The name of a course's language (a BCP 47 tag such as "en" or "pt-BR") in the interface language:
    "English" in English, "англійська" in Ukrainian; the tag itself when Babel does not know it."""
    return _language_name(code or "", str(get_locale() or "en"))


def language_names(codes) -> str:
    """The names of several languages in the interface language, joined: "English, Ukrainian, Georgian"."""
    return ", ".join(language_name(code) for code in codes)


@lru_cache(maxsize=512)
def _language_name(code: str, interface: str) -> str:
    # A handful of tags and two interface languages: CLDR's lookup is cached rather than repeated per card.
    try:
        return Locale.parse(code, sep="-" if "-" in code else "_").get_display_name(interface) or code
    except (ValueError, UnknownLocaleError):
        return code
