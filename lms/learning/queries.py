"""Named reads of a trainee's learning: progress, "my learning", certificates, feedback."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from sqlalchemy import and_, bindparam, cast, func, literal, null, select, union_all
from sqlalchemy.orm import selectinload

from lms.assignments.models import Assignment, Mark, Submission
from lms.auth.models import User
from lms.catalog.items import live, live_items, module_of
from lms.catalog.models import Course, Lesson, Module
from lms.extensions import db
from lms.learning.models import Certificate, Enrolment, Feedback, LessonProgress
from lms.practicals.models import Practical, Record
from lms.quizzes.models import Quiz, QuizAttempt


@dataclass
class Progress:
    """What one enrolment has done: lessons viewed, best result and pass per quiz, assignments passed (a
    current released mark), practical assessments passed (a current released record)."""

    viewed: set[int]
    best: dict[int, Decimal]
    passed: set[int]
    assignments_passed: set[int] = field(default_factory=set)
    practicals_passed: set[int] = field(default_factory=set)

    def done(self, item) -> bool:
        """Whether the outline item (a lesson, a quiz, an assignment, a practical) is viewed or passed."""
        return self.has_done(item.kind, item.id)

    def has_done(self, kind: str, item_id: int) -> bool:
        """Whether the item of this kind and id is viewed (a lesson) or passed (a quiz, an assignment, a
        practical assessment)."""
        if kind == "quiz":
            return item_id in self.passed
        if kind == "assignment":
            return item_id in self.assignments_passed
        if kind == "practical":
            return item_id in self.practicals_passed
        return kind == "lesson" and item_id in self.viewed


def progress(enrolment: Enrolment | None) -> Progress:
    """The enrolment's progress, in two queries (the quizzes' results and the assignments and practicals passed
    in one)."""
    if enrolment is None:
        return Progress(set(), {}, set())
    viewed = set(db.session.scalars(select(LessonProgress.lesson_id).where(LessonProgress.enrolment_id == enrolment.id)))
    quizzes = (select(literal("quiz").label("kind"), QuizAttempt.quiz_id.label("item"),
                      func.max(QuizAttempt.percent).label("best"),
                      func.max(func.coalesce(QuizAttempt.passed, False).cast(db.Integer)).label("passed"))
               .where(QuizAttempt.enrolment_id == enrolment.id, QuizAttempt.status != "in_progress")
               .group_by(QuizAttempt.quiz_id))
    assignments = _assignments_passed([enrolment.id], literal("assignment"), Submission.assignment_id,
                                      cast(null(), QuizAttempt.percent.type), literal(1))
    practicals = (select(literal("practical"), Record.practical_id, cast(null(), QuizAttempt.percent.type), literal(1))
                  .where(Record.enrolment_id == enrolment.id, Record.counts))
    rows = db.session.execute(union_all(quizzes, assignments, practicals)).all()
    quiz_rows = [(q, p, passed) for kind, q, p, passed in rows if kind == "quiz"]
    return Progress(viewed, {q: p for q, p, _ in quiz_rows}, {q for q, _, passed in quiz_rows if passed},
                    {a for kind, a, _p, _passed in rows if kind == "assignment"},
                    {p for kind, p, _p, _passed in rows if kind == "practical"})


def _assignments_passed(enrolment_ids: list[int], *columns):
    """SELECT of `columns` over the enrolments' submissions passed by a current, released mark (what completion
    counts)."""
    return (select(*columns).join(Mark, Mark.submission_id == Submission.id)
            .where(Submission.enrolment_id.in_(enrolment_ids), Mark.counts))


@dataclass
class LearningRow:
    """A line of "My learning"."""

    enrolment: Enrolment
    course: Course
    done: int
    total: int
    certificate: Certificate | None

    @property
    def percent(self) -> int:
        return int(self.done * 100 / self.total) if self.total else 0


def my_learning(user: User) -> list[LearningRow]:
    """The user's current enrolments with progress (lessons viewed + quizzes and assignments passed out of all), and
    certificates of completed ones, in a fixed number of queries."""
    enrolments = db.session.scalars(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.is_current.is_(True))
        .options(selectinload(Enrolment.course), selectinload(Enrolment.run))
        .order_by(Enrolment.enrolled_at.desc())).all()
    if not enrolments:
        return []
    ids = [e.id for e in enrolments]
    course_ids = [e.course_id for e in enrolments]
    totals: dict[int, int] = {}
    for model in (Lesson, Quiz, Assignment, Practical):
        for course_id, n in db.session.execute(live_items(model, model.course_id, func.count(model.id))
                                                .where(model.course_id.in_(course_ids)).group_by(model.course_id)):
            totals[course_id] = totals.get(course_id, 0) + n
    # Done: live lessons viewed and live quizzes passed (an item of a retired module no longer counts).
    viewed = dict(db.session.execute(
        live_items(Lesson, LessonProgress.enrolment_id, func.count(LessonProgress.id))
        .join(LessonProgress, LessonProgress.lesson_id == Lesson.id)
        .where(LessonProgress.enrolment_id.in_(ids)).group_by(LessonProgress.enrolment_id)).all())
    passed = dict(db.session.execute(
        live_items(Quiz, QuizAttempt.enrolment_id, func.count(func.distinct(QuizAttempt.quiz_id)))
        .join(QuizAttempt, QuizAttempt.quiz_id == Quiz.id)
        .where(QuizAttempt.enrolment_id.in_(ids), QuizAttempt.passed.is_(True))
        .group_by(QuizAttempt.enrolment_id)).all())
    handed = _assignments_passed(ids, Submission.enrolment_id, func.count(func.distinct(Submission.assignment_id)))
    for enrolment_id, n in db.session.execute(
            handed.join(Assignment, Assignment.id == Submission.assignment_id).join(Module, module_of(Assignment))
            .where(live(Assignment)).group_by(Submission.enrolment_id)):
        passed[enrolment_id] = passed.get(enrolment_id, 0) + n
    # And live practical assessments passed: a current, released, passed record (as completion counts them).
    assessed = dict(db.session.execute(
        live_items(Practical, Record.enrolment_id, func.count(func.distinct(Record.practical_id)))
        .join(Record, Record.practical_id == Practical.id)
        .where(Record.enrolment_id.in_(ids), Record.counts)
        .group_by(Record.enrolment_id)).all())
    certificates = {c.enrolment_id: c for c in db.session.scalars(
        select(Certificate).where(Certificate.enrolment_id.in_(ids)))}
    return [LearningRow(e, e.course, min(viewed.get(e.id, 0) + passed.get(e.id, 0) + assessed.get(e.id, 0),
                                         totals.get(e.course_id, 0)),
                        totals.get(e.course_id, 0), certificates.get(e.id)) for e in enrolments]


def earlier_certificates(user: User) -> list[Certificate]:
    """Certificates of the user's earlier cycles (recertification history)."""
    return list(db.session.scalars(
        select(Certificate).join(Enrolment, Enrolment.id == Certificate.enrolment_id)
        .where(Certificate.user_id == user.id, Enrolment.is_current.is_(False)).order_by(Certificate.issued_at.desc())))


