"""Bulk enrolment from a CSV file: a dry-run plan, then applying it in one transaction or not at all.

The file has a header row with the columns `email`, `name` and `courses` (course slugs separated
by spaces, commas or semicolons) and optionally `due` (YYYY-MM-DD) and `run` (the code of a run: needed
for a course with runs, refused for one without; a line's courses share it). Comma, semicolon and tab
separated files are accepted, in UTF-8. `plan` reads it and says, line by line, which accounts
will be created, which enrolments made, and every bad row with the reason; it writes nothing.
`apply` plans the same content again (the preview is never trusted as sent back by the browser),
refuses if it has any bad row or differs from the plan that was shown, and otherwise creates the
accounts (each with a one-time set-password link), enrols everyone, and commits once. The writes
go in batches (lms.enrolments.batch), a few statements per table rather than several per line.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable
from datetime import date

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from lms.auth.models import User
from lms.auth.queries import normalise_email
from lms.catalog.models import Course
from lms.core import clock, when
from lms.enrolments import batch
from lms.enrolments.batch import SOURCE
from lms.mail.security import mail_new_accounts
from lms.enrolments.plans import (  # noqa: F401  (the pages name these as services.BulkError, ...)
    BadRow,
    BulkError,
    Plan,
    PlannedEnrolment,
    PlannedRow,
    Problem,
    Result,
)
from lms.extensions import db
from lms.learning.models import Certificate, Enrolment
from lms.learning.services import due_is_past, enrolment_action
from lms.runs import queries as run_queries
from lms.runs.services import lock_runs_of

MAX_ROWS = 5000
MAX_BYTES = 2 * 1024 * 1024
MAX_COURSES_PER_LINE = 20
MAX_COURSES = 200  # different course codes in one file: each is looked up in one query
MAX_SHOWN = 100  # characters of a refused value shown back in the preview
COLUMNS = ("email", "name", "courses", "due", "run")
_SPLIT = re.compile(r"[\s,;|]+")


def decode(content: bytes) -> str:
    """The file's text (UTF-8, with or without a byte-order mark)."""
    if len(content) > MAX_BYTES:
        raise BulkError("too_large", megabytes=MAX_BYTES // (1024 * 1024))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BulkError("not_utf8") from exc
    if "\x00" in text:  # a binary file (a spreadsheet saved as .xlsx, say); no CSV holds NUL
        raise BulkError("not_utf8")
    return text


def read_lines(text: str, columns: tuple[str, ...] = COLUMNS, required: tuple[str, ...] = ("email", "courses"),
               aliases: dict[str, str] | None = None, max_rows: int = MAX_ROWS) -> list[tuple[int, dict[str, str]]]:
    """(line number, {column: value}) for every non-empty data line; the header decides the columns.

    Only the `columns` the plan reads are kept, so that a file of many columns costs no more per line
    than its length. Time linear in the length of the text; a field longer than the csv module takes
    (131,072 characters: an opening quote never closed, say) is refused with its line. Other files of
    staff (recorded completions) are read by the same function, with their own columns; `aliases` maps a
    header's other spelling to its column (bulk enrolment: "course" is "courses")."""
    aliases = {"course": "courses"} if aliases is None else aliases
    header_line = next((ln for ln in text.splitlines() if ln.strip()), None)
    if header_line is None:
        raise BulkError("empty")
    delimiter = max((";", ",", "\t"), key=header_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    where: dict[str, int] | None = None  # the column of each name the plan reads
    rows = []
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if where is None:
                header = [v.strip().lower() for v in values]
                header = [aliases.get(h, h) for h in header]
                missing = [c for c in required if c not in header]
                if missing:
                    raise BulkError("header", missing=", ".join(missing), expected=", ".join(columns))
                where = {name: index for index, name in enumerate(header) if name in columns}
                continue
            if len(rows) >= max_rows:
                raise BulkError("too_many_rows", limit=max_rows)
            rows.append((line, {name: (values[i].strip() if i < len(values) else "") for name, i in where.items()}))
    except csv.Error as exc:
        raise BulkError("unreadable", line=reader.line_num, limit=csv.field_size_limit()) from exc
    if where is None:
        raise BulkError("empty")
    return rows


def _shown(value: str) -> str:
    """A refused value as the preview shows it back: at most MAX_SHOWN characters."""
    return value if len(value) <= MAX_SHOWN else value[:MAX_SHOWN] + "…"


def _courses(value: str) -> list[str]:
    """The course codes of a line's `courses`, each once, in their order."""
    return list(dict.fromkeys(s for s in _SPLIT.split(value) if s))


def _email(raw: str) -> str | None:
    try:
        return validate_email(normalise_email(raw), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


def plan(actor, institution, content: bytes, default_due: date | None = None,
         may_restore: Callable[[Enrolment], bool] | None = None, lock: bool = False) -> Plan:
    """Read the file and say what applying it would do; writes nothing. Raises BulkError for a bad file.

    Whether `actor` may enrol the trainees of `institution` is decided by the caller
    (`lms.access.can_bulk_enrol_into`), and so is whether enrolling again may restore a withdrawn
    enrolment (`may_restore`, from `lms.access.can_restore_enrolment`: a coordinator may not restore a
    completed one); a line that would is refused.
    """
    lines = read_lines(decode(content))
    # Validating an address is the costliest step of a line: each distinct one is checked once.
    checked = {raw: _email(raw) for raw in {v.get("email", "") for _, v in lines}}
    emails = set(checked.values()) - {None}
    per_line = {line: _courses(values.get("courses", "")) for line, values in lines}
    slugs = {s for codes in per_line.values() if len(codes) <= MAX_COURSES_PER_LINE for s in codes}
    if len(slugs) > MAX_COURSES:
        raise BulkError("too_many_courses", limit=MAX_COURSES)
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails)))} if emails else {}
    courses = {c.slug: c for c in db.session.scalars(select(Course).where(Course.slug.in_(slugs)))} if slugs else {}
    if lock:
        lock_runs_of(sorted(c.id for c in courses.values()))
    runs = run_queries.runs_by_code([c.id for c in courses.values()])
    with_runs = {course_id for course_id, _code in runs}
    taken = run_queries.places_taken_in(sorted(r.id for r in runs.values()))
    user_ids = [u.id for u in users.values()]
    current = {}
    if user_ids and courses:
        current = {(e.user_id, e.course_id): e for e in db.session.scalars(select(Enrolment).where(
            Enrolment.user_id.in_(user_ids), Enrolment.course_id.in_([c.id for c in courses.values()]),
            Enrolment.is_current.is_(True)))}
    expired = set()
    completed_ids = [e.id for e in current.values() if e.status == "completed"]
    if completed_ids:
        expired = set(db.session.scalars(select(Certificate.enrolment_id).where(
            Certificate.enrolment_id.in_(completed_ids), Certificate.expires_at.is_not(None),
            Certificate.expires_at <= clock.now())))
    # A due date is a date in the trainee's zone; a new account's zone is its institution's.
    institution_zone = when.person_zone(None, institution)
    today = when.today(institution_zone)
    seen: dict[str, int] = {}
    good, bad = [], []
    for line, values in lines:
        problems: list[Problem] = []
        raw_email = values.get("email", "")
        email = checked[raw_email]
        name = " ".join(values.get("name", "").split())
        user = users.get(email) if email else None
        if email is None:
            problems.append(Problem("email_invalid", {"email": _shown(raw_email)}))
        elif email in seen:
            problems.append(Problem("duplicate", {"line": seen[email]}))
        else:
            seen[email] = line
        if user is not None:
            if user.institution_id is not None and user.institution_id != institution.id:
                # Named for admins only: the page decides what its reader may learn (lms.access).
                problems.append(Problem("other_institution", {"institution": user.institution.name,
                                                              "code": user.institution.code}))
            elif user.role != "trainee":
                problems.append(Problem("not_trainee"))
            elif not user.active:
                problems.append(Problem("inactive"))
        elif email is not None and not name:
            problems.append(Problem("name_missing"))
        elif len(name) > 200:
            problems.append(Problem("name_too_long"))
        due = default_due
        if values.get("due"):
            try:
                due = when.parse_day(values["due"])
            except ValueError:
                problems.append(Problem("due_invalid", {"due": _shown(values["due"])}))
        zone = when.person_zone(user) if user is not None else institution_zone
        if due_is_past(due, zone):
            problems.append(Problem("due_past", {"due": due}))
        row_slugs = per_line[line]
        if not row_slugs:
            problems.append(Problem("no_course"))
        elif len(row_slugs) > MAX_COURSES_PER_LINE:
            problems.append(Problem("too_many_courses", {"max": MAX_COURSES_PER_LINE}))
            row_slugs = []
        planned = []
        for slug in row_slugs:
            course = courses.get(slug)
            if course is None:
                problems.append(Problem("course_unknown", {"course": _shown(slug)}))
            elif course.status != "published":
                problems.append(Problem("course_not_published", {"course": slug}))
            else:
                run = _run_of_line(course, values.get("run", ""), runs, with_runs, institution.id, today, problems)
                existing = current.get((user.id, course.id)) if user is not None else None
                action = enrolment_action(existing, existing is not None and existing.id in expired, due, SOURCE)
                if action == "restore" and may_restore is not None and not may_restore(existing):
                    problems.append(Problem("restore_refused", {"course": slug}))
                planned.append(PlannedEnrolment(course, action, existing, run))
        if problems:
            bad.append(BadRow(line, _shown(raw_email), problems))
        else:
            _place(planned, taken)
            good.append(PlannedRow(line, email, user.name if user else name, user, due, planned, zone))
    return Plan(institution.id, good, bad, _digest(content, institution.id, default_due, good, bad))


