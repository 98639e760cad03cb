"""Named reads of a trainee's learning: progress, "my learning", certificates, feedback."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, lru_cache
from typing import NamedTuple

from sqlalchemy import and_, bindparam, cast, exists, func, literal, null, select, union_all
from sqlalchemy.orm import aliased, joinedload, selectinload

from lms.assignments.models import Mark, Submission
from lms.auth.models import User
from lms.catalog.items import live, module_of
from lms.catalog.models import Course, Lesson, Module
from lms.catalog.outline import course_outline
from lms.core.reads import plain_rows
from lms.extensions import db
from lms.learning.models import Certificate, Enrolment, Feedback, LessonProgress
from lms.practicals.models import Record
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
    """The enrolment's progress, in one query (`progresses`)."""
    if enrolment is None:
        return Progress(set(), {}, set())
    return progresses([enrolment.id])[enrolment.id]


def progresses(enrolment_ids: list[int]) -> dict[int, Progress]:
    """Each enrolment's progress (lessons viewed; best result and pass per quiz closed; assignments and
    practical assessments passed), in one query whatever the number of enrolments."""
    found = {enrolment_id: Progress(set(), {}, set()) for enrolment_id in enrolment_ids}
    if not enrolment_ids:
        return found
    for kind, enrolment_id, item, best, passed in plain_rows(_progress_statement(), {"ids": list(enrolment_ids)}):
        done = found[enrolment_id]
        if kind == "lesson":
            done.viewed.add(item)
        elif kind == "quiz":
            done.best[item] = best
            if passed:
                done.passed.add(item)
        elif kind == "assignment":
            done.assignments_passed.add(item)
        else:
            done.practicals_passed.add(item)
    return found


@cache
def _progress_statement():
    # Built once: every course, lesson and quiz page and "my learning" run it, and building the union costs
    # more than running it. Rows: (kind, enrolment id, item id, best percent, passed).
    ids = bindparam("ids", expanding=True)
    no_percent = cast(null(), QuizAttempt.percent.type)
    lessons = (select(literal("lesson").label("kind"), LessonProgress.enrolment_id.label("enrolment"),
                      LessonProgress.lesson_id.label("item"), no_percent.label("best"), literal(1).label("passed"))
               .where(LessonProgress.enrolment_id.in_(ids)))
    quizzes = (select(literal("quiz"), QuizAttempt.enrolment_id, QuizAttempt.quiz_id, func.max(QuizAttempt.percent),
                      func.max(func.coalesce(QuizAttempt.passed, False).cast(db.Integer)))
               .where(QuizAttempt.enrolment_id.in_(ids), QuizAttempt.status != "in_progress")
               .group_by(QuizAttempt.enrolment_id, QuizAttempt.quiz_id))
    assignments = _assignments_passed(ids, literal("assignment"), Submission.enrolment_id, Submission.assignment_id,
                                      no_percent, literal(1))
    practicals = (select(literal("practical"), Record.enrolment_id, Record.practical_id, no_percent, literal(1))
                  .where(Record.enrolment_id.in_(ids), Record.counts))
    return union_all(lessons, quizzes, assignments, practicals)


def _assignments_passed(enrolment_ids, *columns):
    """SELECT of `columns` over the enrolments' submissions passed by a current, released mark (what completion
    counts); `enrolment_ids` is a list or an expanding bound parameter."""
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


class MyLearning(NamedTuple):
    """The page "my learning" as read: its rows, and what was asked beside them of the person (None for each when
    the person has no current enrolment, so that no row brought an answer)."""

    rows: list[LearningRow]
    has_earlier_certificates: bool | None
    answers: tuple | None


def my_learning(user: User) -> list[LearningRow]:
    """The user's current enrolments with progress (live lessons viewed and live quizzes, assignments and practical
    assessments passed, out of the course's live items: what the course page counts per module), and certificates
    of completed ones, in two statements whatever their number (the enrolments with their courses, runs and
    certificates; the progress). The live items are the course's outline, cached per course version
    (`lms.catalog.outline`: a course's first request in a process reads it)."""
    return my_learning_read(user).rows


