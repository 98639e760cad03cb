"""The one place where Markdown becomes HTML: rendered, then sanitised to an allowlist.

Lessons, quiz texts, explanations and course summaries all pass through `render_markdown`;
templates never mark user text safe by any other way.
"""
from __future__ import annotations

import re
from functools import lru_cache

import markdown as md
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "div", "dl", "dt",
    "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "mark",
    "ol", "p", "pre", "q", "s", "section", "small", "span", "strong", "sub", "summary", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "td": {"align", "colspan", "rowspan"},
    "ol": {"start"},
    "li": {"id"},
    "sup": {"id"},
    "div": {"class"},
    "code": {"class"},
    "h2": {"id"}, "h3": {"id"}, "h4": {"id"},
}
URL_SCHEMES = {"http", "https", "mailto"}


# What browsers ignore in a URL: leading/trailing C0 controls and spaces, and tabs/newlines anywhere.
_URL_JUNK_ENDS = re.compile(r"^[\x00-\x20]+|[\x00-\x20]+$")
_URL_JUNK_INSIDE = re.compile(r"[\t\n\r]")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")


def _clean_url(value: str) -> str | None:
    """The URL as a browser reads it, or None when its scheme is not allowed.

    ammonia sees "\x0bjavascript:..." as a relative link, but browsers strip the control
    character and run it: the scheme is checked again on what the browser will see.
    """
    cleaned = _URL_JUNK_INSIDE.sub("", _URL_JUNK_ENDS.sub("", value))
    match = _SCHEME.match(cleaned)
    if match and match.group(1).lower() not in URL_SCHEMES:
        return None
    if not match and ":" in cleaned.split("/", 1)[0]:
        return None  # "java&#x0;script:" style tricks that still contain a colon before any slash
    return cleaned


def _rewrite_image(asset_base: str | None):
    """An nh3 attribute filter: safe URLs only, and relative image paths pointed at the course's assets."""

    def attribute_filter(tag: str, attr: str, value: str) -> str | None:
        if attr in ("href", "src"):
            value = _clean_url(value)
            if value is None:
                return None
        if tag == "img" and attr == "src" and asset_base:
            if "://" not in value and not value.startswith(("/", "#", "data:")):
                return f"{asset_base.rstrip('/')}/{value.lstrip('./')}"
        if tag == "div" and attr == "class" and value != "footnote":
            return None  # only the footnotes' own wrapper keeps a class
        return value

    return attribute_filter


@lru_cache(maxsize=1024)
def _render(text: str, asset_base: str | None) -> str:
    html = md.markdown(
        text,
        extensions=["tables", "fenced_code", "footnotes", "sane_lists", "def_list", "abbr"],
        output_format="html",
    )
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        attribute_filter=_rewrite_image(asset_base),
        strip_comments=True,
    )


def render_markdown(text: str | None, asset_base: str | None = None) -> Markup:
    """Markdown to safe HTML. `asset_base` is the URL prefix for a course's relative image paths."""
    if not text:
        return Markup("")
    return Markup(_render(text, asset_base))


def render_inline(text: str | None) -> Markup:
    """Markdown for a short text (a choice, a title): the outer paragraph is dropped."""
    html = str(render_markdown(text))
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return Markup(html)
