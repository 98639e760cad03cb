"""The job queue (Huey) and the failures kept for admins: see lms.jobs.queue.

Features declare their jobs with `@job` / `@periodic` and queue them with `enqueue` or `after_commit`.
"""
from lms.jobs.queue import after_commit, crontab, enqueue, job, periodic, run_pending

__all__ = ["after_commit", "crontab", "enqueue", "job", "periodic", "run_pending"]
