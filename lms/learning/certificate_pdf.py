"""A certificate of completion as a one-page PDF (A4 landscape), with a QR code to verify it.

The PDF is drawn with fpdf2 from a `CertificateDocument`, a plain snapshot of what the
certificate says, so this module knows nothing of the database. The fonts (Noto Sans, with
Georgian and Armenian fallbacks) ship in `fonts/` beside this file and are embedded subsetted,
so names in Latin, Cyrillic, Georgian and Armenian scripts print on any reader and the file
stays small. Every text is real PDF text (searchable, copyable, readable by `pdftotext` and
screen readers). Labels are translated with Flask-Babel, so rendering needs an app context with
Flask-Babel initialised (a request context to follow the reader's language). Nothing is fetched
from the network, and nothing is cached between calls: each call builds its own `FPDF`, so
concurrent requests share no mutable state.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

import segno
from flask_babel import get_locale
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from lms.core.numbers import number
from lms.core.when import format_date

FONTS_DIR = Path(__file__).resolve().parent / "fonts"

# Each family is a Regular and a Bold file in FONTS_DIR, named <family>-Regular.ttf and so on.
_MAIN_FONT = "NotoSans"  # Latin, Greek, Cyrillic
# Fallbacks, tried in order for any character NotoSans has no glyph for, each with the Unicode
# blocks of its script. A fallback is registered only when the certificate's text has a character
# in them: fpdf2 embeds every registered font, used or not, and parsing and subsetting one costs
# time; a Latin-only certificate is twice as fast and 40 % smaller without them.
_FALLBACK_FONTS = {
    # Georgian, Georgian Extended (Mtavruli capitals), Georgian Supplement (Nuskhuri)
    "NotoSansGeorgian": ((0x10A0, 0x10FF), (0x1C90, 0x1CBF), (0x2D00, 0x2D2F)),
    # Armenian, and the Armenian ligatures of Alphabetic Presentation Forms
    "NotoSansArmenian": ((0x0530, 0x058F), (0xFB13, 0xFB17)),
}

# Page geometry in millimetres (A4 landscape is 297 x 210).
_PAGE_W, _PAGE_H = 297.0, 210.0
_FRAME_OUTER, _FRAME_INNER = 10.0, 13.0   # insets of the two frame lines
_TEXT_W = 231.0                          # width of the centred text column
_QR_SIZE = 34.0                          # the QR code, with its quiet zone
_BOTTOM_TOP = 154.0                      # where the verification block begins

# A dark blue for the frame and the title, a near-black for the text, a grey for the small print.
_ACCENT = (28, 54, 96)
_INK = (33, 33, 33)
_MUTED = (96, 96, 96)

_PRODUCER = "LMS certificate service"  # neutral: no library name or version in the metadata

# The holder's name and the course's title in the certifying sentence. The sentence is one message, so that
# each language puts them where its grammar wants them (Georgian, Armenian and Hungarian name the course before
# the verb); it is drawn in pieces, in the language's order: the words small and grey, the name and the title
# large and bold, each on its own centred line.
_PLACEHOLDER = re.compile(r"%\((name|course)\)s")


@dataclass(frozen=True)
class CertificateDocument:
    """What a certificate says, as issued; the input of `render_certificate_pdf`."""

    holder_name: str | None        # None when the holder was anonymised: then print no name line
    course_title: str
    institution_name: str | None
    issued_at: datetime            # aware UTC
    expires_at: datetime | None
    code: str                      # verification code, e.g. 22 url-safe chars
    verify_url: str                # absolute URL of /verify/<code>
    revoked: bool = False          # not used for the PDF layout; ignore
    # The holder's zone: the dates printed are the calendar dates there (a certificate says the same to all).
    zone: ZoneInfo | None = None
    # The hours of training sessions attended, when the course's certificates state them (None: not stated).
    hours: Decimal | None = None


@dataclass(frozen=True)
class _Texts:
    """Every sentence of the certificate, translated and formatted, before any drawing."""

    title: str
    # The certifying sentence as ("words" | "name" | "course", text) pieces in reading order; no name when
    # the holder was anonymised.
    statement: tuple[tuple[str, str], ...]
    institution: str | None
    completed_on: str
    valid_until: str | None
    hours: str | None
    code_label: str
    scan_hint: str

    @classmethod
    def of(cls, doc: CertificateDocument) -> _Texts:
        """The texts of `doc` in the current locale."""
        # Translated without variables: the placeholders stay in, and a "%" in a name or title is never
        # read as one.
        if doc.holder_name:
            sentence = _("This certifies that %(name)s has completed the course %(course)s")
        else:
            # Anonymised: no name line, and a sentence that still reads without one.
            sentence = _("This certifies the completion of the course %(course)s")
        return cls(
            title=_("Certificate of completion"),
            statement=_statement(sentence, {"name": doc.holder_name or "", "course": doc.course_title}),
            institution=(_("Institution: %(name)s", name=doc.institution_name)
                         if doc.institution_name else None),
            completed_on=_("Date of completion: %(date)s",
                           date=format_date(doc.issued_at, "long", where=doc.zone)),
            valid_until=(_("Valid until: %(date)s", date=format_date(doc.expires_at, "long", where=doc.zone))
                         if doc.expires_at is not None else None),
            hours=(_("Training sessions attended: %(hours)s hours", hours=number(doc.hours))
                   if doc.hours is not None else None),
            code_label=_("Verification code:"),
            scan_hint=_("Scan or visit the address to verify this certificate."),
        )

    def all_text(self, doc: CertificateDocument) -> str:
        """Everything printed, to choose the fonts it needs."""
        parts = [*vars(self).values(), doc.holder_name, doc.course_title, doc.code, doc.verify_url]
        parts += [text for _kind, text in self.statement]
        return " ".join(part for part in parts if isinstance(part, str) and part)


def _statement(sentence: str, values: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """`sentence` cut at its placeholders into ("words" | "name" | "course", text) pieces, in its order, the
    placeholders filled from `values`. What touches a placeholder with no space between (quotation marks, a
    full stop, a case ending such as Georgian "-მა") stays on its line; empty pieces are left out."""
    pieces: list[list[str]] = []
    position = 0
    for match in _PLACEHOLDER.finditer(sentence):
        pieces.append(["words", sentence[position:match.start()].replace("%%", "%")])
        pieces.append([match[1], values[match[1]]])
        position = match.end()
    pieces.append(["words", sentence[position:].replace("%%", "%")])
    for index in range(1, len(pieces), 2):  # each placeholder stands between two runs of words
        before, value, after = pieces[index - 1], pieces[index], pieces[index + 1]
        before[1], glued_before = _split_last(before[1])
        glued_after, after[1] = _split_first(after[1])
        value[1] = glued_before + value[1] + glued_after
    return tuple((kind, text.strip()) for kind, text in pieces if text.strip())


def _split_last(words: str) -> tuple[str, str]:
    """`words` without the token it ends with when no space ends it, and that token ("that „" -> "that ", "„")."""
    match = re.search(r"\S+$", words)
    return (words[:match.start()], match[0]) if match else (words, "")


def _split_first(words: str) -> tuple[str, str]:
    """The token `words` begins with when no space begins it, and the rest ("“ című" -> "“", " című")."""
    match = re.match(r"\S+", words)
    return (match[0], words[match.end():]) if match else ("", words)


@dataclass(frozen=True)
class _Line:
    """One centred line (or wrapped paragraph) of the middle block."""

    text: str
    size: float          # font size in points, already fitted to the column
    bold: bool = False
    color: tuple[int, int, int] = _INK
    space_before: float = 0.0
    lines: int = 1       # how many lines `text` wraps to at `size`

    @property
    def line_height(self) -> float:
        # 1.45 x the font size (pt -> mm is x 0.3528) gives air without looking double-spaced.
        return self.size * 0.3528 * 1.45

    @property
    def height(self) -> float:
        return self.space_before + self.lines * self.line_height


def render_certificate_pdf(doc: CertificateDocument) -> bytes:
    """The certificate `doc` as the bytes of a one-page PDF (A4 landscape).

    Must be called inside an app context with Flask-Babel initialised: labels and dates are in
    the current locale. Makes no network request and keeps no state between calls.
    """
    texts = _Texts.of(doc)
    pdf = _new_pdf(doc, texts)
    pdf.add_page()
    _draw_frame(pdf)

    pdf.set_text_color(*_ACCENT)
    pdf.set_xy(_left(), 28)
    _set_font(pdf, _fit_size(pdf, texts.title, 30, True, _TEXT_W, minimum=16), bold=True)
    pdf.cell(_TEXT_W, 14, texts.title, align=Align.C)
    # A short rule under the title, the only ornament.
    pdf.set_draw_color(*_ACCENT)
    pdf.set_line_width(0.6)
    pdf.line(_PAGE_W / 2 - 30, 47, _PAGE_W / 2 + 30, 47)

    _draw_middle(pdf, _middle_lines(pdf, doc, texts), top=52, bottom=_BOTTOM_TOP - 4)
    _draw_verification(pdf, doc, texts)
    return bytes(pdf.output())


def _new_pdf(doc: CertificateDocument, texts: _Texts) -> FPDF:
    """An empty A4 landscape document with the fonts `texts` need and the metadata set."""
    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    # One page by design: text that is too long is shrunk, never pushed onto a second page.
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    add_fonts(pdf, texts.all_text(doc))

    pdf.set_title(f"{texts.title}: {doc.course_title}")
    pdf.set_subject(doc.verify_url)
    pdf.set_creator(_PRODUCER)
    pdf.set_producer(_PRODUCER)
    # The issue date, not "now": rendering the same certificate again gives the same bytes.
    pdf.set_creation_date(doc.issued_at)
    locale = get_locale()
    if locale is not None:
        pdf.set_lang(str(locale).replace("_", "-"))  # PDF wants a BCP 47 tag, Babel gives uk_UA
    return pdf


def add_fonts(pdf: FPDF, text: str) -> str:
    """Register the fonts that print `text` (Noto Sans, and the Georgian and Armenian fallbacks only when
    `text` needs them) on `pdf`; returns the main family's name. Other documents of the platform (the
    training record) print names in every script with the same fonts."""
    _add_family(pdf, _MAIN_FONT)
    codepoints = {ord(char) for char in text}
    fallbacks = [family for family, blocks in _FALLBACK_FONTS.items()
                 if any(low <= cp <= high for cp in codepoints for low, high in blocks)]
    for family in fallbacks:
        _add_family(pdf, family)
    if fallbacks:
        pdf.set_fallback_fonts(fallbacks)
    return _MAIN_FONT


def _add_family(pdf: FPDF, family: str) -> None:
    """Register the Regular and Bold fonts of `family` from FONTS_DIR."""
    # fpdf2 embeds TrueType fonts subsetted to the glyphs used: a few KB each, not 500 KB.
    pdf.add_font(family, "", FONTS_DIR / f"{family}-Regular.ttf")
    pdf.add_font(family, "B", FONTS_DIR / f"{family}-Bold.ttf")


def _middle_lines(pdf: FPDF, doc: CertificateDocument, texts: _Texts) -> list[_Line]:
    """The centred lines between the title and the verification block, fitted to the column."""
    lines: list[_Line] = []
    for kind, text in texts.statement:
        space = 3.0 if lines else 0.0
        if kind == "name":
            lines.append(_fitted(pdf, text, 28, bold=True, max_lines=2, space_before=space))
        elif kind == "course":
            lines.append(_fitted(pdf, text, 20, bold=True, max_lines=3, space_before=space, color=_ACCENT))
        else:
            lines.append(_fitted(pdf, text, 14, max_lines=2, color=_MUTED, space_before=space))
    if texts.institution:
        lines.append(_fitted(pdf, texts.institution, 13, max_lines=2, space_before=6))
    lines.append(_fitted(pdf, texts.completed_on, 12, max_lines=1,
                         space_before=2 if texts.institution else 6))
    if texts.valid_until:
        lines.append(_fitted(pdf, texts.valid_until, 12, max_lines=1, space_before=1))
    if texts.hours:
        lines.append(_fitted(pdf, texts.hours, 12, max_lines=1, space_before=1))
    return lines


def _draw_middle(pdf: FPDF, lines: list[_Line], top: float, bottom: float) -> None:
    """Draw `lines` centred on the page, and vertically centred between `top` and `bottom`."""
    total = sum(line.height for line in lines)
    y = top + max(0.0, (bottom - top - total) / 2)
    for line in lines:
        y += line.space_before
        _set_font(pdf, line.size, bold=line.bold)
        pdf.set_text_color(*line.color)
        pdf.set_xy(_left(), y)
        pdf.multi_cell(_TEXT_W, line.line_height, line.text, align=Align.C,
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        y += line.lines * line.line_height


def _draw_verification(pdf: FPDF, doc: CertificateDocument, texts: _Texts) -> None:
    """The code, the address and its QR code, across the bottom of the page."""
    qr_x = _PAGE_W - _FRAME_INNER - 8 - _QR_SIZE
    qr_y = _PAGE_H - _FRAME_INNER - 6 - _QR_SIZE
    pdf.image(_qr_png(doc.verify_url), x=qr_x, y=qr_y, w=_QR_SIZE, h=_QR_SIZE,
              alt_text=doc.verify_url)

    # The text block sits left of the QR code, its lines vertically centred on it.
    x = _FRAME_INNER + 12
    width = qr_x - 6 - x
    y = qr_y + _QR_SIZE / 2 - 12
    pdf.set_text_color(*_INK)
    _set_font(pdf, 11)
    pdf.set_xy(x, y)
    label_w = pdf.get_string_width(texts.code_label) + 2 * pdf.c_margin + 1
    pdf.cell(label_w, 7, texts.code_label)
    _set_font(pdf, _fit_size(pdf, doc.code, 11, True, width - label_w, minimum=6), bold=True)
    pdf.cell(width - label_w, 7, doc.code)

    # The address is a link too, for those who read the PDF on screen.
    pdf.set_text_color(*_ACCENT)
    size = _fit_size(pdf, doc.verify_url, 10, False, width, minimum=6)
    _set_font(pdf, size)
    pdf.set_xy(x, y + 8)
    pdf.cell(width, 6, doc.verify_url, link=doc.verify_url)

    pdf.set_text_color(*_MUTED)
    _set_font(pdf, _fit_size(pdf, texts.scan_hint, 9, False, width, minimum=6))
    pdf.set_xy(x, y + 15)
    pdf.cell(width, 6, texts.scan_hint)


def _qr_png(url: str) -> BytesIO:
    """The QR code of `url` as a PNG in memory (black on white, with its quiet zone)."""
    # micro=False: a full QR code, which every phone camera reads; "M" survives a worn print.
    qr = segno.make(url, error="m", micro=False)
    buffer = BytesIO()
    qr.save(buffer, kind="png", scale=8, border=4)
    buffer.seek(0)
    return buffer


def _fitted(pdf: FPDF, text: str, size: float, *, bold: bool = False, max_lines: int,
            space_before: float = 0.0, color: tuple[int, int, int] = _INK) -> _Line:
    """`text` at the largest size up to `size` that fits the column, as a `_Line`.

    One line is preferred down to 70 % of `size` (a name or title reads best unbroken); below
    that the text may wrap to `max_lines`, and shrinks no further than half of `size`.
    """
    current = size
    while True:
        _set_font(pdf, current, bold=bold)
        wrapped = pdf.multi_cell(_TEXT_W, 5, text, align=Align.C, dry_run=True, output="LINES")
        may_wrap = current <= size * 0.7
        if (len(wrapped) == 1 or (may_wrap and len(wrapped) <= max_lines)
                or current <= size * 0.5):
            return _Line(text, current, bold=bold, color=color, space_before=space_before,
                         lines=len(wrapped))
        current -= 1


def _fit_size(pdf: FPDF, text: str, size: float, bold: bool, width: float, minimum: float) -> float:
    """The largest font size up to `size` at which `text` fits on one line of `width`."""
    while size > minimum:
        _set_font(pdf, size, bold=bold)
        if pdf.get_string_width(text) + 2 * pdf.c_margin <= width:  # a cell pads both sides
            break
        size -= 0.5
    return size


def _draw_frame(pdf: FPDF) -> None:
    """A double frame: a heavier outer line and a hairline inside it."""
    pdf.set_draw_color(*_ACCENT)
    pdf.set_line_width(0.8)
    pdf.rect(_FRAME_OUTER, _FRAME_OUTER, _PAGE_W - 2 * _FRAME_OUTER, _PAGE_H - 2 * _FRAME_OUTER)
    pdf.set_line_width(0.25)
    pdf.rect(_FRAME_INNER, _FRAME_INNER, _PAGE_W - 2 * _FRAME_INNER, _PAGE_H - 2 * _FRAME_INNER)


def _set_font(pdf: FPDF, size: float, bold: bool = False) -> None:
    pdf.set_font(_MAIN_FONT, "B" if bold else "", size)


def _left() -> float:
    """The x of the centred text column."""
    return (_PAGE_W - _TEXT_W) / 2
