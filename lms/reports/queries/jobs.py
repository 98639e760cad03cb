"""Named reads of export jobs (`ExportJob`): one by its id, a person's recent ones, those retention removes."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from lms.extensions import db
from lms.reports.models import ExportJob

#: How many of a person's exports their list shows, newest first.
RECENT = 50


def export_job(job_id: int) -> ExportJob | None:
    """One export job by its id (whose it is, the caller checks: `lms.access.own_export_or_404`)."""
    return db.session.get(ExportJob, job_id)


def export_jobs_of(user_id: int, limit: int = RECENT) -> list[ExportJob]:
    """A person's export jobs, newest first."""
    return list(db.session.scalars(select(ExportJob).where(ExportJob.user_id == user_id)
                                   .order_by(ExportJob.created_at.desc(), ExportJob.id.desc()).limit(limit)))


def export_jobs_to_prune(before: datetime):
    """SQL condition on `ExportJob` for the rows a retention run deletes: made before `before` and ended
    without a file left (expired or failed)."""
    return (ExportJob.created_at < before) & ExportJob.status.in_(("expired", "failed"))