def my_learning_read(user: User, also: tuple = ()) -> MyLearning:
    """`my_learning`, with whether the person holds certificates of earlier cycles and the answers to `also`, asked
    in the enrolments' statement: yes-or-no columns about the person whose id is the statement's `user_id` that
    other features give (`lms.sessions.queries.person_has_sessions_column`). A question PostgreSQL and SQLite
    answer once per statement (it names no column of the rows): the page then reads nothing for a "no"."""
    found = db.session.execute(_my_enrolments_statement(also), {"user_id": user.id}).all()
    if not found:
        return MyLearning([], None, None)
    done = progresses([row[0].id for row in found])
    rows = []
    for e, certificate, *_answers in found:
        items = course_outline(e.course).sequence
        rows.append(LearningRow(e, e.course, sum(1 for item in items if done[e.id].done(item)), len(items),
                                certificate))
    first = found[0]
    return MyLearning(rows, bool(first[2]), tuple(bool(answer) for answer in first[3:]))


@lru_cache(maxsize=16)
def _my_enrolments_statement(also: tuple = ()):
    # Built once per set of questions, one statement: a person has a handful of current enrolments, each with one
    # course, at most one run and one certificate, so joining them repeats nothing (three statements more before
    # issue 25). The earlier cycles' certificates and the questions asked are the person's, the same on every row.
    past, held = aliased(Enrolment), aliased(Certificate)  # not the rows' own: nothing to correlate with
    earlier = exists().where(held.user_id == bindparam("user_id"), held.enrolment_id == past.id,
                             past.is_current.is_(False)).label("has_earlier_certificates")
    return (select(Enrolment, Certificate, earlier, *also)
            .outerjoin(Certificate, Certificate.enrolment_id == Enrolment.id)
            .options(joinedload(Enrolment.course, innerjoin=True), joinedload(Enrolment.run))
            .where(Enrolment.user_id == bindparam("user_id"), Enrolment.is_current.is_(True))
            .order_by(Enrolment.enrolled_at.desc(), Enrolment.id.desc()))


def earlier_certificates(user: User) -> list[Certificate]:
    """Certificates of the user's earlier cycles (recertification history)."""
    return list(db.session.scalars(_earlier_certificates_statement(), {"user_id": user.id}))


@cache
def _earlier_certificates_statement():
    # Built once: "my learning" runs it on every view, and building it cost more than running it.
    return (select(Certificate).join(Enrolment, Enrolment.id == Certificate.enrolment_id)
            .where(Certificate.user_id == bindparam("user_id"), Enrolment.is_current.is_(False))
            .order_by(Certificate.issued_at.desc()))


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


def _visitor_enrolment():
    # The ON clause of the visit statements: the current enrolment of the visitor (`user_id`, NULL for nobody) in the
    # course of the URL.
    return and_(Enrolment.course_id == Course.id, Enrolment.user_id == bindparam("user_id"),
                Enrolment.is_current.is_(True))


@cache
def _lesson_visit_statement():
    # Built once (the lesson page is the most requested page): building it took a third of the read.
    return (select(Course, Lesson, Enrolment, LessonProgress)
            .join(Lesson, and_(Lesson.course_id == Course.id, Lesson.slug == bindparam("lesson_slug")))
            .join(Module, and_(module_of(Lesson), live(Lesson)))
            .outerjoin(Enrolment, _visitor_enrolment())
            .outerjoin(LessonProgress, and_(LessonProgress.enrolment_id == Enrolment.id,
                                            LessonProgress.lesson_id == Lesson.id))
            .where(Course.slug == bindparam("course_slug")))


def lesson_visit(user_id: int, course_slug: str, lesson_slug: str) -> LessonVisit | None:
    """The course, its live lesson, the user's current enrolment and their progress on the lesson;
    None when there is no such course or live lesson."""
    row = db.session.execute(_lesson_visit_statement(), {
        "user_id": user_id, "course_slug": course_slug, "lesson_slug": lesson_slug}).first()
    return LessonVisit(*row) if row is not None else None


@dataclass
class CourseVisit:
    """The course named in a URL and the visitor's current enrolment in it, read in one statement, with the
    answers to the questions asked beside them (`has`, in the order of `also`)."""

    course: Course
    enrolment: Enrolment | None
    has: tuple[bool, ...] = ()


def course_visit(user_id: int | None, course_slug: str, also: tuple = ()) -> CourseVisit | None:
    """The course with this slug and the user's current enrolment in it (None: not enrolled, or no user); None
    when there is no such course. The caller decides whether the visitor may see it (`lms.access`).

    `also` are yes-or-no questions about the course, each a column correlated with `Course` (an EXISTS) that the
    feature it concerns gives, as `lms.runs.queries.course_has_runs_column`: the course page learns in this one
    statement which of its parts the course has none of, and reads nothing more for those. Each feature builds its
    column once, so the statement is built once per set of questions."""
    row = db.session.execute(_course_visit_statement(also), {"user_id": user_id, "course_slug": course_slug}).first()
    if row is None:
        return None
    return CourseVisit(row[0], row[1], tuple(bool(answer) for answer in row[2:]))


