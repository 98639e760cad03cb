"""The data set sizes of `python -m bench generate`, and the shape of every generated course."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Size:
    """How much data a size makes. Enrolments are about `enrolments_per_trainee` times `trainees`."""

    name: str
    institutions: int
    trainees: int
    courses: int
    enrolments_per_trainee: int
    postgres_only: bool = False


SIZES: dict[str, Size] = {
    # For the test suite: seconds, not minutes.
    "tiny": Size("tiny", institutions=2, trainees=40, courses=4, enrolments_per_trainee=3),
    "S": Size("S", institutions=2, trainees=1_000, courses=20, enrolments_per_trainee=10),
    "M": Size("M", institutions=10, trainees=10_000, courses=50, enrolments_per_trainee=10),
    "L": Size("L", institutions=25, trainees=50_000, courses=100, enrolments_per_trainee=10),
    "XL": Size("XL", institutions=50, trainees=200_000, courses=200, enrolments_per_trainee=10, postgres_only=True),
}

# Every generated course: three modules of two lessons each; modules 1 and 2 end with a quiz of
# MODULE_QUIZ_QUESTIONS questions, module 3 with the final assessment of FINAL_QUESTIONS questions.
MODULES = 3
LESSONS_PER_MODULE = 2
MODULE_QUIZ_QUESTIONS = 5
FINAL_QUESTIONS = 20
PASS_MARK = 70
FINAL_TIME_LIMIT_MINUTES = 45

# Share of enrolments in each state (the rest are in progress).
NOT_STARTED_SHARE = 0.20
COMPLETED_SHARE = 0.35
# The generated history spans this many days before the anchor day.
HISTORY_DAYS = 730

# Accounts with a known password, for signing in to the bench database (never on a real one).
BENCH_PASSWORD = "bench-password"
BENCH_TRAINEE = "trainee@bench.example"
BENCH_ADMIN = "admin@bench.example"
BENCH_COORDINATOR = "coordinator@bench.example"


def size_named(name: str) -> Size:
    """The size called `name` (case-insensitive for S/M/L/XL); KeyError if there is none."""
    if name in SIZES:
        return SIZES[name]
    return SIZES[name.upper()]
