"""What a bulk enrolment file would do, and what applying it did: the plan the preview shows, line by line,
and the result. Plain data, made by `lms.enrolments.services` and written by `lms.enrolments.batch`."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from lms.auth.models import User
from lms.catalog.models import Course
from lms.learning.models import Enrolment
from lms.learning.services import due_columns
from lms.runs.models import CourseRun


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
    # The run the line names, for a course with runs; `waiting`: it would join that run's waiting list (full).
    run: CourseRun | None = None
    waiting: bool = False

    @property
    def takes_place(self) -> bool:
        """Whether applying it puts the enrolment into its run (a new or restored one)."""
        return self.run is not None and self.action in ("enrol", "restore")


@dataclass
class PlannedRow:
    """A good line: the account (existing, or to be created) and its enrolments."""

    line: int
    email: str
    name: str
    user: User | None
    due: date | None
    enrolments: list[PlannedEnrolment]
    zone: ZoneInfo  # the trainee's (a new account's is its institution's): the due date ends there

    @property
    def new_account(self) -> bool:
        return self.user is None

    @property
    def due_columns(self) -> dict:
        """The due date as the enrolments store it: the date, and the instant it ends in the trainee's zone."""
        return due_columns(self.due, self.zone)

    def due_columns_of(self, planned: PlannedEnrolment) -> dict:
        """The due date of one of the line's enrolments: the line's, else its run's last day."""
        if self.due is None and planned.run is not None:
            return due_columns(planned.run.ends_on, self.zone)
        return self.due_columns

    @property
    def due_at(self) -> datetime | None:
        """The instant the due date ends, in UTC."""
        return self.due_columns["due_at"]


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
    def waiting_to_join(self) -> int:
        return sum(1 for r in self.rows for e in r.enrolments if e.takes_place and e.waiting)

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
