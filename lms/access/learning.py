"""Who may enrol others, read certificates and feedback, and act on an enrolment."""
from __future__ import annotations

from sqlalchemy import false, true

from lms.access.courses import can_edit_course
from lms.access.people import can_manage_user
from lms.access.rules import COORDINATOR, INSTRUCTOR, TRAINEE, has_role, is_admin, rule, signed_in
from lms.auth.models import User


@rule
def can_enrol_others(user, trainee) -> bool:
    """May enrol `trainee` in a course (admins; coordinators for their own institution's trainees)."""
    return trainee.role == TRAINEE and trainee.active and can_manage_user(user, trainee)


@rule
def can_view_certificate(user, certificate) -> bool:
    """May download a certificate: its holder, admins, and the coordinator of the holder's institution."""
    if not signed_in(user):
        return False
    if user.id == certificate.user_id or is_admin(user):
        return True
    holder = certificate.holder
    return user.role == COORDINATOR and holder is not None and holder.institution_id == user.institution_id


@rule
def can_revoke_certificate(user, certificate) -> bool:
    """May revoke a certificate."""
    return is_admin(user)


@rule
def can_view_feedback(user, course) -> bool:
    """May read a course's feedback summary: its editors; coordinators see their own institution's part."""
    return is_admin(user) or has_role(user, COORDINATOR) or can_edit_course(user, course)


def feedback_scope(user):
    """SQL condition on `User` (the trainee who gave feedback) for whose feedback `user` may read."""
    if is_admin(user) or has_role(user, INSTRUCTOR):
        return true()
    if has_role(user, COORDINATOR):
        return User.institution_id == user.institution_id
    return false()


@rule
def owns_enrolment(user, enrolment) -> bool:
    """The enrolment is the signed-in user's own."""
    return signed_in(user) and enrolment is not None and enrolment.user_id == user.id


@rule
def can_view_record(user, person) -> bool:
    """May read and download a person's training record: the person themselves; admins; the coordinator of
    the person's institution for its trainees (the people they manage)."""
    if not signed_in(user) or person is None:
        return False
    return user.id == person.id or can_manage_user(user, person)


@rule
def can_withdraw_enrolment(user, enrolment) -> bool:
    """May withdraw an enrolment that is not withdrawn yet: admins any; the trainee's coordinator only one
    that is not completed (a completed, certified enrolment is an admin's decision)."""
    if enrolment is None or enrolment.status == "withdrawn" or not can_manage_user(user, enrolment.user):
        return False
    return is_admin(user) or (enrolment.status == "active" and enrolment.completed_at is None)


@rule
def can_restore_enrolment(user, enrolment) -> bool:
    """May restore a withdrawn enrolment: admins any; the trainee's coordinator one that was not completed."""
    if enrolment is None or enrolment.status != "withdrawn" or not can_manage_user(user, enrolment.user):
        return False
    return is_admin(user) or enrolment.completed_at is None


@rule
def can_keep_course(user, enrolment) -> bool:
    """May keep a course's lessons on their device for offline reading, and send the views made there: the
    trainee whose current enrolment it is, not withdrawn and not on a run's waiting list."""
    return (owns_enrolment(user, enrolment) and enrolment.is_current and enrolment.status != "withdrawn"
            and not enrolment.waiting)
