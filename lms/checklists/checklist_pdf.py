"""The printable checklist of a practical assessment (A4 portrait PDF): one page (or more) per trainee, the
criteria with a box to tick for met, not met and not observed and a line for a comment, then lines for the
date, the place, the overall comment and the assessor's name and signature. For places without a network:
the assessor fills it in by hand and enters it afterwards ("entered from paper").

Drawn with fpdf2 and the certificates' fonts (`lms.learning.certificate_pdf.add_fonts`), so text in Latin,
Cyrillic, Georgian and Armenian prints as real, extractable text. It knows nothing of the database: the view
hands it a `ChecklistDocument`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from lms.core.numbers import percent
from lms.learning.certificate_pdf import add_fonts

_MARGIN = 15.0
_INK, _MUTED, _ACCENT = (33, 33, 33), (96, 96, 96), (28, 54, 96)
_PRODUCER = "LMS practical checklist"


@dataclass(frozen=True)
class ChecklistDocument:
    """What a checklist prints: the practical, its live criteria ((text, critical) in order) and the trainees
    ((name, institution, run) each; an empty name prints a blank page to fill in)."""

    course_title: str
    practical_title: str
    pass_mark: int
    criteria: tuple[tuple[str, bool], ...]
    trainees: tuple[tuple[str, str, str], ...]
    printed_at: datetime  # aware: the PDF's creation date


def render_checklist_pdf(doc: ChecklistDocument) -> bytes:
    """The checklists as the bytes of a PDF, each trainee's on a new page. Needs an app context with
    Flask-Babel (labels in the current language)."""
    title = _("Practical assessment checklist")
    headers = ("#", _("Criterion"), _("Met"), _("Not met"), _("Not observed"), _("Comment"))
    labels = (_("Trainee"), _("Institution"), _("Run"), _("Date of the assessment"), _("Place"),
              _("Overall comment"), _("Assessor's name"), _("Signature"), _("Critical"),
              _("Pass: every critical criterion met and at least %(mark)s of the criteria met. Not observed "
                "counts as not met.", mark=percent(doc.pass_mark)))
    text = " ".join([title, doc.course_title, doc.practical_title, *headers, *labels,
                     *(c for c, _critical in doc.criteria), *(part for t in doc.trainees for part in t)])
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(True, margin=_MARGIN)
    family = add_fonts(pdf, text)
    pdf.set_title(f"{title}: {doc.practical_title}")
    pdf.set_creator(_PRODUCER)
    pdf.set_producer(_PRODUCER)
    pdf.set_creation_date(doc.printed_at)
    for trainee in doc.trainees or (("", "", ""),):
        _page(pdf, family, doc, trainee, title, headers, labels)
    return bytes(pdf.output())


def _page(pdf: FPDF, family: str, doc: ChecklistDocument, trainee, title: str, headers, labels) -> None:
    pdf.add_page()
    width = pdf.w - 2 * _MARGIN
    _line(pdf, family, width, title, 16, True, _ACCENT)
    _line(pdf, family, width, doc.practical_title, 12, True, _INK)
    _line(pdf, family, width, doc.course_title, 10, False, _MUTED)
    name, institution, run = trainee
    for label, value in ((labels[0], name), (labels[1], institution), (labels[2], run)):
        _line(pdf, family, width, f"{label}: {value or '_' * 40}", 10, False, _INK)
    _line(pdf, family, width, labels[9], 9, False, _MUTED)
    pdf.ln(2)
    pdf.set_text_color(*_INK)
    pdf.set_font(family, "", 9)
    with pdf.table(col_widths=(7, 78, 12, 14, 17, 52), line_height=8, text_align="LEFT") as table:
        heading = table.row()
        for label in headers:
            heading.cell(label)
        for number, (criterion, critical) in enumerate(doc.criteria, start=1):
            row = table.row()
            # The empty cells are the boxes to tick and the room for a comment.
            for value in (str(number), f"{criterion} ({labels[8]})" if critical else criterion, "", "", "", ""):
                row.cell(value)
    pdf.ln(4)
    for label in (labels[3], labels[4]):
        _line(pdf, family, width, f"{label}: " + "_" * 50, 10, False, _INK)
    _line(pdf, family, width, f"{labels[5]}:", 10, False, _INK)
    for _blank in range(3):
        _line(pdf, family, width, "_" * 90, 10, False, _MUTED)
    _line(pdf, family, width, f"{labels[6]}: " + "_" * 30 + f"   {labels[7]}: " + "_" * 25, 10, False, _INK)


def _line(pdf: FPDF, family: str, width: float, text: str, size: float, bold: bool, color) -> None:
    pdf.set_font(family, "B" if bold else "", size)
    pdf.set_text_color(*color)
    pdf.set_x(_MARGIN)
    pdf.multi_cell(width, size * 0.3528 * 1.6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
