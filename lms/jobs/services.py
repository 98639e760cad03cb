"""The writers of failed jobs: keeping a job that failed its last retry, and queueing it again."""
from __future__ import annotations

import json

from lms.audit import services as audit
from lms.core import clock
from lms.extensions import db
from lms.jobs.models import FailedJob
from lms.jobs.queue import huey, task_by_name


class UnknownJob(LookupError):
    """The failed job's name is no longer a job of this version of the platform."""


def keep_failure(task: str, arguments, attempts: int, error: str) -> None:
    """Keep a job that failed every try (lms.jobs.queue calls this in an app context of its own)."""
    db.session.add(FailedJob(task=task, arguments=json.dumps(list(arguments or ()), default=str),
                             attempts=attempts, error=error, failed_at=clock.now()))
    db.session.commit()


def retry(failed: FailedJob, actor) -> None:
    """Queue a failed job again with its arguments and all its retries; audited."""
    task_class = task_by_name(failed.task)
    if task_class is None:
        raise UnknownJob(failed.task)
    failed.retried_at = clock.now()
    failed.retried_by_id = actor.id
    audit.record("job_retried", actor, failed, task=failed.task)
    db.session.commit()
    huey.enqueue(task_class(args=tuple(json.loads(failed.arguments))))
