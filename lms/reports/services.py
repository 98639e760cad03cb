"""Writes of the reports: the audit record of every export (who, what, which filters, how many rows).

Export actions all start with "export." so that the personal-data pages can list them by prefix:
export.completion_report, export.drilldown, export.enrolments, export.expiring_certificates, export.run_report.
"""
from __future__ import annotations

from lms.audit import services as audit
from lms.extensions import db
from lms.reports.filters import ExpiringFilters, ReportFilters

EXPORT_ACTIONS = ("export.completion_report", "export.drilldown", "export.enrolments", "export.expiring_certificates",
                  "export.run_report")


def record_export(actor, action: str, fmt: str, filters: ReportFilters | ExpiringFilters, rows: int, *, via: str = "page",
                  institution_id: int | None = None) -> None:
    """Audit an export before (CSV) or as (XLSX) it leaves; `via` is "page" or "api"."""
    if action not in EXPORT_ACTIONS:
        raise ValueError(action)
    if institution_id is None and actor is not None and actor.role == "coordinator":
        institution_id = actor.institution_id
    audit.record(action, actor=actor, institution_id=institution_id, format=fmt, filters=filters.as_dict(),
                 rows=rows, via=via)
    db.session.commit()
