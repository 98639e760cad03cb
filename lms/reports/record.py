"""A person's training record: every enrolment cycle of every course with its figures, and their certificates.

The person page (`/people/<id>`) and "My training record" show it, and it is downloaded as PDF
(`record_pdf`) and CSV (`record_csv`). It is read in three statements, whatever the number of
enrolments: the cycles with their courses, the certificates, and the figures of every cycle
aggregated in SQL. The figures follow the reports' definitions (`lms.reports.facts`):
progress is `progress_percent` of live lessons viewed plus live quizzes, assignments and practical
assessments passed; the score is the mean over the course's live quizzes of the best closed attempt (0 for a quiz without one); attempts are
the attempts at live quizzes. Unlike the reports, which count current cycles only, every cycle is
shown, withdrawn ones included, with when and why they were withdrawn. A completion recorded by hand
(source "recorded", lms.recorded) comes with its details (day, hours, reason, evidence), read in the
statement of the cycles.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import case, func, select

from lms.auth.models import User
from lms.catalog.items import live, module_of
from lms.catalog.models import Course, Module
from lms.core import when
from lms.extensions import db
from lms.learning.models import Certificate, Enrolment
from lms.quizzes.models import GRACE_SECONDS, Quiz, QuizAttempt
from lms.recorded.models import RecordedCompletion
from lms.reports.exports import neutralise
from lms.learning.figures import assessed_passed, closed_attempt, lessons_viewed
from lms.reports.facts import assessed_totals, live_item_totals, progress_percent


@dataclass
class RecordCycle:
    """One enrolment cycle with its figures."""

    enrolment: Enrolment
    progress: int            # whole percent, as the reports show it
    score: float | None      # None for a course without live quizzes
    attempts: int
    certificate: Certificate | None = None
    due: date | None = None  # the due date as typed (`Enrolment.due_date`)
    recorded: RecordedCompletion | None = None  # the details of a completion recorded by hand


@dataclass
class CourseRecord:
    """A course and the person's cycles in it, the newest first."""

    course: Course
    cycles: list[RecordCycle] = field(default_factory=list)


@dataclass
class TrainingRecord:
    """Everything the record shows about one person."""

    person: User
    courses: list[CourseRecord]
    certificates: list[Certificate]

    @property
    def cycles(self) -> Iterator[RecordCycle]:
        """Every cycle, course by course."""
        for course in self.courses:
            yield from course.cycles


def training_record(person: User, now: datetime) -> TrainingRecord:
    """The training record of `person` at `now` (which decides which attempts count as closed)."""
    enrolments = db.session.execute(
        select(Enrolment, Course, RecordedCompletion).join(Course, Course.id == Enrolment.course_id)
        .outerjoin(RecordedCompletion, RecordedCompletion.enrolment_id == Enrolment.id)
        .where(Enrolment.user_id == person.id)
        .order_by(func.lower(Course.title), Course.id, Enrolment.cycle.desc())).all()
    certificates = db.session.scalars(select(Certificate).where(Certificate.user_id == person.id)
                                      .order_by(Certificate.issued_at.desc(), Certificate.id.desc())).all()
    if not enrolments:
        return TrainingRecord(person, [], list(certificates))
    figures = _figures(person.id, now)
    by_enrolment = {c.enrolment_id: c for c in certificates}
    courses: dict[int, CourseRecord] = {}
    for enrolment, course, recorded in enrolments:
        progress, score, attempts = figures.get(enrolment.id, (0, None, 0))
        courses.setdefault(course.id, CourseRecord(course)).cycles.append(
            RecordCycle(enrolment, progress, score, attempts, by_enrolment.get(enrolment.id),
                        enrolment.due_on, recorded))
    return TrainingRecord(person, list(courses.values()), list(certificates))


