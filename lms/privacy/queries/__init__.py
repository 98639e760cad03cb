"""Named reads of the privacy feature: the notice text, everything held about one person, the log of
personal-data exports, and what a retention run would remove.

`personal_data` answers a data-subject access request: every kind of record the platform holds
about a user, as flat rows (one list per kind, so the JSON and the CSV files carry the same), in a
fixed number of queries. It names nobody else: who else acted on the records is given as
"you", "staff" or "system", never as an id or a name.

- `notice`: the notice's file and text for a language, and whether a person is sent to it after signing in;
- `personal`: everything held about one person (`personal_data`, its `KINDS`) and their evidence files;
- `records`: the ids of a person's records by table (for anonymisation) and the audit events about them;
- `exports`: the log of personal-data exports (`export_log`);
- `retention`: the SQL conditions of what a retention run removes, and `count_where`.

Callers use `lms.privacy.queries.<name>`; the names are re-exported here.
"""
from lms.privacy.queries.exports import (  # noqa: F401
    EXPORT_ACTION_PREFIX,
    PER_PAGE,
    ExportRow,
    export_log,
)
from lms.privacy.queries.notice import (  # noqa: F401
    NOTICE_DIR,
    needs_acknowledgement,
    notice_markdown,
    notice_path,
)
from lms.privacy.queries.personal import (  # noqa: F401
    EVIDENCE_FOLDER,
    KINDS,
    evidence_file_name,
    evidence_files,
    personal_data,
)
from lms.privacy.queries.records import about_user, records_of  # noqa: F401
from lms.privacy.queries.retention import (  # noqa: F401
    EXPIRED_REASON,
    calendar_feeds_to_delete,
    cancelled_sign_ups_to_delete,
    count_where,
    expired_audit_events,
    notifications_to_delete,
    outbox_messages_to_delete,
    raw_answers_to_clear,
    recorded_reasons_to_clear,
    recovery_codes_to_delete,
    sessions_to_delete,
    withdrawal_reasons_to_clear,
)
