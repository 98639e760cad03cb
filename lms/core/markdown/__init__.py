"""The one place where Markdown becomes HTML: rendered, then sanitised to an allowlist.

Lessons, quiz texts, explanations and course summaries all pass through `render_markdown`;
templates never mark user text safe by any other way. `image_references` is the one reading of which
images a text uses, for the package check and the lesson editor's preview alike.

A text is first checked against the bounds within which Python-Markdown takes linear time
(`limits.excess`, itself linear). The editors and imports refuse a text past them; one stored before
the bounds existed is shown as written, escaped, with a note saying why, and never holds a worker.

Images of a course are named with their content's version (`versions`: `map.webp?v=3f9a0c1d2e4b`), so
that browsers may keep them for a year (lms.catalog.views.asset). In low-data mode (the viewer's choice,
lms.core.lowdata) no image is sent at all: each becomes its alternative text and a "Show image" link to
it (`without_images`), after the cached rendering and sanitising, so the cache holds one HTML per text.
"""
from __future__ import annotations

import html as html_text
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass
from functools import lru_cache

import markdown as md
import nh3
from flask_babel import gettext
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

from lms.core.lowdata import low_data_mode
from lms.core.markdown.limits import MAX_TEXT, Excess, excess, problem

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "div", "dl", "dt",
    "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "mark",
    "ol", "p", "pre", "q", "s", "section", "small", "span", "strong", "sub", "summary", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id"},
    # srcset and sizes survive only as the renderer writes them for an ImageSet (see _image_filter).
    "img": {"src", "alt", "title", "width", "height", "srcset", "sizes"},
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
# How wide a lesson's image is shown: the width of `.lesson` in site.css (44rem, less the page's 1rem
# margins on a narrow screen). The browser picks from srcset the smallest copy that fills it.
IMAGE_SIZES = "(max-width: 46rem) calc(100vw - 2rem), 44rem"


@dataclass(frozen=True)
class ImageSet:
    """An image of a lesson kept in several widths: its file name (as the Markdown names it), its
    width and height in pixels, and the (file name, width) of each smaller copy."""

    name: str
    width: int
    height: int
    smaller: tuple[tuple[str, int], ...]

    def srcset(self) -> str:
        return ", ".join(f"{name} {width}w" for name, width in (*self.smaller, (self.name, self.width)))


@dataclass(frozen=True)
class ImageReference:
    """An image a text uses: its line (1 = the text's first), its alternative text (None for an HTML
    <img>, whose alt is not read) and its source as written."""

    line: int
    alt: str | None
    src: str

    @property
    def outside(self) -> bool:
        """A link to somewhere else (a web address or inline data) rather than a file of the course."""
        return "://" in self.src or self.src.startswith(("data:", "//"))


# ![alt](src "title"), the alt possibly holding escaped brackets; and <img ... src="...">. Neither reads
# past the next bracket, parenthesis or < where it does not match: a line of "![a](" or "<img" opened and
# never closed would otherwise be read to its end from each one, in time growing with the square of its
# length (or worse, with the backtracking).
_MARKDOWN_IMAGE = re.compile(r"!\[((?:\\.|[^\[\]\\])*)\]\(\s*<?([^()\s<>\[\]]+)>?(?:\s+\"[^\"()\[\]]*\")?\s*\)")
_HTML_IMAGE = re.compile(r"<img\b[^<>]*?\bsrc=[\"']([^\"'<>]+)[\"'][^<>]*>", re.I)
_ESCAPED = re.compile(r"\\(.)")


def image_references(text: str) -> list[ImageReference]:
    """Every image of a Markdown text, line by line (time linear in the text's length)."""
    found = []
    for number, line in enumerate(text.split("\n"), start=1):
        found += [ImageReference(number, _ESCAPED.sub(r"\1", alt), src) for alt, src in _MARKDOWN_IMAGE.findall(line)]
        found += [ImageReference(number, None, src) for src in _HTML_IMAGE.findall(line)]
    return found


def markdown_image(alt: str, name: str) -> str:
    """The Markdown of an image: `![alt](name)`, the alt on one line with its brackets escaped."""
    alt = " ".join(alt.split())
    alt = alt.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    return f"![{alt}]({name})"


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


def _asset_url(asset_base: str, name: str, versions: dict[str, str] | None = None) -> str:
    name = name.lstrip("./")
    version = (versions or {}).get(name)
    return f"{asset_base.rstrip('/')}/{name}" + (f"?v={version}" if version else "")


def _image_filter(asset_base: str | None, images: tuple[ImageSet, ...], versions: dict[str, str]):
    """An nh3 attribute filter: safe URLs only, relative image paths pointed at the course's assets,
    and srcset/sizes only as the renderer writes them.

    nh3 checks the scheme of href and src but not the URLs inside srcset: here a srcset survives only
    when every candidate is a file of one of `images` with a width descriptor, and sizes only when it
    is IMAGE_SIZES, whoever wrote them. Anything else is dropped, never repaired. A file of `versions` gets
    its version in its address.
    """
    known = {name for image in images for name in (image.name, *(n for n, _w in image.smaller))}

    def attribute_filter(tag: str, attr: str, value: str) -> str | None:
        if attr in ("href", "src"):
            value = _clean_url(value)
            if value is None:
                return None
        if tag == "img" and attr == "src" and asset_base:
            if "://" not in value and not value.startswith(("/", "#", "data:")):
                return _asset_url(asset_base, value, versions)
        if attr == "srcset":
            candidates = [c.split() for c in value.split(",")]
            if not asset_base or not all(len(c) == 2 and c[0] in known and re.fullmatch(r"[1-9]\d{0,4}w", c[1])
                                         for c in candidates):
                return None
            return ", ".join(f"{_asset_url(asset_base, name, versions)} {width}" for name, width in candidates)
        if attr == "sizes":
            return value if value == IMAGE_SIZES else None
        if tag == "div" and attr == "class" and value != "footnote":
            return None  # only the footnotes' own wrapper keeps a class
        return value

    return attribute_filter


