"""Writes of a trainee's learning: enrolling, lessons viewed and activity, completion and certificates, withdrawal.

- `enrolling`: enrolling (`enrol`, `prepare_enrolment`) and the one writer of enrolments' columns in bulk
  (`new_enrolment`, `insert_enrolments`), due dates (`due_columns`, `set_due`, `recompute_due`), course-run
  placement, their audit events, and the course's enrolment key;
- `completing`: completing enrolments (`check_completion`, `complete_enrolment`, `reevaluate_course`), the one
  writer of certificates (`issue_certificate`), their expiry and revocation, and end-of-course feedback;
- `progress`: lessons viewed (`record_lesson_view`, `first_view`) and the enrolment's activity (`touch`);
- `withdrawal`: withdrawing an enrolment and restoring a withdrawn one;
- `events`: learning's answers to the events of the features below (`connect_signals`);
- `common`: `EnrolmentError`.

Callers use `lms.learning.services.<name>`; the names are re-exported here.
"""
from lms.learning.services.common import EnrolmentError  # noqa: F401
from lms.learning.services.completing import (  # noqa: F401
    add_months,
    certificate_expired,
    check_completion,
    complete_enrolment,
    issue_certificate,
    log,
    new_certificate_code,
    reevaluate_course,
    revoke_certificate,
    save_feedback,
)
from lms.learning.services.enrolling import (  # noqa: F401
    current_enrolment,
    due_changed,
    due_columns,
    due_is_past,
    enrol,
    enrolment_action,
    enrolment_created,
    insert_enrolments,
    new_enrolment,
    placement_columns,
    prepare_enrolment,
    recompute_due,
    set_due,
    set_enrolment_key,
)
from lms.learning.services.events import connect_signals  # noqa: F401
from lms.learning.services.progress import (  # noqa: F401
    LOOK_UP,
    VIEW_RECORD_INTERVAL,
    first_view,
    record_lesson_view,
    touch,
)
from lms.learning.services.withdrawal import (  # noqa: F401
    WITHDRAWAL_REASON_MAX,
    clean_withdrawal_reason,
    enrolment_restored,
    reinstate,
    restore,
    restore_withdrawn,
    withdraw,
)
