"""The report filters: one schema that reads them for the pages, the exports and the API.

Every filter narrows the set of enrolments the figures are computed from. Periods are whole days
in the viewer's zone, both ends included (`lms.core.when.day_range`): the pages and exports use the
signed-in person's zone, the API a `tz` parameter (an IANA name or a UTC offset) or else the token
owner's zone. The viewer's scope (a coordinator's own institution) is not a filter:
it is applied by `lms.access.report_scope` whatever the filters say, so a well-formed
value the viewer may not see (another institution's code) simply matches nothing.

`ReportFilterSchema` is the one definition of what a filter value may be: a course slug of 1 to 80
characters, an institution code of 1 to 32, both without control characters; a two-letter country
code (upper-cased); a run code of 1 to 32 characters; dates as YYYY-MM-DD; a certification (one of `facts.CERTIFICATION`'s names:
certified, expiring, expired, revoked, never); `withdrawn=show` to list withdrawn enrolments (left
out of everything otherwise); `recorded=exclude` to leave out the completions recorded by hand for
training done elsewhere (lms.recorded; they count as completions otherwise); a period whose end comes before its start is refused (on
its end). Surrounding spaces are dropped and an empty value is no filter (the pages' "All courses"
sends one); unknown parameters are ignored. Every value's length is checked before anything else is
done with it, so reading filters takes time linear in a bounded input.

Each consumer answers a bad value its own way, with the schema's messages: the pages show them next
to their fields (`read_filters`), the exports answer 400 naming the parameters (`parse_filters`),
the API answers a 400 JSON naming them (`lms.api.schemas` extends these schemas).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, tzinfo

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate, validates_schema

from lms.core import when

FILTER_NAMES = ("course", "institution", "country", "enrolled_from", "enrolled_to", "completed_from", "completed_to",
                "certification", "withdrawn", "recorded", "run")
DATE_FILTERS = ("enrolled_from", "enrolled_to", "completed_from", "completed_to")
PERIODS = (("enrolled_from", "enrolled_to"), ("completed_from", "completed_to"))

COURSE_MAX, INSTITUTION_MAX, RUN_MAX = 80, 32, 32
# The certifications of a trainee in a course, best first (defined in `lms.reports.facts`).
CERTIFICATIONS = ("certified", "expiring", "expired", "revoked", "never")
SHOW = "show"
EXCLUDE = "exclude"  # recorded=exclude: leave out the completions recorded by hand (default: include them)
#: The windows (days) the expiring certificates page offers besides each institution's own notice period.
EXPIRY_WINDOWS = (30, 60, 90, 180, 365)


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
    certification: str | None = None
    withdrawn: str | None = None  # "show": withdrawn enrolments are listed (and counted apart)
    recorded: str | None = None  # "exclude": enrolments completed by a recorded completion are left out
    run: str | None = None  # the code of a course run (intake): its enrolments only
    # The zone whose whole days the periods are: the viewer's (not a filter: it names no rows).
    zone: tzinfo = field(default=UTC, compare=False)

    @property
    def include_recorded(self) -> bool:
        """Whether the completions recorded by hand (training done elsewhere) count (the default)."""
        return self.recorded != EXCLUDE

    def as_dict(self) -> dict:
        """The filters that are set, as plain JSON values (for the audit log and links), with the zone of
        the periods when there is a period."""
        values = {k: (when.iso(v) if isinstance(v, date) else v) for k, v in asdict(self).items()
                  if v and k != "zone"}
        if any(name in values for name in DATE_FILTERS):
            values["zone"] = when.zone_name(self.zone)
        return values

    def replace(self, **changes) -> ReportFilters:
        """A copy with some filters changed."""
        return ReportFilters(**{**asdict(self), **changes})

    def enrolled_range(self) -> tuple[datetime | None, datetime | None]:
        """The enrolment period as [start, end) instants: whole days in the zone."""
        return when.day_range(self.enrolled_from, self.enrolled_to, self.zone)

    def completed_range(self) -> tuple[datetime | None, datetime | None]:
        """The completion period as [start, end) instants: whole days in the zone."""
        return when.day_range(self.completed_from, self.completed_to, self.zone)


# --- the fields ----------------------------------------------------------------------------------------
# The validators are also what the OpenAPI description says (apispec reads them: minLength, maxLength,
# pattern); the fields check the length first themselves, so no pattern ever runs on a long value.

# No control characters (C0, DEL, C1): they have no business in a code or slug, and PostgreSQL refuses NUL.
CONTROL_CHARACTERS = r"\x00-\x1f\x7f-\x9f"
PRINTABLE = validate.Regexp(rf"^[^{CONTROL_CHARACTERS}]*$",
                            error=_l("Remove the control characters from this value."))
NOT_A_COUNTRY = _l("Enter a two-letter country code, such as UA.")
NOT_A_CHOICE = _l("Not a valid choice.")  # WTForms' own words for it, in the project's catalogue


class BoundedText(fields.String):
    """A string of at most `maximum` characters without control characters, checked in that order."""

    def __init__(self, maximum: int, **kwargs):
        super().__init__(validate=[validate.Length(min=1, max=maximum, error=_too_long(maximum)), PRINTABLE],
                         **kwargs)
        self.maximum = maximum

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > self.maximum:
            raise ValidationError([_too_long(self.maximum)])
        return text


class CountryCode(fields.String):
    """An ISO 3166-1 alpha-2 country code, in any case; loaded upper-cased."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Regexp(r"^[A-Za-z]{2}$", error=NOT_A_COUNTRY), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) != 2 or not text.isascii() or not text.isalpha():
            raise ValidationError([NOT_A_COUNTRY])
        return text.upper()