def certificate_by_code(code: str) -> Certificate | None:
    """The certificate with this verification code."""
    if not code or len(code) > 40:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


def certificate_of(enrolment: Enrolment) -> Certificate | None:
    """The certificate issued for an enrolment."""
    return db.session.scalar(select(Certificate).where(Certificate.enrolment_id == enrolment.id))


def feedback_of(enrolment: Enrolment) -> Feedback | None:
    """The trainee's feedback on this enrolment."""
    return db.session.scalar(select(Feedback).where(Feedback.enrolment_id == enrolment.id))


@dataclass
class FeedbackSummary:
    """Feedback on a course as a reader may see it."""

    count: int
    average: float | None
    distribution: dict[int, int]
    comments: list[tuple[int, str]]


def feedback_summary(course: Course, scope) -> FeedbackSummary:
    """Ratings (count, mean, 1-5 distribution) and comments of the trainees within `scope` (the SQL
    condition on `User` of whose feedback the reader may read, `lms.access.feedback_scope`)."""
    scoped = (select(Feedback.rating, Feedback.comment, Feedback.updated_at)
              .join(Enrolment, Enrolment.id == Feedback.enrolment_id)
              .join(User, User.id == Enrolment.user_id)
              .where(Feedback.course_id == course.id, scope))
    sub = scoped.subquery()
    distribution = {r: n for r, n in db.session.execute(select(sub.c.rating, func.count()).group_by(sub.c.rating))}
    count = sum(distribution.values())
    average = round(sum(r * n for r, n in distribution.items()) / count, 2) if count else None
    comments = [(r, c) for r, c in db.session.execute(
        select(sub.c.rating, sub.c.comment).where(sub.c.comment != "").order_by(sub.c.updated_at.desc()).limit(200))]
    return FeedbackSummary(count, average, {i: distribution.get(i, 0) for i in range(1, 6)}, comments)