def _run_of_line(course, code: str, runs: dict, with_runs: set, institution_id: int, today: date,
                 problems: list[Problem]):
    """The run a line names for one of its courses (None for a course without runs), or a problem noted."""
    code = code.strip()
    if course.id not in with_runs:
        if code:
            problems.append(Problem("course_without_runs", {"course": course.slug, "run": _shown(code)}))
        return None
    if not code:
        problems.append(Problem("run_required", {"course": course.slug}))
        return None
    run = runs.get((course.id, code))
    if run is None:
        problems.append(Problem("run_unknown", {"course": course.slug, "run": _shown(code)}))
    elif run.cancelled_at is not None:
        problems.append(Problem("run_cancelled", {"course": course.slug, "run": code}))
    elif run.ends_on < today:
        problems.append(Problem("run_ended", {"course": course.slug, "run": code}))
    elif not run_queries.open_to(run, institution_id):
        problems.append(Problem("run_not_open", {"course": course.slug, "run": code}))
    else:
        return run
    return None


def _place(planned: list[PlannedEnrolment], taken: dict[int, int]) -> None:
    """Give a good line's enrolments into runs a place while their run has one, in the file's order, else the
    waiting list (a completed enrolment restored keeps its place: it was taught in the run)."""
    for enrolment in planned:
        if not enrolment.takes_place:
            continue
        run = enrolment.run
        keeps = enrolment.action == "restore" and enrolment.existing.completed_at is not None
        if keeps or run.capacity is None or taken[run.id] < run.capacity:
            taken[run.id] += 1
        else:
            enrolment.waiting = True


