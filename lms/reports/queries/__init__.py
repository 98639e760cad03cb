"""Named reads of the reports, all built on `facts.facts` and aggregated in SQL:

- `completion`: the completion report with its totals (one statement), per institution, per month;
- `enrolments`: the trainee rows of the drill-down, the enrolments export and the API;
- `expiring`: the expiring certificates page and its exports;
- `runs`: the per-run view (enrolled, waiting, completed, on time, late, overdue per course run).

Each takes `scope`, the SQL condition on the enrolled trainee of what the reader may see
(`lms.access.report_scope`). The institutions, countries and courses to filter by are the
institutions' and the catalogue's own reads.

Callers use `lms.reports.queries.<name>`; the names are re-exported here.
"""
from lms.reports.queries.common import (  # noqa: F401
    MAX_PAGE,
    MAX_PER_PAGE,
    PER_PAGE,
    _number,
    _percent,
)
from lms.reports.queries.completion import (  # noqa: F401
    CompletionReport,
    CompletionRow,
    InstitutionRate,
    completion_rates_by_institution,
    completion_report,
    completion_totals,
    completions_per_month,
    count_completion_rows,
)
from lms.reports.queries.enrolments import (  # noqa: F401
    SORTS,
    EnrolmentRow,
    Page,
    count_enrolments,
    count_export_enrolments,
    enrolment_export_batches,
    enrolment_page,
    enrolment_rows_query,
    stream_enrolments,
    to_enrolment_row,
)
from lms.reports.queries.runs import RunRow, run_report  # noqa: F401
from lms.reports.queries.expiring import (  # noqa: F401
    EXPIRING_SORTS,
    ExpiringRow,
    count_expiring,
    expiring_page,
    expiring_query,
    stream_expiring,
)
from lms.reports.queries.jobs import RECENT, export_job, export_jobs_of, export_jobs_to_prune  # noqa: F401