class _ResponsiveImages(Treeprocessor):
    """Gives each Markdown image that names an ImageSet its srcset, sizes, width and height, so the
    browser fetches the copy that fits the screen and keeps the image's room while it loads."""

    def __init__(self, md_instance, images: tuple[ImageSet, ...]):
        super().__init__(md_instance)
        self.images = {image.name: image for image in images}

    def run(self, root: etree.Element) -> None:
        for img in root.iter("img"):
            image = self.images.get((img.get("src") or "").removeprefix("./"))
            if image is None or not image.smaller:
                continue
            img.set("srcset", image.srcset())
            img.set("sizes", IMAGE_SIZES)
            if img.get("width") is None and img.get("height") is None:
                img.set("width", str(image.width))
                img.set("height", str(image.height))


class _ResponsiveImagesExtension(md.Extension):
    def __init__(self, images: tuple[ImageSet, ...]):
        super().__init__()
        self.images = images

    def extendMarkdown(self, md_instance) -> None:  # noqa: N802 - Python-Markdown's name
        # After "inline" (20), which makes the images, and before "prettify" (10).
        md_instance.treeprocessors.register(_ResponsiveImages(md_instance, self.images), "responsive_images", 15)


@lru_cache(maxsize=1024)
def _render(text: str, asset_base: str | None, images: tuple[ImageSet, ...],
            versions: tuple[tuple[str, str], ...] = ()) -> str:
    extensions = ["tables", "fenced_code", "footnotes", "sane_lists", "def_list", "abbr"]
    if images:
        extensions.append(_ResponsiveImagesExtension(images))
    html = md.markdown(text, extensions=extensions, output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        attribute_filter=_image_filter(asset_base, images, dict(versions)),
        strip_comments=True,
    )


@lru_cache(maxsize=1024)
def _checked(text: str) -> Excess | None:
    return excess(text, MAX_TEXT)


def render_markdown(text: str | None, asset_base: str | None = None, images: tuple[ImageSet, ...] = (),
                    versions: tuple[tuple[str, str], ...] = (), low_data: bool | None = None) -> Markup:
    """Markdown to safe HTML. `asset_base` is the URL prefix for a course's relative image paths;
    `images` are the images kept in several widths, which get srcset and sizes; `versions` the
    (file name, version) of the course's images, added to their addresses. `low_data`: images as their
    alternative text and a link (None: as the viewer chose, lms.core.lowdata).

    A text past the bounds of `limits` (stored before they existed) is shown as plain text instead."""
    if not text:
        return Markup("")
    found = _checked(text)
    if found is None:
        try:
            rendered = _render(text, asset_base, tuple(images), tuple(versions))
        except RecursionError:  # the bounds should make this impossible: never a stack trace for a text
            found = Excess(1, "recursion", 0)
        else:
            if low_data is None:
                low_data = low_data_mode()
            return without_images(rendered) if low_data and "<img" in rendered else Markup(rendered)
    return plain_text(text, found)


# In sanitised HTML (nh3's output) every attribute value is double-quoted with its quotes escaped, and a
# "<" of text is escaped: a literal "<img" or "<a" there is a tag, and these patterns read it whole
# (a ">" may stand inside a value) in time linear in its length.
_LINK_OR_IMAGE = re.compile(r'<(a|img)((?:\s+[a-zA-Z-]+(?:="[^"]*")?)*)\s*/?>|</a>')
_ATTRIBUTE = re.compile(r'([a-zA-Z-]+)(?:="([^"]*)")?')


def without_images(sanitised: str) -> Markup:
    """Sanitised HTML with each <img> replaced by its alternative text and a "Show image" link to the
    image (only the text inside a link, which cannot hold another): what low-data mode shows."""
    label = gettext("Show image")
    untitled = gettext("An image without a description.")
    depth = 0

    def replace(match: re.Match) -> str:
        nonlocal depth
        tag = match.group(1)
        if tag is None:  # </a>
            depth = max(0, depth - 1)
            return match.group(0)
        if tag == "a":
            depth += 1
            return match.group(0)
        attributes = {name: html_text.unescape(value) for name, value in _ATTRIBUTE.findall(match.group(2))}
        alt = " ".join(attributes.get("alt", "").split()) or untitled
        src = attributes.get("src", "")
        if depth or not src:
            return str(Markup('<span class="image-off">{}</span>').format(alt))
        return str(Markup('<span class="image-off">{} <a href="{}">{}<span class="visually-hidden">: {}</span></a>'
                          '</span>').format(alt, src, label, alt))

    return Markup(_LINK_OR_IMAGE.sub(replace, sanitised))


def plain_text(text: str, found: Excess) -> Markup:
    """A text shown as written (escaped, its lines kept), with the note that says why it is not formatted."""
    why = gettext("Line %(line)d: %(problem)s", line=found.line, problem=problem(found))
    note = gettext("This text is shown unformatted: it goes beyond what the formatting allows. %(why)s "
                   "Its authors can correct it in the editor.", why=why)
    return Markup('<div class="unformatted"><p class="note">{}</p><pre>{}</pre></div>').format(note, text)


def render_inline(text: str | None) -> Markup:
    """Markdown for a short text (a choice, a title): the outer paragraph is dropped."""
    html = str(render_markdown(text))
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return Markup(html)
