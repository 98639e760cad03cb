"""Named reads of failed jobs (the admins' page)."""
from __future__ import annotations

from sqlalchemy import func, select

from lms.extensions import db
from lms.jobs.models import FailedJob

PAGE = 50


def failed_jobs(page: int = 1, waiting_only: bool = False) -> tuple[list[FailedJob], int]:
    """One page of failed jobs, newest first, and how many there are (those not retried yet with `waiting_only`)."""
    query = select(FailedJob)
    if waiting_only:
        query = query.where(FailedJob.retried_at.is_(None))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(FailedJob.failed_at.desc(), FailedJob.id.desc())
                              .limit(PAGE).offset((page - 1) * PAGE)).all()
    return rows, total


def failed_job(job_id: int) -> FailedJob | None:
    """One failed job by its id."""
    return db.session.get(FailedJob, job_id)


def failures_waiting() -> int:
    """How many failed jobs nobody has retried yet."""
    return db.session.scalar(select(func.count()).select_from(FailedJob).where(FailedJob.retried_at.is_(None)))
