"""The admins' page of the job queue: what waits, and the jobs that failed every try, with a retry button."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.access import can_manage_jobs, requires
from lms.jobs import queries, services
from lms.jobs.queue import queue_figures

bp = Blueprint("jobs", __name__, template_folder="templates", url_prefix="/admin/jobs")


@bp.route("/")
@requires(can_manage_jobs)
def index():
    """The queue's figures and the failed jobs, newest first (those not retried yet with ?waiting=1)."""
    waiting_only = request.args.get("waiting") == "1"
    page = max(1, min(request.args.get("page", 1, type=int), 10_000))
    rows, total = queries.failed_jobs(page, waiting_only)
    try:
        figures = queue_figures()
    except Exception:  # noqa: BLE001 - the queue's store is down: the page says so and still lists failures
        figures = None
    return render_template("jobs/index.html", rows=rows, total=total, page=page, per_page=queries.PAGE,
                           figures=figures, waiting_only=waiting_only)


@bp.route("/<int:job_id>/retry", methods=["POST"])
@requires(can_manage_jobs)
def retry(job_id: int):
    """Queue a failed job again, with its arguments and all its retries (CSRF checked as on every POST)."""
    failed = queries.failed_job(job_id)
    if failed is None:
        abort(404)
    try:
        services.retry(failed, current_user)
    except services.UnknownJob:
        flash(_("This job no longer exists in this version of the platform; it cannot be retried."), "error")
    else:
        flash(_("The job is queued again."), "success")
    return redirect(url_for("jobs.index"))
