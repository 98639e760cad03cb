"""Withdrawal: withdrawing an enrolment with a reason, and restoring a withdrawn one."""
from __future__ import annotations

from lms.audit import services as audit
from lms.core import clock, signals
from lms.extensions import db
from lms.learning.models import Enrolment
from lms.learning.services.common import EnrolmentError
from lms.learning.services.completing import check_completion

WITHDRAWAL_REASON_MAX = 1000  # characters; the reason is shown on the record and kept in the audit log


def clean_withdrawal_reason(reason: str | None) -> str:
    """The reason with its spaces trimmed; EnrolmentError("reason_required") when empty,
    ("reason_too_long") past WITHDRAWAL_REASON_MAX characters."""
    reason = (reason or "").strip()
    if not reason:
        raise EnrolmentError("reason_required")
    if len(reason) > WITHDRAWAL_REASON_MAX:
        raise EnrolmentError("reason_too_long")
    return reason


def withdraw(enrolment: Enrolment, reason: str, actor) -> None:
    """Withdraw an enrolment, saying why; audited as "enrolment.withdrawn" with the reason.

    The trainee keeps what they did (progress, attempts, certificates: a certificate stays valid unless
    revoked on its own) but may start no new quiz attempt until the enrolment is restored. Whether
    `actor` may withdraw it (completed ones: admins only) is decided by the caller
    (`lms.access.can_withdraw_enrolment`).
    """
    if enrolment.status == "withdrawn":
        raise EnrolmentError("already_withdrawn")
    reason = clean_withdrawal_reason(reason)
    previous = enrolment.status
    enrolment.status, enrolment.withdrawn_at, enrolment.withdrawal_reason = "withdrawn", clock.now(), reason
    audit.record("enrolment.withdrawn", actor=actor, target=enrolment, institution_id=enrolment.user.institution_id,
                 course=enrolment.course.slug, cycle=enrolment.cycle, was=previous, reason=reason)
    db.session.flush()
    signals.place_freed.send("learning", enrolment=enrolment, actor=actor)
    db.session.commit()


def restore(enrolment: Enrolment, actor) -> None:
    """Undo a withdrawal; audited as "enrolment.restored". See `restore_withdrawn`."""
    if enrolment.status != "withdrawn":
        raise EnrolmentError("not_withdrawn")
    restore_withdrawn(enrolment, actor)
    db.session.commit()


def restore_withdrawn(enrolment: Enrolment, actor, due: dict | None = None, placement: dict | None = None) -> None:
    """The work of `restore` without the commit (re-enrolling a withdrawn enrolment does it too): the same
    cycle becomes "completed" again if it was completed, else "active" (and may then complete, if its
    course's rule is now met); the withdrawal's date and reason are cleared (the audit log keeps them).
    `due` (`due_columns`), when given, moves the due date as well; `placement` (`placement_columns`) its
    place in a run. The trainee is told (signal `enrolments_restored`). The caller commits."""
    withdrawn_at = enrolment.withdrawn_at
    reinstate(enrolment, due)
    for column, value in (placement or {}).items():
        setattr(enrolment, column, value)
    audit.record_many([enrolment_restored(enrolment.id, enrolment.user.institution_id, enrolment.course.slug,
                                          enrolment.cycle, actor)], "enrolment")
    db.session.flush()
    check_completion(enrolment, enrolment.course)
    signals.enrolments_restored.send("learning", restored=[(enrolment.id, withdrawn_at)])  # told, in this unit


def reinstate(enrolment: Enrolment, due: dict | None = None) -> None:
    """The columns of a restored enrolment (one at a time and in bulk): its status back, the withdrawal
    cleared, the due date moved when one is given. The caller records `enrolment_restored` and commits."""
    enrolment.status = "completed" if enrolment.completed_at is not None else "active"
    enrolment.withdrawn_at = enrolment.withdrawal_reason = None
    for column, value in (due or {}).items():
        setattr(enrolment, column, value)


def enrolment_restored(enrolment_id: int, institution_id: int | None, course_slug: str, cycle: int, actor) -> dict:
    """The audit event of a withdrawn enrolment restored (by hand or by enrolling again)."""
    return audit.event_row("enrolment.restored", actor, "enrolments", enrolment_id, institution_id,
                           course=course_slug, cycle=cycle)
