"""Marshmallow schemas of the API: the query parameters it reads and the JSON it returns.

They validate requests (a bad parameter is a 400 naming it) and shape responses, and the OpenAPI
description is generated from them (`lms.api.spec`). Field names of report rows are the column
names of the CSV exports. The report filters are not defined here: the query schemas extend the
reports' own (`lms.reports.filters`), so the API reads them with the same rules as the pages and the
exports.
"""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from lms.core import when
from lms.reports.facts import STATES
from lms.reports.filters import CERTIFICATIONS, DrilldownFilterSchema, ReportFilterSchema, UtcOffset, Zone
from lms.reports.queries import MAX_PAGE, MAX_PER_PAGE, SORTS


class QuerySchema(Schema):
    """Base of query-string schemas: unknown parameters are ignored."""

    class Meta:
        unknown = EXCLUDE


class PageQuery(QuerySchema):
    """Pagination."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE),
                          metadata={"description": "Page number, from 1."})
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE),
                              metadata={"description": f"Items per page, at most {MAX_PER_PAGE}."})


ZONE_DESCRIPTION = ("The time zone whose whole days the periods (enrolled_from ... completed_to) are, and in which "
                    "dates and times are returned, by its IANA name, such as Europe/Kyiv. Without `tz` or "
                    "`utc_offset`, the token owner's zone (their profile's, else their institution's, else the "
                    "platform's).")
OFFSET_DESCRIPTION = ("Instead of `tz`: a fixed UTC offset, such as +03:00 or -05:00, for the periods and the dates "
                      "and times returned. `tz` wins when both are given.")


class ZoneQuery(QuerySchema):
    """The zone of the periods and of the answer."""

    tz = Zone(metadata={"description": ZONE_DESCRIPTION})
    utc_offset = UtcOffset(metadata={"description": OFFSET_DESCRIPTION})


class ReportQuery(ReportFilterSchema, ZoneQuery, PageQuery):
    """The completion report's filters (the reports' own schema, as the pages and exports read them), the zone of
    its periods and a page."""


class DrilldownQuery(DrilldownFilterSchema, ZoneQuery, PageQuery):
    """The drill-down's filters (the reports' own schema: periods and country), sort order and page."""

    sort = fields.String(load_default="name", validate=validate.OneOf(SORTS))
    order = fields.String(load_default="asc", validate=validate.OneOf(("asc", "desc")))


class Instant(fields.DateTime):
    """An instant as ISO 8601 with the offset of the reader's zone (`lms.core.when.iso`), e.g.
    2027-03-28T23:59:00+03:00."""

    def _serialize(self, value, attr, obj, **kwargs):
        return when.iso(value)


class ErrorSchema(Schema):
    """An error: a stable code, a message, per-parameter problems for a 400, and for a 500 the id under
    which it was logged."""

    error = fields.String(required=True, metadata={"description": "bad_request, invalid_parameters, "
                          "unauthorized, forbidden, not_found, method_not_allowed, too_large, too_many_requests, "
                          "internal_error or unavailable."})
    message = fields.String(required=True)
    fields_ = fields.Dict(keys=fields.String(), values=fields.Raw(), data_key="fields")
    error_id = fields.String(metadata={"description": "A fault (500), or a database that is busy or does not "
                                       "answer (503): the id of its entry in the log."})


class PageSchema(Schema):
    """Pagination of a list."""

    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    pages = fields.Integer(required=True)


class CourseSchema(Schema):
    """A course of the catalogue."""

    slug = fields.String(required=True)
    title = fields.String(required=True)
    summary = fields.String(required=True)
    language = fields.String(required=True)
    status = fields.String(required=True)
    version = fields.Integer(required=True)
    estimated_hours = fields.Float(required=True)


class CoursePageSchema(PageSchema):
    items = fields.List(fields.Nested(CourseSchema), required=True)


class RunSchema(Schema):
    """A run (intake) of a course: its dates, enrolment window, places and waiting list."""

    code = fields.String(required=True)
    title = fields.String(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    enrol_opens_on = fields.Date(allow_none=True, metadata={"description": "Null: open from any time."})
    enrol_closes_on = fields.Date(allow_none=True, metadata={"description": "Null: open until the run ends."})
    capacity = fields.Integer(allow_none=True, metadata={"description": "Places; null: no limit."})
    taken = fields.Integer(required=True, metadata={"description": "Enrolments holding a place."})
    waiting = fields.Integer(required=True, metadata={"description": "Enrolments on the waiting list."})
    open_to = fields.List(fields.String(), allow_none=True,
                          metadata={"description": "Codes of the institutions it is open to; null: every one."})
    cancelled = fields.Boolean(required=True)


class RunListSchema(Schema):
    items = fields.List(fields.Nested(RunSchema), required=True)


class CompletionRowSchema(Schema):
    """A row of the completion report (field names as in the CSV export)."""

    institution_code = fields.String(allow_none=True)
    institution_name = fields.String(allow_none=True)
    country = fields.String(allow_none=True)
    course_slug = fields.String(allow_none=True)
    course_title = fields.String(allow_none=True)
    enrolled = fields.Integer(required=True)
    not_started = fields.Integer(required=True)
    in_progress = fields.Integer(required=True)
    completed = fields.Integer(required=True)
    completion_rate_percent = fields.Float(allow_none=True, attribute="completion_rate")
    pass_rate_percent = fields.Float(allow_none=True, attribute="pass_rate")
    final_submitted = fields.Integer(required=True, metadata={"description": "Trainees who submitted the final."})
    final_passed = fields.Integer(required=True, metadata={"description": "Trainees who passed the final."})
    average_best_score_percent = fields.Float(allow_none=True, attribute="average_best_score")
    median_days_to_completion = fields.Float(allow_none=True, attribute="median_days")
    last_activity_at = Instant(allow_none=True)
    certified = fields.Integer(required=True, metadata={
        "description": "Trainees certified (valid, not expiring within the institution's notice period)."})
    certification_expiring = fields.Integer(required=True, attribute="expiring", metadata={
        "description": "Trainees whose best certificate expires within the institution's notice period."})
    certification_expired = fields.Integer(required=True, attribute="expired")
    certification_revoked = fields.Integer(required=True, attribute="revoked")
    never_certified = fields.Integer(required=True, attribute="never")
    withdrawn = fields.Integer(required=True, metadata={
        "description": "Withdrawn enrolments (0 unless withdrawn=show); counted in no other figure."})


class CompletionReportSchema(PageSchema):
    items = fields.List(fields.Nested(CompletionRowSchema), required=True)
    totals = fields.Nested(CompletionRowSchema, required=True)


class EnrolmentRowSchema(Schema):
    """A trainee's current enrolment with its figures (field names as in the CSV export)."""

    enrolment_id = fields.Integer(required=True)
    user_id = fields.Integer(required=True)
    institution_code = fields.String(required=True)
    institution_name = fields.String(required=True)
    country = fields.String(required=True)
    course_slug = fields.String(required=True)
    course_title = fields.String(required=True)
    trainee_name = fields.String(required=True, attribute="name")
    trainee_email = fields.String(required=True, attribute="email")
    status = fields.String(required=True, attribute="state",
                           validate=validate.OneOf(STATES))
    progress_percent = fields.Integer(required=True, attribute="progress")
    best_score_percent = fields.Float(allow_none=True, attribute="course_score")
    attempts = fields.Integer(required=True)
    enrolled_on = fields.Date(required=True, metadata={"description": "The date of enrolment, in the reader's zone."})
    due_on = fields.Date(allow_none=True, metadata={
        "description": "The due date as it was set (a date; it ends at midnight at its end in the trainee's zone)."})
    due_at = Instant(allow_none=True, metadata={"description": "The instant the due date ends."})
    completed_on = fields.Date(allow_none=True, metadata={"description": "The date of completion, in the reader's zone."})
    last_activity_at = Instant(allow_none=True)
    certificate_code = fields.String(allow_none=True)
    certification = fields.String(required=True, validate=validate.OneOf(CERTIFICATIONS), metadata={
        "description": "From the certificates of every cycle of the course; the best one decides."})
    withdrawn_on = fields.Date(allow_none=True)
    run_code = fields.String(allow_none=True, metadata={"description": "The course run (intake), if any."})


class EnrolmentPageSchema(PageSchema):
    items = fields.List(fields.Nested(EnrolmentRowSchema), required=True)
