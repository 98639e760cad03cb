"""Who may see reports and export them, enrol in bulk, and read enrolments through the API.

`report_scope` is the SQL condition on the enrolled trainee that every report, export and API
answer applies, whatever the filters ask for.
"""
from __future__ import annotations

from flask import abort
from sqlalchemy import false, true

from lms.access.people import can_manage_user, can_view_institution
from lms.access.rules import ADMIN, COORDINATOR, is_admin, rule, signed_in
from lms.auth.models import User
from lms.reports.queries.jobs import export_job


@rule
def can_view_reports(user) -> bool:
    """May open the reports at all: admins (every institution) and coordinators (their own)."""
    return signed_in(user) and (user.role == ADMIN or (user.role == COORDINATOR and user.institution_id is not None))


@rule
def can_view_institution_reports(user, institution) -> bool:
    """May see the figures and trainee lists of `institution` in reports, exports and the API."""
    return can_view_reports(user) and can_view_institution(user, institution)


def report_scope(user):
    """SQL condition on `User` (the enrolled trainee) for whose enrolments `user` may see in reports.

    Coordinators see their own institution's trainees whatever the request asks for; admins see all.
    """
    if is_admin(user):
        return true()
    if can_view_reports(user):
        return User.institution_id == user.institution_id
    return false()


@rule
def can_bulk_enrol(user) -> bool:
    """May upload a file of trainees to create and enrol (admins; coordinators for their institution)."""
    return can_view_reports(user)


@rule
def can_bulk_enrol_into(user, institution) -> bool:
    """May bulk-enrol trainees of `institution`."""
    return can_bulk_enrol(user) and institution is not None and can_view_institution(user, institution)


@rule
def can_view_enrolments_of(user, trainee) -> bool:
    """May read a trainee's enrolments through the API: the trainee, admins, the trainee's coordinator."""
    if not signed_in(user) or trainee is None:
        return False
    return user.id == trainee.id or is_admin(user) or can_manage_user(user, trainee)


def own_export_or_404(user, job_id: int):
    """The export job named in the URL if `user` asked for it, else 404: an export's file holds personal data and
    is its maker's alone; anyone else, admins included, finds nothing there, as for an id that does not exist."""
    job = export_job(job_id)
    if job is None or not signed_in(user) or job.user_id != user.id:
        abort(404)
    return job
