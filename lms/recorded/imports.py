"""Completions recorded from a CSV file: a dry-run plan that names every wrong field, then applying it whole.

The file has a header row with the columns `email`, `course` (a course slug), `completed_on` (YYYY-MM-DD),
`hours` (optional) and `reason`; comma, semicolon or tab separated, UTF-8. It is read by bulk enrolment's
bounded reader (`lms.enrolments.services.decode` and `read_lines`: at most MAX_BYTES and MAX_ROWS, a field
longer than the csv module takes refused with its line, time linear in the text), and every line is checked
by the rules of a completion recorded by hand (`lms.recorded.services`), each value's length first.
`plan` writes nothing; `apply` plans the same content again (the preview is never trusted as sent back),
refuses if anything differs from what was shown or any line is wrong, and else records every line in one
transaction, in a few statements (`services.write`). Evidence files belong to completions recorded by
hand only; a file issues no certificates.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from lms.auth.models import User
from lms.auth.queries import normalise_email
from lms.catalog.models import Course
from lms.core import clock, when
from lms.enrolments.services import MAX_BYTES as MAX_UPLOAD
from lms.enrolments.services import BulkError, decode, read_lines
from lms.extensions import db
from lms.learning.models import Certificate, Enrolment
from lms.recorded import services
from lms.recorded.services import Completion, RecordError

COLUMNS = ("email", "course", "completed_on", "hours", "reason")
REQUIRED = ("email", "course", "completed_on", "reason")
MAX_ROWS = 5000
MAX_COURSES = 200  # different course slugs in one file: each is looked up in one query
MAX_SHOWN = 100  # characters of a refused value shown back in the preview
EMAIL_MAX, SLUG_MAX, DAY_MAX = 254, 80, 10
TEMPLATE = ("email,course,completed_on,hours,reason\r\n"
            "olena.kovalenko@example.org,ibm-strategic-planning,2025-11-14,16,Classroom course at the academy "
            "(paper register)\r\n")


@dataclass
class Problem:
    """What is wrong with one field of a line: its column, a code and details for the message."""

    column: str
    code: str
    details: dict = field(default_factory=dict)


@dataclass
class BadLine:
    """A refused line with every problem."""

    line: int
    email: str
    problems: list[Problem]


@dataclass
class GoodLine:
    """A line that can be recorded."""

    line: int
    completion: Completion


@dataclass
class ImportPlan:
    """What applying the file would record, and the lines that stop it."""

    good: list[GoodLine]
    bad: list[BadLine]
    digest: str

    @property
    def to_create(self) -> int:
        return sum(1 for g in self.good if g.completion.action == "new")

    @property
    def to_complete(self) -> int:
        return sum(1 for g in self.good if g.completion.action == "complete")

    @property
    def can_apply(self) -> bool:
        return not self.bad and bool(self.good)


def _shown(value: str) -> str:
    return value if len(value) <= MAX_SHOWN else value[:MAX_SHOWN] + "…"


def _email(raw: str) -> str | None:
    if not raw or len(raw) > EMAIL_MAX:
        return None
    try:
        return validate_email(normalise_email(raw), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


def plan(actor, content: bytes, may_record: Callable[[User], bool]) -> ImportPlan:
    """Read the file and say, line by line, what recording it would do; writes nothing. BulkError for a file
    that cannot be read. `may_record(person)` is the caller's rule (`lms.access.can_record_completion` for
    the actor): a line for anyone else is refused, saying no more than that the address cannot be used."""
    lines = read_lines(decode(content), columns=COLUMNS, required=REQUIRED, aliases={"courses": "course"},
                       max_rows=MAX_ROWS)
    checked = {raw: _email(raw) for raw in {v.get("email", "") for _, v in lines}}
    emails = set(checked.values()) - {None}
    slugs = {v.get("course", "") for _, v in lines} - {""}
    slugs = {s for s in slugs if len(s) <= SLUG_MAX}
    if len(slugs) > MAX_COURSES:
        raise BulkError("too_many_courses", limit=MAX_COURSES)
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails)))} if emails else {}
    courses = {c.slug: c for c in db.session.scalars(select(Course).where(Course.slug.in_(slugs)))} if slugs else {}
    current, expired = _current(list(users.values()), list(courses.values()))
    seen: dict[tuple[int, int], int] = {}
    good, bad = [], []
    for line, values in lines:
        problems: list[Problem] = []
        raw_email = values.get("email", "")
        email = checked[raw_email]
        person = users.get(email) if email else None
        if email is None:
            problems.append(Problem("email", "email_invalid", {"email": _shown(raw_email)}))
        elif person is None:
            problems.append(Problem("email", "no_account", {"email": email}))
        elif not may_record(person):
            problems.append(Problem("email", "unusable", {"email": email}))
            person = None  # nothing more is said about an account the actor may not record for
        slug = values.get("course", "")
        course = courses.get(slug)
        if not slug:
            problems.append(Problem("course", "course_missing"))
        elif course is None:
            problems.append(Problem("course", "course_unknown", {"course": _shown(slug)}))
        day = _day(values.get("completed_on", ""), problems)
        item = _check(person, course, day, values, problems, current, expired)
        if person is not None and course is not None:
            key = (person.id, course.id)
            if key in seen:
                problems.append(Problem("course", "duplicate", {"line": seen[key]}))
            else:
                seen[key] = line
        if problems:
            bad.append(BadLine(line, _shown(raw_email), problems))
        else:
            good.append(GoodLine(line, item))
    return ImportPlan(good, bad, _digest(content, good, bad))


def _current(people: list[User], courses: list[Course]):
    """The people's current enrolments in the courses, by (user id, course id), and the ids of the completed
    ones whose certificate has expired: two queries for the whole file."""
    if not people or not courses:
        return {}, set()
    current = {(e.user_id, e.course_id): e for e in db.session.scalars(select(Enrolment).where(
        Enrolment.user_id.in_([p.id for p in people]), Enrolment.course_id.in_([c.id for c in courses]),
        Enrolment.is_current.is_(True)))}
    completed = [e.id for e in current.values() if e.status == "completed"]
    expired = set(db.session.scalars(select(Certificate.enrolment_id).where(
        Certificate.enrolment_id.in_(completed), Certificate.expires_at.is_not(None),
        Certificate.expires_at <= clock.now()))) if completed else set()
    return current, expired


def _day(value: str, problems: list[Problem]):
    if not value:
        problems.append(Problem("completed_on", "day_missing"))
        return None
    try:
        if len(value) != DAY_MAX:
            raise ValueError(value)
        return when.parse_day(value)
    except ValueError:
        problems.append(Problem("completed_on", "day_invalid", {"day": _shown(value)}))
        return None


def _check(person, course, day, values: dict, problems: list[Problem], current, expired) -> Completion | None:
    """The line checked by the rules of a completion recorded by hand; each refusal joins `problems`."""
    refused = object()

    def attempt(check, *args):
        try:
            return check(*args)
        except RecordError as exc:
            problems.append(Problem(exc.field if exc.field in COLUMNS else "email", exc.code, exc.details))
            return refused

    hours = attempt(services.read_hours, values.get("hours", ""))
    reason = attempt(services.clean_reason, values.get("reason", ""))
    if person is None or course is None or attempt(services.check_person, person) is refused:
        return None
    attempt(services.check_course, course)
    if day is not None:
        attempt(services.check_day, day, person)
    existing = current.get((person.id, course.id))
    action = attempt(services.action_for, existing, existing is not None and existing.id in expired)
    if problems:
        return None
    return Completion(person, course, existing, action, day, hours, reason)


def _digest(content: bytes, good: list[GoodLine], bad: list[BadLine]) -> str:
    """A fingerprint of the file and of what it would do now: the confirmation must match the preview."""
    summary = repr(([(g.line, g.completion.person.id, g.completion.course.id, g.completion.action,
                      g.completion.existing.id if g.completion.existing else None) for g in good],
                    [(b.line, [(p.column, p.code) for p in b.problems]) for b in bad]))
    return hashlib.sha256(content + b"\0" + summary.encode()).hexdigest()


@dataclass
class ImportResult:
    """What applying the file did."""

    created: int
    completed: int


def apply(actor, content: bytes, digest: str, may_record: Callable[[User], bool]) -> ImportResult:
    """Record the file as previewed, in one transaction: all of it or nothing. BulkError("changed") when the
    file or the data changed since the preview (the new plan in `details["plan"]`), ("bad_rows") when any
    line is refused. Audited line by line ("completion.recorded") and once for the file
    ("completion.import")."""
    fresh = plan(actor, content, may_record)
    if fresh.digest != digest:
        raise BulkError("changed", plan=fresh)
    if not fresh.can_apply:
        raise BulkError("bad_rows", plan=fresh)
    try:
        services.write([g.completion for g in fresh.good], actor, clock.now())
        result = ImportResult(created=fresh.to_create, completed=fresh.to_complete)
        services.audit.record("completion.import", actor=actor, institution_id=getattr(actor, "institution_id", None),
                              rows=len(fresh.good), created=result.created, completed=result.completed)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return result