def _figures(user_id: int, now: datetime) -> dict[int, tuple[int, float | None, int]]:
    """(progress, score, attempts) of each of the person's enrolments, in one statement (see the module
    docstring for the definitions; `progress_percent` is the reports' own expression)."""
    mine = select(Enrolment.id).where(Enrolment.user_id == user_id).scalar_subquery()
    closed = closed_attempt(now, GRACE_SECONDS)
    lessons_total, quizzes_total = live_item_totals()
    viewed = lessons_viewed(mine)
    assessed_total, assessed = assessed_totals(), assessed_passed(mine)
    per_quiz = (select(QuizAttempt.enrolment_id, QuizAttempt.quiz_id,
                       func.count(QuizAttempt.id).label("attempts"),
                       func.max(case((closed, func.coalesce(QuizAttempt.percent, 0)))).label("best"),
                       func.max(case((QuizAttempt.passed.is_(True), 1), else_=0)).label("passed"))
                .join(Quiz, Quiz.id == QuizAttempt.quiz_id).join(Module, module_of(Quiz))
                .where(live(Quiz), QuizAttempt.enrolment_id.in_(mine))
                .group_by(QuizAttempt.enrolment_id, QuizAttempt.quiz_id).subquery("per_quiz"))
    quizzes = (select(per_quiz.c.enrolment_id, func.sum(per_quiz.c.passed).label("passed"),
                      func.sum(per_quiz.c.attempts).label("attempts"),
                      func.sum(func.coalesce(per_quiz.c.best, 0)).label("score_sum"))
               .group_by(per_quiz.c.enrolment_id).subquery("quizzes"))
    n_quizzes = func.coalesce(quizzes_total.c.n, 0)
    done = func.coalesce(viewed.c.n, 0) + func.coalesce(quizzes.c.passed, 0) + func.coalesce(assessed.c.n, 0)
    items = func.coalesce(lessons_total.c.n, 0) + n_quizzes + func.coalesce(assessed_total.c.n, 0)
    score = case((n_quizzes > 0, func.coalesce(quizzes.c.score_sum, 0) * 1.0 / n_quizzes))
    rows = db.session.execute(
        select(Enrolment.id, progress_percent(done, items), score, func.coalesce(quizzes.c.attempts, 0))
        .outerjoin(lessons_total, lessons_total.c.course_id == Enrolment.course_id)
        .outerjoin(quizzes_total, quizzes_total.c.course_id == Enrolment.course_id)
        .outerjoin(assessed_total, assessed_total.c.course_id == Enrolment.course_id)
        .outerjoin(viewed, viewed.c.enrolment_id == Enrolment.id)
        .outerjoin(assessed, assessed.c.enrolment_id == Enrolment.id)
        .outerjoin(quizzes, quizzes.c.enrolment_id == Enrolment.id)
        .where(Enrolment.user_id == user_id)).all()
    return {id_: (int(progress), None if score is None else float(score), int(attempts))
            for id_, progress, score, attempts in rows}


# --- CSV ---------------------------------------------------------------------------------------------

CSV_COLUMNS = ("course", "cycle", "current", "status", "withdrawn_at", "withdrawal_reason", "progress_percent",
               "score_percent", "attempts", "due_on", "enrolled_at", "completed_at", "certificate_code",
               "certificate_issued_at", "certificate_expires_at", "certificate_state", "source", "recorded_completed_on",
               "recorded_hours", "recorded_reason", "recorded_evidence")


def record_csv(record: TrainingRecord, now: datetime, where) -> str:
    """The record as CSV, one line per enrolment cycle, times in ISO 8601 with the offset of `where` (the
    reader's zone) and the due date as the date typed."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for course in record.courses:
        for cycle in course.cycles:
            e, c, r = cycle.enrolment, cycle.certificate, cycle.recorded
            writer.writerow([
                neutralise(course.course.title), e.cycle, "yes" if e.is_current else "no", e.status,
                when.iso(e.withdrawn_at, where) or "", neutralise(e.withdrawal_reason or ""), cycle.progress,
                "" if cycle.score is None else f"{cycle.score:.1f}", cycle.attempts, when.iso(cycle.due) or "",
                when.iso(e.enrolled_at, where) or "", when.iso(e.completed_at, where) or "",
                c.code if c else "", when.iso(c.issued_at, where) if c else "",
                (when.iso(c.expires_at, where) or "") if c else "", c.status(now) if c else "", e.source,
                when.iso(r.completed_on) if r else "", "" if r is None or r.hours is None else str(r.hours),
                neutralise(r.reason) if r else "", neutralise(r.evidence_name or "") if r else ""])
    return out.getvalue()
