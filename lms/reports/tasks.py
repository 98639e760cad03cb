"""The background jobs of the reports: writing an export too big for a request, and deleting the files whose
download time is over.

`run_export` acts for the person who asked, as a page would: it reads their rights again when it runs
(`lms.access.report_scope`; someone who may no longer see reports gets a failed job, not a file), reads
the filters they chose with the same schema as the export links, and writes the file with the same writer
as an immediate download (`lms.reports.downloads.write`). It is on the web floor for that reason: it asks
`lms.access`, which the domain floor below it may not.

A job that fails (an error while writing, the storage refusing the file) is marked failed with its error,
keeps no file, and is tried again by the queue; a retry starts from the first row. A job whose worker was
killed while it ran raised nothing and is not retried: it stops showing progress, and `fail_stalled_exports`
marks it failed.
"""
from __future__ import annotations

from lms.access import can_view_institution_reports, can_view_reports, report_scope, visible_institutions
from lms.auth.queries import user_by_id
from lms.catalog.queries import course_by_slug
from lms.core import when
from lms.institutions.queries import visible_institution
from lms.jobs import crontab, job, periodic
from lms.reports import downloads, queries, services
from lms.reports.filters import ReportFilterSchema, parse_expiring_filters, parse_filters


class ExportRefused(RuntimeError):
    """The export can no longer be written for this person (their rights, or what it named, are gone)."""


@job(retries=2, backoff=60)
def run_export(job_id: int) -> None:
    """Write export job `job_id`'s file for its maker; nothing to do when it is done already (a repeated run)."""
    export_job = queries.export_job(job_id)
    if export_job is None or export_job.status not in ("queued", "running", "failed"):
        return
    try:
        user = user_by_id(export_job.user_id)
        export = describe(user, export_job.kind, export_job.fmt, export_job.filters, export_job.params,
                          export_job.zone)
        services.start_export_job(export_job, export.count())
        file, rows = downloads.write(export, export_job.fmt, lambda done: services.record_progress(job_id, done))
        with file:
            name = downloads.file_name(export, export_job.fmt, rows)
            services.finish_export_job(export_job, file, name, rows, downloads.FORMATS[export_job.fmt].content_type)
        services.record_export(user, export.action, export_job.fmt, export.filters, rows, via="job",
                               institution_id=export.institution_id)
    except Exception as error:
        services.fail_export_job(job_id, f"{type(error).__name__}: {error}")
        raise  # the queue retries it, and keeps it for the admins' page after the last try


def describe(user, kind: str, fmt: str, filters: dict, params: dict, zone_name: str) -> downloads.Export:
    """The export a job row names, for `user` as they are now; ExportRefused when they may no longer have it."""
    if user is None or not user.active or not can_view_reports(user):
        raise ExportRefused("the person who asked may no longer export reports")
    zone = when.zone(zone_name) or when.parse_zone(zone_name)  # an IANA name, else an offset
    scope = report_scope(user)
    if kind == "expiring":
        parsed = parse_expiring_filters({k: str(v) for k, v in filters.items()})
        return downloads.expiring(scope, parsed, zone, params.get("sort", "expires"), bool(params.get("descending")))
    parsed = parse_filters({k: v for k, v in filters.items() if k != "zone"}, ReportFilterSchema, zone)
    if kind == "completion":
        return downloads.completion(scope, parsed)
    if kind == "runs":
        return downloads.runs(scope, parsed)
    if kind == "enrolments":
        return downloads.enrolments(scope, parsed, fmt)
    if kind == "drilldown":
        institution = visible_institution(visible_institutions(user), parsed.institution or "")
        course = course_by_slug(parsed.course or "")
        if institution is None or course is None or not can_view_institution_reports(user, institution):
            raise ExportRefused("the institution or the course of this export is gone from the person's sight")
        return downloads.drilldown(scope, institution, course, parsed)
    raise ExportRefused(f"unknown export kind {kind!r}")


@periodic(crontab(minute="*/15"))
def expire_exports() -> None:
    """Delete the export files whose download time is over (they hold personal data)."""
    services.expire_export_jobs()


@periodic(crontab(minute="*/5"))
def fail_stalled_exports() -> None:
    """Mark failed the export jobs left "running" by a worker that stopped (no progress for
    LMS_EXPORT_JOB_STALE_MINUTES), so that their makers see it and start them again."""
    services.fail_stalled_export_jobs()
