"""A person's training record as a PDF (A4 portrait), for the officer, their coordinator and admins.

Drawn with fpdf2 and the certificates' fonts (`lms.learning.certificate_pdf.add_fonts`: Noto Sans with
the Georgian and Armenian fallbacks when the text needs them), so names and course titles in Latin,
Cyrillic, Georgian and Armenian print as real, extractable text. Dates and times go through
`lms.core.when` in the zone given (the reader's) and the document names that zone. Labels are
translated with Flask-Babel: rendering needs an app context. Each call builds its own `FPDF`.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from lms.core import when
from lms.core.numbers import number, percent
from lms.learning.certificate_pdf import add_fonts
from lms.reports.record import RecordCycle, TrainingRecord

STATUS_LABELS = {"active": _l("In progress"), "completed": lazy_pgettext("enrolment status", "Completed"),
                 "withdrawn": _l("Withdrawn")}
CERTIFICATE_STATES = {"valid": _l("Valid"), "expired": lazy_pgettext("certificate", "Expired"), "revoked": _l("Revoked")}

_MARGIN = 18.0
_ACCENT = (28, 54, 96)
_INK = (33, 33, 33)
_MUTED = (96, 96, 96)
_PRODUCER = "LMS training record"  # neutral: no library name or version in the metadata


def cycle_lines(cycle: RecordCycle, now: datetime, where: ZoneInfo) -> list[str]:
    """The sentences that describe one cycle, as the PDF prints them."""
    e, c = cycle.enrolment, cycle.certificate
    status = str(STATUS_LABELS.get(e.status, e.status))
    head = _("Cycle %(cycle)d: %(status)s", cycle=e.cycle, status=status)
    if not e.is_current:
        head += " " + _("(earlier cycle)")
    lines = [head]
    if e.status == "withdrawn":
        lines.append(_("Withdrawn on %(date)s: %(reason)s", date=when.format_date(e.withdrawn_at, "long", where),
                       reason=e.withdrawal_reason or ""))
    figures = [_("Progress: %(percent)s", percent=percent(cycle.progress)),
               _("Attempts: %(num)d", num=cycle.attempts)]
    if cycle.score is not None:
        figures.insert(1, _("Score: %(percent)s", percent=percent(cycle.score, 1)))
    lines.append(" · ".join(figures))
    dates = [_("Enrolled: %(date)s", date=when.format_date(e.enrolled_at, "medium", where))]
    if cycle.due is not None:
        dates.append(_("Due: %(date)s", date=when.format_date(cycle.due, "medium")))
    if e.completed_at is not None:
        dates.append(_("Completed: %(date)s", date=when.format_date(e.completed_at, "medium", where)))
    lines.append(" · ".join(dates))
    if cycle.recorded is not None:
        lines.append(recorded_line(cycle.recorded))
    if c is not None:
        lines.append(certificate_line(c, now, where))
    return lines


def recorded_line(recorded) -> str:
    """A completion recorded by hand in one sentence: the day, hours, reason and evidence file."""
    parts = [_("Recorded completion (training done elsewhere) on %(date)s",
               date=when.format_date(recorded.completed_on, "medium"))]
    if recorded.hours is not None:
        parts.append(_("%(hours)s hours", hours=number(recorded.hours)))
    parts.append(_("reason: %(reason)s", reason=recorded.reason))
    if recorded.evidence_name:
        parts.append(_("evidence: %(name)s", name=recorded.evidence_name))
    return ", ".join(parts)



def certificate_line(certificate, now: datetime, where: ZoneInfo) -> str:
    """A certificate in one sentence: code, issue date, expiry and state."""
    parts = [_("Certificate %(code)s", code=certificate.code),
             _("issued %(date)s", date=when.format_date(certificate.issued_at, "medium", where))]
    if certificate.expires_at is not None:
        parts.append(_("valid until %(date)s", date=when.format_date(certificate.expires_at, "medium", where)))
    parts.append(str(CERTIFICATE_STATES[certificate.status(now)]))
    return ", ".join(parts)


def render_record_pdf(record: TrainingRecord, now: datetime, where: ZoneInfo, institution_name: str | None) -> bytes:
    """The record as the bytes of a PDF: the person, when it was made (in `where`, named), each course with
    its cycles, then the certificates."""
    person = record.person
    title = _("Training record")
    body: list[tuple[str, str]] = []  # (style, text)
    body.append(("name", person.name))
    if institution_name:
        body.append(("muted", _("Institution: %(name)s", name=institution_name)))
    body.append(("muted", _("Made on %(when)s. Dates are in the zone %(zone)s.",
                            when=when.format_datetime(now, "long", where), zone=when.zone_label(where, now))))
    body.append(("heading", _("Courses")))
    if not record.courses:
        body.append(("text", _("No enrolments.")))
    for course in record.courses:
        body.append(("course", course.course.title))
        for cycle in course.cycles:
            lines = cycle_lines(cycle, now, where)
            body.append(("cycle", lines[0]))
            body.extend(("text", line) for line in lines[1:])
    body.append(("heading", _("Certificates")))
    if not record.certificates:
        body.append(("text", _("No certificates.")))
    for certificate in record.certificates:
        body.append(("course", certificate.course_title))
        body.append(("text", certificate_line(certificate, now, where)))

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(True, margin=_MARGIN)
    family = add_fonts(pdf, " ".join([title, *(text for _style, text in body)]))
    pdf.set_title(f"{title}: {person.name}")
    pdf.set_creator(_PRODUCER)
    pdf.set_producer(_PRODUCER)
    pdf.set_creation_date(now)
    pdf.add_page()
    width = pdf.w - 2 * _MARGIN
    _write(pdf, family, width, title, 20, True, _ACCENT, after=2)
    styles = {"name": (16, True, _INK, 2, 1), "muted": (10, False, _MUTED, 0, 0), "heading": (14, True, _ACCENT, 6, 1),
              "course": (12, True, _INK, 4, 0), "cycle": (10.5, True, _INK, 1.5, 0), "text": (10, False, _INK, 0, 0)}
    for style, text in body:
        size, bold, color, before, after = styles[style]
        pdf.set_y(pdf.get_y() + before)
        _write(pdf, family, width, text, size, bold, color, after)
    return bytes(pdf.output())


def _write(pdf: FPDF, family: str, width: float, text: str, size: float, bold: bool, color, after: float = 0) -> None:
    pdf.set_font(family, "B" if bold else "", size)
    pdf.set_text_color(*color)
    pdf.set_x(_MARGIN)
    pdf.multi_cell(width, size * 0.3528 * 1.4, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if after:
        pdf.set_y(pdf.get_y() + after)