@dataclass
class LessonVisit:
    """What the lesson page needs, read in one statement."""

    course: Course
    lesson: Lesson
    enrolment: Enrolment | None
    progress: LessonProgress | None


@cache
def _lesson_visit_statement():
    # Built once (the lesson page is the most requested page): building it took a third of the read.
    return (select(Course, Lesson, Enrolment, LessonProgress)
            .join(Lesson, and_(Lesson.course_id == Course.id, Lesson.slug == bindparam("lesson_slug")))
            .join(Module, and_(module_of(Lesson), live(Lesson)))
            .outerjoin(Enrolment, and_(Enrolment.course_id == Course.id, Enrolment.user_id == bindparam("user_id"),
                                       Enrolment.is_current.is_(True)))
            .outerjoin(LessonProgress, and_(LessonProgress.enrolment_id == Enrolment.id,
                                            LessonProgress.lesson_id == Lesson.id))
            .where(Course.slug == bindparam("course_slug")))


def lesson_visit(user_id: int, course_slug: str, lesson_slug: str) -> LessonVisit | None:
    """The course, its live lesson, the user's current enrolment and their progress on the lesson;
    None when there is no such course or live lesson."""
    row = db.session.execute(_lesson_visit_statement(), {
        "user_id": user_id, "course_slug": course_slug, "lesson_slug": lesson_slug}).first()
    return LessonVisit(*row) if row is not None else None


def enrolment_of(user_id: int, course_id: int) -> Enrolment | None:
    """The user's current enrolment in the course."""
    return db.session.scalar(select(Enrolment).where(and_(
        Enrolment.user_id == user_id, Enrolment.course_id == course_id, Enrolment.is_current.is_(True))))


def enrolment_by_id(enrolment_id: int) -> Enrolment | None:
    """An enrolment by its id (the caller decides who may see it)."""
    return db.session.get(Enrolment, enrolment_id)


def enrolment_of_person(user_id: int, enrolment_id: int) -> Enrolment | None:
    """One of the user's enrolments (any cycle) by its id, with its course and account; None when the
    enrolment is not theirs."""
    return db.session.scalar(select(Enrolment).where(Enrolment.id == enrolment_id, Enrolment.user_id == user_id)
                             .options(selectinload(Enrolment.course), selectinload(Enrolment.user)))


def enrolment_withdrawn(enrolment_id: int) -> bool:
    """Whether the enrolment (of a quiz attempt, say) is withdrawn."""
    return db.session.scalar(select(Enrolment.status).where(Enrolment.id == enrolment_id)) == "withdrawn"
