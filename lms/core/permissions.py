"""Who may do what: every access decision of the platform, as functions of (user, object).

Views use them through `require`, templates as Jinja tests (`{% if current_user is
can_manage_users %}`), the CLI and API the same. Institution scoping is decided here too:
`visible_users` gives the SQL condition for the users a person may see, so no query has to
remember it.
"""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user
from sqlalchemy import false, true

ADMIN, COORDINATOR, INSTRUCTOR, TRAINEE = "admin", "coordinator", "instructor", "trainee"


def _signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def is_admin(user) -> bool:
    """An active admin."""
    return _signed_in(user) and user.role == ADMIN


def can_manage_users(user) -> bool:
    """May open the people pages at all (admins; coordinators for their own trainees)."""
    return _signed_in(user) and user.role in (ADMIN, COORDINATOR)


def can_manage_user(user, target) -> bool:
    """May edit, deactivate or issue a set-password link for `target`."""
    if is_admin(user):
        return True
    return (
        _signed_in(user)
        and user.role == COORDINATOR
        and target.role == TRAINEE
        and target.institution_id is not None
        and target.institution_id == user.institution_id
    )


def assignable_roles(user) -> tuple[str, ...]:
    """The roles `user` may give to an account."""
    if is_admin(user):
        return (TRAINEE, INSTRUCTOR, COORDINATOR, ADMIN)
    if can_manage_users(user):
        return (TRAINEE,)
    return ()


def can_assign(user, role: str, institution_id: int | None) -> bool:
    """May create or move an account to this role and institution."""
    if is_admin(user):
        return True
    return role in assignable_roles(user) and institution_id == user.institution_id


def can_manage_institutions(user) -> bool:
    """May create and edit institutions."""
    return is_admin(user)


def can_view_institution(user, institution) -> bool:
    """May see an institution's people and figures."""
    if is_admin(user):
        return True
    return _signed_in(user) and user.role == COORDINATOR and user.institution_id == institution.id


def staff_role(user, course) -> str | None:
    """The user's role in the course's staff ("owner", "instructor") or None."""
    if not _signed_in(user) or course is None or course.id is None:
        return None
    from sqlalchemy import select

    from lms.catalog.models import CourseStaff
    from lms.extensions import db

    return db.session.scalar(select(CourseStaff.role).where(CourseStaff.course_id == course.id,
                                                            CourseStaff.user_id == user.id))


def can_create_course(user) -> bool:
    """May create courses and upload packages (admins and instructors)."""
    return is_admin(user) or (_signed_in(user) and user.role == INSTRUCTOR)


def can_edit_course(user, course) -> bool:
    """May change a course's content and settings: admins, and instructors on its staff."""
    if is_admin(user):
        return True
    return _signed_in(user) and user.role == INSTRUCTOR and staff_role(user, course) is not None


def can_manage_staff(user, course) -> bool:
    """May add and remove a course's staff: admins and the course's owners."""
    return is_admin(user) or (_signed_in(user) and user.role == INSTRUCTOR and staff_role(user, course) == "owner")


def can_view_course(user, course) -> bool:
    """May open a course page: published and archived ones for all (archived ones are out of the
    catalogue but their trainees keep access), drafts for their editors."""
    if course.status in ("published", "archived"):
        return True
    return can_edit_course(user, course)


def visible_users(user):
    """SQL condition on `User` for the accounts `user` may list and open."""
    from lms.auth.models import User

    if is_admin(user):
        return true()
    if can_manage_users(user):
        return (User.institution_id == user.institution_id) & (User.role == TRAINEE)
    return false()


def visible_institutions(user):
    """SQL condition on `Institution` for the institutions `user` may see."""
    from lms.institutions.models import Institution

    if is_admin(user):
        return true()
    if _signed_in(user) and user.role == COORDINATOR:
        return Institution.id == user.institution_id
    return false()


def require(check, *objects):
    """403 unless `check(current_user, *objects)` holds; for use inside views. Anonymous visitors
    are sent to the sign-in page instead."""
    if not check(current_user, *objects):
        if not current_user.is_authenticated:
            from lms.extensions import login_manager

            abort(login_manager.unauthorized())
        abort(403)


