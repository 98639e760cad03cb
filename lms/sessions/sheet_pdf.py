"""A printable sign-in sheet of a training session (A4 portrait PDF): the session, then a table of the people
on its register with an empty column to sign and one to tick the mark, for rooms without a network.

Drawn with fpdf2 and the certificates' fonts (`lms.learning.certificate_pdf.add_fonts`), so names in Latin,
Cyrillic, Georgian and Armenian print as real, extractable text. It knows nothing of the database: the view
hands it a `SheetDocument` whose times are already formatted (through lms.core.when).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import pgettext
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from lms.learning.certificate_pdf import add_fonts

_MARGIN = 15.0
_INK, _MUTED, _ACCENT = (33, 33, 33), (96, 96, 96), (28, 54, 96)
_PRODUCER = "LMS sign-in sheet"


@dataclass(frozen=True)
class SheetDocument:
    """What a sign-in sheet prints."""

    course_title: str
    session_title: str
    when: str                          # the times, formatted for the reader (and at the place)
    place: str                         # the location or the online link, may be empty
    trainers: tuple[str, ...]
    people: tuple[tuple[str, str], ...]  # (name, institution) in the register's order
    printed_at: datetime               # aware: the PDF's creation date


def render_sheet_pdf(doc: SheetDocument) -> bytes:
    """The sheet as the bytes of a PDF (as many pages as the people need, the table's header on each). Needs an
    app context with Flask-Babel (labels in the current language)."""
    title = _("Sign-in sheet")
    headers = ("#", pgettext("person's name", "Name"), _("Institution"), _("Signature"), _("Mark (P / A / E / L)"))
    facts = [doc.session_title, doc.course_title, doc.when, doc.place,
             _("Trainers: %(names)s", names=", ".join(doc.trainers)) if doc.trainers else ""]
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(True, margin=_MARGIN)
    text = " ".join([title, *headers, *facts, *(n for person in doc.people for n in person)])
    family = add_fonts(pdf, text)
    pdf.set_title(f"{title}: {doc.session_title}")
    pdf.set_creator(_PRODUCER)
    pdf.set_producer(_PRODUCER)
    pdf.set_creation_date(doc.printed_at)
    pdf.add_page()
    width = pdf.w - 2 * _MARGIN
    _line(pdf, family, width, title, 18, True, _ACCENT)
    _line(pdf, family, width, doc.session_title, 13, True, _INK)
    for fact in facts[1:]:
        if fact:
            _line(pdf, family, width, fact, 10, False, _MUTED)
    pdf.ln(4)
    pdf.set_text_color(*_INK)
    pdf.set_font(family, "", 10)
    with pdf.table(col_widths=(8, 52, 45, 45, 30), line_height=9, text_align="LEFT") as table:
        heading = table.row()
        for label in headers:
            heading.cell(label)
        for number, (name, institution) in enumerate(doc.people, start=1):
            row = table.row()
            for value in (str(number), name, institution, "", ""):
                row.cell(value)
        for number in range(len(doc.people) + 1, len(doc.people) + 4):  # room for walk-ins
            row = table.row()
            for value in (str(number), "", "", "", ""):
                row.cell(value)
    pdf.ln(4)
    _line(pdf, family, width, _("P present, A absent, E excused, L late. Enter the marks in the register "
                                "afterwards."), 9, False, _MUTED)
    return bytes(pdf.output())


def _line(pdf: FPDF, family: str, width: float, text: str, size: float, bold: bool, color) -> None:
    pdf.set_font(family, "B" if bold else "", size)
    pdf.set_text_color(*color)
    pdf.set_x(_MARGIN)
    pdf.multi_cell(width, size * 0.3528 * 1.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