class Day(fields.Date):
    """A calendar day written YYYY-MM-DD, and only so (`lms.core.when.parse_day`, as every typed date)."""

    default_error_messages = {"invalid": _l("Enter a date as YYYY-MM-DD."),
                              "format": _l("Enter a date as YYYY-MM-DD.")}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or len(value) != 10:
            raise ValidationError([self.error_messages["invalid"]])  # a list, as marshmallow's own messages
        try:
            return when.parse_day(value)
        except ValueError:  # not YYYY-MM-DD, or a day that does not exist, such as 2024-02-30
            raise ValidationError([self.error_messages["invalid"]]) from None


class Zone(fields.String):
    """A time zone by its IANA name ("Europe/Kyiv"), one of `when.all_zones`; loaded as a tzinfo."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.OneOf(when.all_zones(), error=_l(
            "Enter a time zone such as Europe/Kyiv.")), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        name = super()._deserialize(value, attr, data, **kwargs)
        if len(name) > 64 or when.zone(name) is None:
            raise ValidationError([_l("Enter a time zone such as Europe/Kyiv.")])
        return name


class UtcOffset(fields.String):
    """A UTC offset, +HH:MM or -HH:MM (from -14:59 to +14:59); loaded as a fixed zone."""

    PATTERN = r"^[+-](0[0-9]|1[0-4]):[0-5][0-9]$"

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Regexp(self.PATTERN, error=_l("Enter a UTC offset such as +03:00.")),
                         **kwargs)


class Choice(fields.String):
    """One of a few short words; the length is checked before the value is compared with them."""

    def __init__(self, choices: tuple[str, ...], **kwargs):
        super().__init__(validate=validate.OneOf(choices, error=NOT_A_CHOICE), **kwargs)
        self.longest = max(len(c) for c in choices)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > self.longest:
            raise ValidationError([NOT_A_CHOICE])
        return text



def _too_long(maximum: int):
    return _l("Use at most %(max)d characters.", max=maximum)


# --- the schemas ---------------------------------------------------------------------------------------

class ReportFilterSchema(Schema):
    """The report filters of a query string; loads a dict of the filters given (see the module docstring)."""

    class Meta:
        unknown = EXCLUDE

    course = BoundedText(COURSE_MAX, metadata={"description": "Course slug."})
    institution = BoundedText(INSTITUTION_MAX, metadata={
        "description": "Institution code (coordinators: only their own counts)."})
    country = CountryCode(metadata={"description": "ISO 3166-1 alpha-2 country code of the institution."})
    enrolled_from = Day(metadata={"description": "Enrolled on or after (YYYY-MM-DD)."})
    enrolled_to = Day(metadata={"description": "Enrolled on or before (YYYY-MM-DD); not before enrolled_from."})
    completed_from = Day(metadata={"description": "Completed on or after (YYYY-MM-DD)."})
    completed_to = Day(metadata={"description": "Completed on or before (YYYY-MM-DD); not before completed_from."})
    certification = Choice(CERTIFICATIONS, metadata={
        "description": "Certification of the trainee in the course, from the certificates of every cycle."})
    withdrawn = Choice((SHOW,), metadata={
        "description": "'show': list withdrawn enrolments too (counted apart); left out otherwise."})
    run = BoundedText(RUN_MAX, metadata={
        "description": "Code of a course run (intake), such as 2027-03: the enrolments in runs of that code."})
    recorded = Choice((EXCLUDE,), metadata={
        "description": "'exclude': leave out the completions recorded by hand for training done elsewhere "
                       "(source 'recorded'); they count as completions otherwise."})

    @pre_load
    def _tidy(self, data, **kwargs):
        """One value per parameter (the first); filters without surrounding spaces, empty ones dropped."""
        return _tidied(data, FILTER_NAMES)

    @validates_schema(skip_on_field_errors=False)
    def _periods(self, data, **kwargs):
        """The end of a period cannot come before its start (only valid days reach here)."""
        errors = {end: [_l("The end of a period cannot come before its start.")] for start, end in PERIODS
                  if data.get(start) and data.get(end) and data[end] < data[start]}
        if errors:
            raise ValidationError(errors)


def _tidied(data, names) -> dict:
    """One value per parameter (the first); the `names` without surrounding spaces, empty ones dropped."""
    plain = data.to_dict() if hasattr(data, "to_dict") else dict(data)
    for name in names:
        value = plain.get(name)
        if isinstance(value, str):
            value = value.strip()
            if value:
                plain[name] = value
            else:
                del plain[name]
    return plain


class DrilldownFilterSchema(ReportFilterSchema):
    """The drill-down's filters: its path names the institution and the course, so those are not read."""

    class Meta(ReportFilterSchema.Meta):
        exclude = ("course", "institution")