@lru_cache(maxsize=16)
def _course_visit_statement(also: tuple):
    # Built once per set of questions (the course page asks one): the course page read the course, then the
    # enrolment, in two statements, and then asked of the runs, sessions, announcements and conditions one by one.
    return (select(Course, Enrolment, *also)
            .outerjoin(Enrolment, _visitor_enrolment())
            .where(Course.slug == bindparam("course_slug")))


@dataclass
class QuizVisit:
    """The course and live quiz named in a URL and the visitor's current enrolment in the course, read in one
    statement, with the answers to the questions asked beside them (`answers`, in the order of `also`)."""

    course: Course
    quiz: Quiz
    enrolment: Enrolment | None
    answers: tuple = ()


def quiz_visit(user_id: int, course_slug: str, quiz_slug: str, also: tuple = ()) -> QuizVisit | None:
    """The course, its live quiz and the user's current enrolment (None when not enrolled); None when there is
    no such course or live quiz. The caller decides whether the visitor may see the course (`lms.access`).

    `also` are columns correlated with `Quiz` that other features give (whether the quiz has availability
    conditions, the size of its bank), read in this statement, as `course_visit`'s."""
    row = db.session.execute(_quiz_visit_statement(also), {
        "user_id": user_id, "course_slug": course_slug, "quiz_slug": quiz_slug}).first()
    return QuizVisit(row[0], row[1], row[2], tuple(row[3:])) if row is not None else None


@lru_cache(maxsize=16)
def _quiz_visit_statement(also: tuple):
    # Built once per set of questions: the quiz page and the start of an attempt read the course, the quiz and the
    # enrolment in three statements before, and then asked of the quiz's conditions and bank one by one.
    return (select(Course, Quiz, Enrolment, *also)
            .join(Quiz, and_(Quiz.course_id == Course.id, Quiz.slug == bindparam("quiz_slug")))
            .join(Module, and_(module_of(Quiz), live(Quiz)))
            .outerjoin(Enrolment, _visitor_enrolment())
            .where(Course.slug == bindparam("course_slug")))


@dataclass
class AttemptVisit:
    """A quiz attempt named in a URL with its quiz, enrolment and course, read in one statement."""

    attempt: QuizAttempt
    quiz: Quiz
    enrolment: Enrolment
    course: Course


def attempt_visit(user_id: int, attempt_id: int) -> AttemptVisit | None:
    """The attempt if it is the user's (anyone else's is "not found", None), with its quiz, its enrolment (whether it
    is withdrawn) and its course (the page's title, and completion when the attempt passes)."""
    row = db.session.execute(_attempt_visit_statement(), {"user_id": user_id, "attempt_id": attempt_id}).first()
    return AttemptVisit(*row) if row is not None else None


@cache
def _attempt_visit_statement():
    # Built once: the attempt's pages and its saves and submission read the attempt, then its quiz, its enrolment's
    # status and, on a pass, the enrolment and course again, in up to five statements before.
    return (select(QuizAttempt, Quiz, Enrolment, Course)
            .join(Quiz, Quiz.id == QuizAttempt.quiz_id).join(Enrolment, Enrolment.id == QuizAttempt.enrolment_id)
            .join(Course, Course.id == Quiz.course_id)
            .where(QuizAttempt.id == bindparam("attempt_id"), QuizAttempt.user_id == bindparam("user_id")))


def enrolment_of(user_id: int, course_id: int) -> Enrolment | None:
    """The user's current enrolment in the course."""
    return db.session.scalar(_enrolment_of_statement(), {"user_id": user_id, "course_id": course_id})


@cache
def _enrolment_of_statement():
    # Built once: the course and quiz pages and every trainee's POST run it, and building it costs more than
    # running it.
    return select(Enrolment).where(and_(Enrolment.user_id == bindparam("user_id"),
                                        Enrolment.course_id == bindparam("course_id"), Enrolment.is_current.is_(True)))


def enrolment_by_id(enrolment_id: int) -> Enrolment | None:
    """An enrolment by its id (the caller decides who may see it)."""
    return db.session.get(Enrolment, enrolment_id)


def enrolment_of_person(user_id: int, enrolment_id: int) -> Enrolment | None:
    """One of the user's enrolments (any cycle) by its id, with its course and account; None when the
    enrolment is not theirs."""
    return db.session.scalar(select(Enrolment).where(Enrolment.id == enrolment_id, Enrolment.user_id == user_id)
                             .options(selectinload(Enrolment.course), selectinload(Enrolment.user)))

