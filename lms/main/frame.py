"""The parts of every page's frame that depend only on the visitor's rights and language.

The header's links (a dozen URLs and translated labels, each behind a permission test), the
footer's links and the language switcher's options are the same for every visitor with the same
rights, in the same language, under the same script root. They are rendered once per such key and
kept in a small per-process cache; what differs per visitor or per request (the CSRF tokens, the
page to return to, the visitor's name) stays in `base.html`. The frame's fixed URLs are kept with
them: building a URL costs more than the rest of a line of the template.
"""
from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from flask import render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from lms.access import (
    can_assess_anything, can_create_course, can_manage_institutions, can_manage_jobs, can_manage_users, can_view_audit_log,
    can_view_export_log, can_view_outbox, can_view_reports,
)

# The links of the frame and the rule deciding each: the cache key is the set of names granted.
FRAME_RIGHTS = (
    ("authoring", can_create_course),
    ("marking", can_assess_anything),
    ("people", can_manage_users),
    ("institutions", can_manage_institutions),
    ("audit", can_view_audit_log),
    ("reports", can_view_reports),
    ("export_log", can_view_export_log),
    ("jobs", can_manage_jobs),
    ("outbox", can_view_outbox),
)


class LayoutTexts(NamedTuple):
    """The layout's fixed texts in one language (base.html shows them on every page): translated once per frame,
    not at every page (a dozen lookups and formattings)."""

    site: Markup
    skip: Markup
    main_menu: Markup
    notifications: Markup
    unread: Markup
    sign_out: Markup
    language: Markup
    change: Markup
    footer: Markup
    low_data_on: Markup
    low_data_off: Markup
    turn_on: Markup
    turn_off: Markup


def layout_texts() -> LayoutTexts:
    """The layout's fixed texts in the request's language, marked safe as a template's own translations are."""
    return LayoutTexts(*(Markup(text) for text in (
        _("IBM Training"), _("Skip to main content"), _("Main"), _("Notifications"), _("unread"), _("Sign out"),
        _("Language"), _("Change"), _("Distance learning for Integrated Border Management."),
        _("Low-data mode: on"), _("Low-data mode: off"), _("Turn on"), _("Turn off"))))


class Frame(NamedTuple):
    """Rendered pieces of the page frame."""

    nav_items: Markup
    language_options: Markup
    footer_links: Markup
    offline_status: Markup  # the connection's state, said by the offline script (signed in), or ""
    stylesheet_url: str
    home_url: str
    logout_url: str
    language_url: str
    icon_url: str  # the SVG icon; /favicon.ico answers browsers that ask for an ICO
    ico_url: str
    notifications_url: str
    script_stylesheet_url: str  # the web font of a script the visitor's machine may lack, or ""
    manifest_url: str  # the web app's manifest (lms.offline)
    offline_script_url: str  # courses kept on the device, work done offline (lms/static/js/offline.js)
    low_data_url: str
    texts: LayoutTexts


# Scripts a trainee's machine may have no font for: their languages load the script's web font (a subset of
# Noto Sans for that script alone); every other page stays as small as it was.
SCRIPT_STYLESHEETS = {"ka": "css/georgian.css", "hy": "css/armenian.css"}


def script_stylesheet(language: str | None) -> str:
    """The web font's style sheet for text in `language` when its script may lack a font, or "": a page whose
    content is in Georgian or Armenian (a course version read under another interface language) loads it too."""
    return url_for("static", filename=SCRIPT_STYLESHEETS[language]) if language in SCRIPT_STYLESHEETS else ""


def site_frame() -> Frame:
    """The frame's pieces for the current visitor and language."""
    user = current_user._get_current_object()
    signed_in = bool(user.is_authenticated)
    rights = frozenset(name for name, allowed in FRAME_RIGHTS if allowed(user)) if signed_in else frozenset()
    return _frame(signed_in, rights, str(get_locale() or "en"), request.script_root)


@lru_cache(maxsize=128)
def _frame(signed_in: bool, rights: frozenset[str], locale: str, script_root: str) -> Frame:
    pieces = render_template("_frame.html", signed_in=signed_in, rights=rights, locale=locale).split("<!--cut-->")
    return Frame(*(Markup(piece.strip()) for piece in pieces), url_for("static", filename="css/site.css"),
                 url_for("main.home"), url_for("auth.logout"), url_for("main.language"),
                 url_for("static", filename="favicon.svg"), url_for("main.favicon"), url_for("mail.notifications"),
                 script_stylesheet(locale),
                 url_for("offline.manifest"), url_for("static", filename="js/offline.js"), url_for("main.low_data"),
                 layout_texts())