@dataclass(frozen=True)
class ExpiringFilters:
    """What the expiring certificates page lists: an institution (admins), a window of days (None: each
    institution's own notice period), and whether the already expired are listed too."""

    institution: str | None = None
    within: int | None = None
    expired: str | None = None
    # The zone the export's dates and times are written in: the viewer's (not a filter: it names no rows).
    zone: tzinfo = field(default=UTC, compare=False)

    def as_dict(self) -> dict:
        """The filters that are set, as plain JSON values (for the audit log and links)."""
        return {k: v for k, v in asdict(self).items() if v and k != "zone"}

    def replace(self, **changes) -> ExpiringFilters:
        """A copy with some filters changed."""
        return ExpiringFilters(**{**asdict(self), **changes})


EXPIRING_NAMES = ("institution", "within", "expired")


class ExpiringFilterSchema(Schema):
    """The expiring certificates page's filters: an institution code, a window of days among
    EXPIRY_WINDOWS (empty: the institution's notice period), `expired=show`."""

    class Meta:
        unknown = EXCLUDE

    institution = BoundedText(INSTITUTION_MAX, metadata={"description": "Institution code."})
    within = Choice(tuple(str(days) for days in EXPIRY_WINDOWS), metadata={"description": "Window in days."})
    expired = Choice((SHOW,), metadata={"description": "'show': list the already expired too."})

    @pre_load
    def _tidy(self, data, **kwargs):
        return _tidied(data, EXPIRING_NAMES)


def read_expiring_filters(args: Mapping) -> tuple[ExpiringFilters, dict[str, list]]:
    """The expiring page's valid filters, and the messages of the others (never raises)."""
    try:
        values, errors = ExpiringFilterSchema().load(args), {}
    except ValidationError as error:
        errors = error.normalized_messages()
        values = {k: v for k, v in (error.valid_data or {}).items() if k not in errors}
    within = values.get("within")
    return ExpiringFilters(values.get("institution"), int(within) if within else None, values.get("expired")), errors


def parse_expiring_filters(args: Mapping) -> ExpiringFilters:
    """The expiring page's filters of an export link; raises FilterError naming every bad value."""
    filters, errors = read_expiring_filters(args)
    if errors:
        raise FilterError(errors)
    return filters


# --- reading them --------------------------------------------------------------------------------------

def filters_from(values: Mapping, zone: tzinfo | None = None) -> ReportFilters:
    """ReportFilters from what a filter schema loaded (other keys, such as an API's paging, are left); the
    periods are whole days in `zone` (the viewer's: the caller passes the API's `tz` or `utc_offset`), else UTC."""
    return ReportFilters(**{name: values[name] for name in FILTER_NAMES if values.get(name) is not None},
                         zone=zone or UTC)


def read_filters(args: Mapping, schema: type[ReportFilterSchema] = ReportFilterSchema, zone: tzinfo | None = None
                 ) -> tuple[ReportFilters, dict[str, list]]:
    """The filters whose values are valid, and the messages of the others by parameter name (never raises).

    A parameter with a message is left out of the filters: the pages compute their figures without it.
    Periods are whole days in `zone` (the viewer's)."""
    try:
        return filters_from(schema().load(args), zone), {}
    except ValidationError as error:
        messages = error.normalized_messages()
        valid = {k: v for k, v in (error.valid_data or {}).items() if k not in messages}
        return filters_from(valid, zone), messages


class FilterError(ValueError):
    """Filter values that cannot be understood; `errors` maps each parameter name to its messages."""

    def __init__(self, errors: dict[str, list]):
        self.errors = errors
        super().__init__(self.describe())

    def describe(self) -> str:
        """Each bad parameter with its messages, in the filters' order: "enrolled_from: Enter a date as ..."."""
        names = [n for n in FILTER_NAMES if n in self.errors] + sorted(set(self.errors) - set(FILTER_NAMES))
        return " ".join(f"{name}: {' '.join(str(m) for m in self.errors[name])}" for name in names)


def parse_filters(args: Mapping, schema: type[ReportFilterSchema] = ReportFilterSchema,
                  zone: tzinfo | None = None) -> ReportFilters:
    """ReportFilters from query-string values (periods in `zone`); raises FilterError naming every bad value."""
    filters, errors = read_filters(args, schema, zone)
    if errors:
        raise FilterError(errors)
    return filters
