"""The report filters, shared by the pages, the exports and the API.

Every filter narrows the set of enrolments the figures are computed from. Periods are whole days
in UTC, both ends included. The viewer's scope (a coordinator's own institution) is not a filter:
it is applied by `lms.core.permissions.report_scope` whatever the filters say.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta

FILTER_NAMES = ("course", "institution", "country", "enrolled_from", "enrolled_to", "completed_from", "completed_to")
DATE_FILTERS = ("enrolled_from", "enrolled_to", "completed_from", "completed_to")


@dataclass(frozen=True)
class ReportFilters:
    """What to count: a course slug, an institution code, a country code, enrolment and completion periods."""

    course: str | None = None
    institution: str | None = None
    country: str | None = None
    enrolled_from: date | None = None
    enrolled_to: date | None = None
    completed_from: date | None = None
    completed_to: date | None = None

    def as_dict(self) -> dict:
        """The filters that are set, as plain JSON values (for the audit log and links)."""
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(self).items() if v}

    def replace(self, **changes) -> ReportFilters:
        """A copy with some filters changed."""
        return ReportFilters(**{**asdict(self), **changes})


def day_start(day: date) -> datetime:
    """The first moment of `day`, in UTC."""
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def day_after(day: date) -> datetime:
    """The first moment after `day` ends, in UTC (periods include their last day)."""
    if day >= date.max:
        return datetime.max.replace(tzinfo=UTC)
    return day_start(day + timedelta(days=1))


class FilterError(ValueError):
    """A filter value that cannot be understood; `errors` maps each filter name to a code."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def parse_filters(args) -> ReportFilters:
    """ReportFilters from query-string values (a mapping of str); raises FilterError on a bad value."""
    values: dict = {}
    errors: dict[str, str] = {}
    for name in FILTER_NAMES:
        raw = (args.get(name) or "").strip()
        if not raw:
            continue
        if name in DATE_FILTERS:
            try:
                values[name] = date.fromisoformat(raw)
            except ValueError:
                errors[name] = "date_invalid"
            continue
        if len(raw) > 80:
            errors[name] = "too_long"
            continue
        if any(ord(ch) < 32 for ch in raw):
            errors[name] = "invalid"
            continue
        values[name] = raw.upper() if name == "country" else raw
    for start, end in (("enrolled_from", "enrolled_to"), ("completed_from", "completed_to")):
        if values.get(start) and values.get(end) and values[start] > values[end]:
            errors[end] = "period_reversed"
    if errors:
        raise FilterError(errors)
    return ReportFilters(**values)
