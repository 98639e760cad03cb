"""The exported columns: their stable names (part of the platform's interface, documented in the
coordinators' guide), kinds, getters and widths. Add columns at the end, never rename or reorder them.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """An exported column: its stable name, kind, getter and width. Kinds: text, int, number, date (a plain
    date, as it is), day (an instant's date in the viewer's zone), datetime (an instant in that zone).

    `digits`: a number column's values are rounded half up to that many decimals before they are
    written (as the report rounds them), so the CSV gives the same figure from a raw value."""

    name: str
    kind: str
    get: Callable
    width: int = 14
    digits: int | None = None


COMPLETION_COLUMNS = (
    Column("institution_code", "text", lambda r: r.institution_code, 14),
    Column("institution_name", "text", lambda r: r.institution_name, 34),
    Column("country", "text", lambda r: r.country, 8),
    Column("course_slug", "text", lambda r: r.course_slug, 22),
    Column("course_title", "text", lambda r: r.course_title, 34),
    Column("enrolled", "int", lambda r: r.enrolled, 10),
    Column("not_started", "int", lambda r: r.not_started, 12),
    Column("in_progress", "int", lambda r: r.in_progress, 12),
    Column("completed", "int", lambda r: r.completed, 11),
    Column("completion_rate_percent", "number", lambda r: r.completion_rate, 14),
    Column("pass_rate_percent", "number", lambda r: r.pass_rate, 12),
    Column("average_best_score_percent", "number", lambda r: r.average_best_score, 14),
    Column("median_days_to_completion", "number", lambda r: r.median_days, 14),
    Column("last_activity_at", "datetime", lambda r: r.last_activity_at, 18),
    Column("certified", "int", lambda r: r.certified, 10),
    Column("certification_expiring", "int", lambda r: r.expiring, 12),
    Column("certification_expired", "int", lambda r: r.expired, 12),
    Column("certification_revoked", "int", lambda r: r.revoked, 12),
    Column("never_certified", "int", lambda r: r.never, 12),
    Column("withdrawn", "int", lambda r: r.withdrawn, 10),
)

ENROLMENT_COLUMNS = (
    Column("institution_code", "text", lambda r: r.institution_code, 14),
    Column("institution_name", "text", lambda r: r.institution_name, 34),
    Column("country", "text", lambda r: r.country, 8),
    Column("course_slug", "text", lambda r: r.course_slug, 22),
    Column("course_title", "text", lambda r: r.course_title, 34),
    Column("trainee_name", "text", lambda r: r.name, 28),
    Column("trainee_email", "text", lambda r: r.email, 30),
    Column("status", "text", lambda r: r.state, 12),
    Column("progress_percent", "int", lambda r: r.progress, 10),
    Column("best_score_percent", "number", lambda r: r.course_score, 10, digits=1),
    Column("attempts", "int", lambda r: r.attempts, 9),
    Column("enrolled_on", "day", lambda r: r.enrolled_at, 12),
    Column("due_on", "date", lambda r: r.due_on, 12),
    Column("completed_on", "day", lambda r: r.completed_at, 12),
    Column("last_activity_at", "datetime", lambda r: r.last_activity_at, 18),
    Column("certificate_code", "text", lambda r: r.certificate_code, 26),
    Column("certification", "text", lambda r: r.certification, 12),
    Column("withdrawn_on", "day", lambda r: r.withdrawn_at, 12),
    Column("run_code", "text", lambda r: r.run_code, 12),
    Column("attendance_rate_percent", "number", lambda r: r.attendance_rate, 12, digits=1),
    Column("hours_attended", "number", lambda r: r.hours_attended, 10, digits=1),
)


EXPIRING_COLUMNS = (
    Column("institution_code", "text", lambda r: r.institution_code, 14),
    Column("institution_name", "text", lambda r: r.institution_name, 34),
    Column("trainee_name", "text", lambda r: r.name, 28),
    Column("trainee_email", "text", lambda r: r.email, 30),
    Column("course_slug", "text", lambda r: r.course_slug, 22),
    Column("course_title", "text", lambda r: r.course_title, 34),
    Column("certificate_code", "text", lambda r: r.certificate_code, 26),
    Column("issued_on", "date", lambda r: r.issued_on, 12),
    Column("expires_on", "date", lambda r: r.expires_on, 12),
    Column("expires_at", "text", lambda r: r.expires_iso, 26),
    Column("days_left", "int", lambda r: r.days_left, 10),
    Column("certification", "text", lambda r: r.certification, 12),
)


RUN_COLUMNS = (
    Column("course_slug", "text", lambda r: r.course_slug, 22),
    Column("course_title", "text", lambda r: r.course_title, 34),
    Column("run_code", "text", lambda r: r.run_code, 12),
    Column("run_title", "text", lambda r: r.run_title, 28),
    Column("starts_on", "date", lambda r: r.starts_on, 12),
    Column("ends_on", "date", lambda r: r.ends_on, 12),
    Column("cancelled", "text", lambda r: "yes" if r.cancelled else "", 10),
    Column("enrolled", "int", lambda r: r.enrolled, 10),
    Column("waiting", "int", lambda r: r.waiting, 10),
    Column("completed", "int", lambda r: r.completed, 11),
    Column("completion_rate_percent", "number", lambda r: r.completion_rate, 14),
    Column("completed_on_time", "int", lambda r: r.on_time, 12),
    Column("completed_late", "int", lambda r: r.late, 12),
    Column("overdue", "int", lambda r: r.overdue, 10),
    Column("attendance_rate_percent", "number", lambda r: r.attendance_rate, 12, digits=1),
    Column("hours_attended", "number", lambda r: r.hours_attended, 10, digits=1),
)