def requires(check):
    """View decorator: 403 unless `check(current_user)` holds (sign-in is asked for first)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from lms.extensions import login_manager

                return login_manager.unauthorized()
            require(check)
            return view(*args, **kwargs)

        return wrapped

    return decorator




def can_enrol_others(user, trainee) -> bool:
    """May enrol `trainee` in a course (admins; coordinators for their own institution's trainees)."""
    return trainee.role == TRAINEE and trainee.active and can_manage_user(user, trainee)


def can_set_enrolment_key(user, course) -> bool:
    """May set or clear a course's enrolment key."""
    return is_admin(user)


def can_view_certificate(user, certificate) -> bool:
    """May download a certificate: its holder, admins, and the coordinator of the holder's institution."""
    if not _signed_in(user):
        return False
    if user.id == certificate.user_id or is_admin(user):
        return True
    holder = certificate.holder
    return user.role == COORDINATOR and holder is not None and holder.institution_id == user.institution_id


def can_revoke_certificate(user, certificate) -> bool:
    """May revoke a certificate."""
    return is_admin(user)


def can_view_feedback(user, course) -> bool:
    """May read a course's feedback summary: its editors; coordinators see their own institution's part."""
    return is_admin(user) or (_signed_in(user) and user.role == COORDINATOR) or can_edit_course(user, course)


def feedback_scope(user):
    """SQL condition on `User` (the trainee who gave feedback) for whose feedback `user` may read."""
    from lms.auth.models import User

    if is_admin(user) or (_signed_in(user) and user.role == INSTRUCTOR):
        return true()
    if _signed_in(user) and user.role == COORDINATOR:
        return User.institution_id == user.institution_id
    return false()


def owns_enrolment(user, enrolment) -> bool:
    """The enrolment is the signed-in user's own."""
    return _signed_in(user) and enrolment is not None and enrolment.user_id == user.id


def can_view_audit_log(user) -> bool:
    """May read the audit log (admins); nobody may change it through the app."""
    return is_admin(user)


JINJA_TESTS = {
    "admin": is_admin,
    "can_manage_users": can_manage_users,
    "can_manage_user": can_manage_user,
    "can_manage_institutions": can_manage_institutions,
    "can_edit_course": can_edit_course,
    "can_view_feedback": can_view_feedback,
    "can_create_course": can_create_course,
    "can_manage_staff": can_manage_staff,
    "can_view_audit_log": can_view_audit_log,
}


# --- Reports, exports, bulk enrolment and the API (issue 6) ---

def can_view_reports(user) -> bool:
    """May open the reports at all: admins (every institution) and coordinators (their own)."""
    return _signed_in(user) and (user.role == ADMIN or (user.role == COORDINATOR and user.institution_id is not None))


def can_view_institution_reports(user, institution) -> bool:
    """May see the figures and trainee lists of `institution` in reports, exports and the API."""
    return can_view_reports(user) and can_view_institution(user, institution)


def report_scope(user):
    """SQL condition on `User` (the enrolled trainee) for whose enrolments `user` may see in reports.

    Coordinators see their own institution's trainees whatever the request asks for; admins see all.
    """
    from lms.auth.models import User

    if is_admin(user):
        return true()
    if can_view_reports(user):
        return User.institution_id == user.institution_id
    return false()


def can_bulk_enrol(user) -> bool:
    """May upload a file of trainees to create and enrol (admins; coordinators for their institution)."""
    return can_view_reports(user)


def can_bulk_enrol_into(user, institution) -> bool:
    """May bulk-enrol trainees of `institution`."""
    return can_bulk_enrol(user) and institution is not None and can_view_institution(user, institution)


def can_use_api_tokens(user) -> bool:
    """May create personal access tokens for the API (every signed-in user; the token acts as them)."""
    return _signed_in(user)


def can_view_enrolments_of(user, trainee) -> bool:
    """May read a trainee's enrolments through the API: the trainee, admins, the trainee's coordinator."""
    if not _signed_in(user) or trainee is None:
        return False
    return user.id == trainee.id or is_admin(user) or can_manage_user(user, trainee)


JINJA_TESTS.update({
    "can_view_reports": can_view_reports,
    "can_bulk_enrol": can_bulk_enrol,
})


# --- privacy (lms/privacy) ---------------------------------------------------------------------------

def can_anonymise_user(user, target) -> bool:
    """May anonymise a departed officer: admins anyone but themselves; coordinators their institution's trainees."""
    return (target is not None and getattr(target, "anonymised_at", None) is None
            and getattr(user, "id", None) != target.id and can_manage_user(user, target))


def can_change_account(user, target) -> bool:
    """May change an account's details or issue it a set-password link (never an anonymised one)."""
    return can_manage_user(user, target) and getattr(target, "anonymised_at", None) is None


def can_download_own_data(user) -> bool:
    """May download everything the platform holds about oneself (every signed-in user)."""
    return _signed_in(user)


def can_view_export_log(user) -> bool:
    """May read the report of who exported personal data and when (admins)."""
    return is_admin(user)


JINJA_TESTS.update({
    "can_anonymise_user": can_anonymise_user,
    "can_change_account": can_change_account,
    "can_view_export_log": can_view_export_log,
})
