"""What a bulk enrolment file would do, and what applying it did: the plan the preview shows, line by line,
and the result. Plain data, made by `lms.enrolments.services` and written by `lms.enrolments.batch`."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from lms.auth.models import User
from lms.catalog.models import Course
from lms.learning.models import Enrolment


class BulkError(ValueError):
    """The file as a whole cannot be used (not UTF-8, no header, too large, ...); `code` says why."""

    def __init__(self, code: str, **details):
        super().__init__(code)
        self.code, self.details = code, details


@dataclass
class Problem:
    """Why a line is refused: a code and its details (for the message)."""

    code: str
    details: dict = field(default_factory=dict)


@dataclass
class PlannedEnrolment:
    """An enrolment the plan makes: "enrol" (new), "restore" (a withdrawn one comes back), "already" (nothing
    to do) or "due" (due date changed).

    `existing` is the account's current enrolment in the course, if any: the one whose due date
    changes, or the completed cycle that "enrol" closes before starting the next.
    """

    course: Course
    action: str
    existing: Enrolment | None = None


@dataclass
class PlannedRow:
    """A good line: the account (existing, or to be created) and its enrolments."""

    line: int
    email: str
    name: str
    user: User | None
    due: date | None
    enrolments: list[PlannedEnrolment]

    @property
    def new_account(self) -> bool:
        return self.user is None

    @property
    def due_at(self) -> datetime | None:
        """The due date as the enrolments store it (the end of that day, UTC)."""
        return due_at(self.due)


@dataclass
class BadRow:
    """A refused line with every reason."""

    line: int
    email: str
    problems: list[Problem]


@dataclass
class Plan:
    """What applying the file would do, and the lines that stop it."""

    institution_id: int
    rows: list[PlannedRow]
    bad: list[BadRow]
    digest: str

    @property
    def accounts_to_create(self) -> int:
        return sum(1 for r in self.rows if r.new_account)

    @property
    def enrolments_to_create(self) -> int:
        return sum(1 for r in self.rows for e in r.enrolments if e.action == "enrol")

    @property
    def enrolments_to_restore(self) -> int:
        return sum(1 for r in self.rows for e in r.enrolments if e.action == "restore")

    @property
    def due_dates_to_change(self) -> int:
        return sum(1 for r in self.rows for e in r.enrolments if e.action == "due")

    @property
    def can_apply(self) -> bool:
        return not self.bad and bool(self.rows)


@dataclass
class Result:
    """What was done: the new accounts with their one-time set-password tokens, and counts."""

    new_accounts: list[tuple[User, str]]
    enrolled: int
    due_changed: int
    unchanged: int
    restored: int = 0


def due_at(day: date | None) -> datetime | None:
    """A due date as the enrolments store it: the end of that day, UTC."""
    return datetime.combine(day, time(23, 59), tzinfo=UTC) if day else None
