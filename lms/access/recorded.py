"""Who may record completions of training done elsewhere, issue their certificates, and read their evidence."""
from __future__ import annotations

from lms.access.people import can_manage_user
from lms.access.rules import ADMIN, COORDINATOR, TRAINEE, has_role, is_admin, rule, signed_in


@rule
def can_record_completions(user) -> bool:
    """May open the pages that record completions (by hand, from a file): admins and coordinators."""
    return has_role(user, ADMIN, COORDINATOR)


@rule
def can_record_completion(user, person) -> bool:
    """May record a completion for `person`: a trainee's account, not anonymised; admins anyone's,
    coordinators their institution's trainees'."""
    return (person is not None and person.role == TRAINEE and person.anonymised_at is None
            and can_manage_user(user, person))


@rule
def can_issue_recorded_certificate(user) -> bool:
    """May have a certificate issued for a recorded completion (admins; a coordinator's recording issues none)."""
    return is_admin(user)


@rule
def can_view_evidence(user, enrolment) -> bool:
    """May download the evidence of a recorded completion: its person, admins, and the coordinators of the
    person's institution."""
    if not signed_in(user) or enrolment is None:
        return False
    return user.id == enrolment.user_id or can_manage_user(user, enrolment.user)