def _digest(content: bytes, institution_id: int, default_due, good, bad) -> str:
    """A fingerprint of the file and of what it would do now: the confirmation must match the preview."""
    summary = repr((institution_id, default_due, [(r.line, r.email, r.user.id if r.user else None,
                                                   [(e.course.id, e.action, e.run.id if e.run else None, e.waiting)
                                                    for e in r.enrolments]) for r in good],
                    [(b.line, [p.code for p in b.problems]) for b in bad]))
    return hashlib.sha256(content + b"\0" + summary.encode()).hexdigest()


def apply(actor, institution, content: bytes, digest: str, default_due: date | None = None,
          may_restore: Callable[[Enrolment], bool] | None = None) -> Result:
    """Apply the file as previewed, in one transaction: all of it or nothing.

    Raises BulkError("changed") when the file or the data changed since the preview (the new plan is
    attached as `details["plan"]`), and BulkError("bad_rows") when any line is refused.
    """
    fresh = plan(actor, institution, content, default_due, may_restore, lock=True)
    if fresh.digest != digest:
        raise BulkError("changed", plan=fresh)
    if not fresh.can_apply:
        raise BulkError("bad_rows", plan=fresh)
    try:
        result = batch.write(fresh, actor, institution)
        mail_new_accounts(result.new_accounts)  # each new account's set-password link, besides the page's list
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    batch.reload_accounts(result.new_accounts)
    return result
