"""Expiring certificates: the trainees whose certification in a course runs out soon (or has run out).

A trainee's certification in a course is decided by their best certificate over every cycle
(`facts.certification`, the one definition): the one not revoked that never expires, else the one not
revoked with the latest expiry, else a revoked one. This page lists that best certificate when the
certification is "expiring" (it expires within the institution's notice period, `expiry_notice_days`),
or, with a window of days chosen, when it is valid and expires within that window; with "show
expired", those whose best certificate has expired are listed too. A trainee who has recertified
(a newer certificate that is valid for longer) is therefore not listed for the old one.

Only active trainees within `scope` (the viewer's `lms.access.report_scope`) are listed. Aggregated
in SQL: one statement for the rows (a window function picks each trainee's best certificate per
course), one for the count.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, literal, or_, select

from lms.auth.models import User
from lms.catalog.models import Course
from lms.core import clock, when
from lms.core.types import UTCDateTime
from lms.extensions import db
from lms.institutions.models import Institution
from lms.learning.models import Certificate
from lms.reports.facts import certification, days_between
from lms.reports.filters import ExpiringFilters
from lms.reports.queries.common import MAX_PAGE, MAX_PER_PAGE, PER_PAGE
from lms.reports.queries.enrolments import Page

EXPIRING_SORTS = ("expires", "name", "course", "institution")


@dataclass
class ExpiringRow:
    """A trainee's best certificate in a course, about to expire or expired."""

    user_id: int
    name: str
    email: str
    institution_code: str
    institution_name: str
    course_slug: str
    course_title: str
    certificate_code: str
    issued_at: datetime
    expires_at: datetime
    certification: str  # "expiring", "certified" (expires within a chosen window, after the notice period), "expired"
    issued_on: date  # the dates as the reader's calendar has them (their zone)
    expires_on: date
    days_left: int  # calendar days from today to the expiry date, in the reader's zone; negative once expired
    expires_iso: str  # the expiry's moment in ISO 8601 with the reader's offset (the exports)


def _best_certificates(scope):
    """Subquery: each certificate of an active trainee within `scope`, numbered 1 for the best of its
    holder in its course (not revoked first, then never expiring, then the latest expiry)."""
    alive = Certificate.revoked_at.is_(None)
    order = (case((alive, 0), else_=1), case((Certificate.expires_at.is_(None), 0), else_=1),
             Certificate.expires_at.desc(), Certificate.id.desc())
    return (select(Certificate.id, func.row_number().over(
        partition_by=(Certificate.user_id, Certificate.course_id), order_by=order).label("rank"))
        .join(User, User.id == Certificate.user_id)
        .where(scope, User.active.is_(True), User.role == "trainee")
        .subquery("ranked_certificates"))


def expiring_query(scope, filters: ExpiringFilters, now: datetime, sort: str = "expires", descending: bool = False):
    """SELECT of the rows of the page (see the module docstring), sorted (ties by expiry, name, course)."""
    ranked = _best_certificates(scope)
    alive = Certificate.revoked_at.is_(None)
    status = certification(literal(1), case((and_(alive, Certificate.expires_at.is_(None)), 1), else_=0),
                           case((alive, Certificate.expires_at)), Institution.expiry_notice_days, now)
    if filters.within is None:
        wanted = status == "expiring"
    else:
        moment = literal(now, UTCDateTime())
        wanted = and_(alive, Certificate.expires_at > moment, days_between(Certificate.expires_at, moment) <= filters.within)
    if filters.expired:
        wanted = or_(wanted, status == "expired")
    keys = {"expires": Certificate.expires_at, "name": func.lower(User.name), "course": Course.title,
            "institution": Institution.code}
    key = keys.get(sort, keys["expires"])
    query = (select(User.id.label("user_id"), User.name, User.email, Institution.code.label("institution_code"),
                    Institution.name.label("institution_name"), Course.slug.label("course_slug"),
                    Course.title.label("course_title"), Certificate.code.label("certificate_code"),
                    Certificate.issued_at, Certificate.expires_at, status.label("certification"))
             .select_from(ranked)
             .join(Certificate, Certificate.id == ranked.c.id)
             .join(User, User.id == Certificate.user_id)
             .join(Institution, Institution.id == User.institution_id)
             .join(Course, Course.id == Certificate.course_id)
             .where(ranked.c.rank == 1, wanted))
    if filters.institution:
        query = query.where(Institution.code == filters.institution)
    return query.order_by(key.desc() if descending else key.asc(), Certificate.expires_at, func.lower(User.name),
                          Course.title, Certificate.id)


def to_expiring_row(r, zone: ZoneInfo, today: date) -> ExpiringRow:
    """An ExpiringRow from a row of `expiring_query`, its dates in `zone`, where it is `today`."""
    expires_on = when.local(r.expires_at, zone).date()
    return ExpiringRow(r.user_id, r.name, r.email, r.institution_code, r.institution_name, r.course_slug,
                       r.course_title, r.certificate_code, r.issued_at, r.expires_at, r.certification,
                       when.local(r.issued_at, zone).date(), expires_on, (expires_on - today).days,
                       when.iso(r.expires_at, zone))


def count_expiring(scope, filters: ExpiringFilters, now: datetime | None = None) -> int:
    """How many rows the page lists."""
    query = expiring_query(scope, filters, now or clock.now()).order_by(None).subquery()
    return int(db.session.scalar(select(func.count()).select_from(query)) or 0)


def expiring_page(scope, filters: ExpiringFilters, zone: ZoneInfo, *, sort: str = "expires", descending: bool = False,
                  page: int = 1, per_page: int = PER_PAGE, now: datetime | None = None) -> Page:
    """A page of the rows, sorted; two queries. Dates and days left in `zone` (the reader's)."""
    now = now or clock.now()
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, min(page, MAX_PAGE))
    total = count_expiring(scope, filters, now)
    today = when.local(now, zone).date()
    rows = db.session.execute(expiring_query(scope, filters, now, sort, descending)
                              .limit(per_page).offset((page - 1) * per_page))
    return Page([to_expiring_row(r, zone, today) for r in rows], page, per_page, total)


def stream_expiring(scope, filters: ExpiringFilters, zone: ZoneInfo, now: datetime, sort: str = "expires",
                    descending: bool = False, batch: int = 1000, session=None):
    """Every row, fetched in batches through a server-side cursor (the exports); `session` as
    `enrolments.stream_enrolments` takes it."""
    today = when.local(now, zone).date()
    query = expiring_query(scope, filters, now, sort, descending).execution_options(yield_per=batch)
    for r in (session or db.session).execute(query):
        yield to_expiring_row(r, zone, today)
