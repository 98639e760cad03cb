"""Named reads for authoring: the editor's courses, staff, the course dashboard and item analysis.

The dashboard's progress of a learner is the reports' per-enrolment figure (`lms.reports.facts`), read
from the same SQL, so that the instructor and the coordinator never see two numbers for one trainee.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select, true, union
from sqlalchemy.orm import selectinload

from lms.assignments.models import Assignment
from lms.auth.models import User
from lms.catalog.items import live, live_items, module_of
from lms.catalog.models import Course, CourseStaff, Lesson, Module
from lms.core import clock
from lms.extensions import db
from lms.institutions.models import Institution
from lms.languages.models import CourseVersion
from lms.learning.models import Enrolment
from lms.practicals.models import Practical
from lms.quizzes.models import AttemptAnswer, Question, Quiz, QuizAttempt
from lms.reports.facts import facts
from lms.reports.filters import SHOW, ReportFilters


def courses_in(scope) -> list[Course]:
    """The courses within `scope` (the SQL condition on `Course` of what the editor may edit,
    `lms.access.editable_courses`), by title."""
    return list(db.session.scalars(select(Course).where(scope).order_by(Course.title)))


def staff_of(course: Course) -> list[tuple[User, str]]:
    """The course's staff with their roles."""
    rows = db.session.execute(select(User, CourseStaff.role).join(CourseStaff, CourseStaff.user_id == User.id)
                              .where(CourseStaff.course_id == course.id).order_by(CourseStaff.role.desc(), User.name))
    return [(user, role) for user, role in rows]


def instructors() -> list[User]:
    """Active instructors, for the staff form."""
    return list(db.session.scalars(select(User).where(User.role == "instructor", User.active.is_(True))
                                   .order_by(User.name)))


def live_questions(quiz: Quiz) -> list[Question]:
    """The quiz's bank in order, drafts included, with their choices (the editor checks each draft)."""
    return list(db.session.scalars(select(Question).where(Question.quiz_id == quiz.id, Question.retired.is_(False))
                                   .order_by(Question.position).options(selectinload(Question.choices))))


def has_final_assessment(course: Course) -> bool:
    """Whether a live quiz of the course is its final assessment."""
    return db.session.scalar(live_items(Quiz).where(Quiz.course_id == course.id, Quiz.is_final.is_(True))
                             .limit(1)) is not None


@dataclass(frozen=True)
class ItemName:
    """How an author knows a module, lesson, quiz or question of their course: its title (a question's
    text), and for a question its kind and its quiz's title."""

    title: str
    kind: str | None = None
    quiz: str | None = None


def item_names(course: Course) -> dict[tuple[str, str], ItemName]:
    """The course's live modules, lessons, quizzes and questions by (subject, slug), as the package
    check names them ("module", "lesson", "quiz", "question"): four queries, whatever the size."""
    names = {}
    for subject, model in (("module", Module), ("lesson", Lesson), ("quiz", Quiz), ("practical", Practical)):
        for slug, title in db.session.execute(select(model.slug, model.title).where(
                model.course_id == course.id, model.retired.is_(False))):
            names[(subject, slug)] = ItemName(title)
    for slug, text, kind, quiz in db.session.execute(
            select(Question.slug, Question.text, Question.kind, Quiz.title).join(Quiz, Quiz.id == Question.quiz_id)
            .where(Question.course_id == course.id, Question.retired.is_(False))):
        names[("question", slug)] = ItemName(text, kind, quiz)
    return names


def item_by_slug(course: Course, kind: str, slug: str):
    """A live module, lesson, quiz, question, assignment or practical of the course by its slug."""
    model = {"modules": Module, "lessons": Lesson, "quizzes": Quiz, "questions": Question,
             "assignments": Assignment, "practicals": Practical}[kind]
    return db.session.scalar(select(model).where(model.course_id == course.id, model.slug == slug,
                                                 model.retired.is_(False)))


@dataclass
class LearnerRow:
    """A learner of the course on the dashboard."""

    name: str
    institution: str | None
    status: str
    enrolled_at: object
    completed_at: object
    progress: int | None  # whole percent, the reports' figure; None for a learner who is not a trainee


def dashboard(course: Course) -> tuple[dict, list[LearnerRow], list[dict]]:
    """Learners by status, the learners with their progress, and each quiz's results; fixed number of queries.

    Progress comes from `lms.reports.facts` (every institution's trainees in this course), so it is the
    number the drill-down, the exports and the API give; the reports count trainees only, so a learner
    of another role has none."""
    # Withdrawn enrolments too: the dashboard lists every current enrolment with its progress.
    figures = facts(true(), ReportFilters(course=course.slug, withdrawn=SHOW), clock.now())
    enrolments = db.session.execute(
        select(Enrolment.id, User.name, Enrolment.status, Enrolment.enrolled_at, Enrolment.completed_at,
               Enrolment.started_at, User.institution_id, figures.c.progress)
        .join(User, User.id == Enrolment.user_id)
        .outerjoin(figures, figures.c.enrolment_id == Enrolment.id)
        .where(Enrolment.course_id == course.id, Enrolment.is_current.is_(True)).order_by(User.name)).all()
    institutions = dict(db.session.execute(select(Institution.id, Institution.code)).all())
    rows, counts = [], Counter()
    for e in enrolments:
        status = "completed" if e.status == "completed" else ("in_progress" if e.started_at else "not_started")
        counts[status] += 1
        rows.append(LearnerRow(e.name, institutions.get(e.institution_id), status, e.enrolled_at, e.completed_at,
                               None if e.progress is None else int(e.progress)))
    quizzes = db.session.execute(
        select(Quiz.slug, Quiz.title, func.count(QuizAttempt.id), func.avg(QuizAttempt.percent),
               func.sum(func.coalesce(QuizAttempt.passed, False).cast(db.Integer)))
        .join(QuizAttempt, (QuizAttempt.quiz_id == Quiz.id) & (QuizAttempt.status != "in_progress"), isouter=True)
        .join(Module, module_of(Quiz)).where(Quiz.course_id == course.id, live(Quiz))
        .group_by(Quiz.id, Quiz.slug, Quiz.title, Quiz.position, Quiz.module_id).order_by(Quiz.module_id, Quiz.position)
    ).all()
    quiz_rows = [{"slug": s, "title": t, "attempts": n, "average": float(avg) if avg is not None else None,
                  "pass_rate": (int(p or 0) / n) if n else None} for s, t, n, avg, p in quizzes]
    return {k: counts.get(k, 0) for k in ("not_started", "in_progress", "completed")}, rows, quiz_rows


@dataclass
class ItemStats:
    """Item analysis of one question."""

    question: Question
    drawn: int = 0
    answered: int = 0
    correct: int = 0
    discrimination: float | None = None
    choice_counts: dict = field(default_factory=dict)  # choice text -> times picked

    @property
    def percent_correct(self) -> float | None:
        return 100.0 * self.correct / self.drawn if self.drawn else None


# The attempts item analysis counts: every one, those taken in the course's own language (an attempt's
# `language` is NULL there), or those of one language version (its tag).
ALL_LANGUAGES, ORIGINAL = "all", "original"


def item_analysis(quiz: Quiz, language: str = ALL_LANGUAGES) -> tuple[int, list[ItemStats]]:
    """Per question: how many answered, percent correct, discrimination between the top and bottom
    27% of attempts by score, and how often each choice was picked. One query over the answers, of the
    attempts in `language` (ALL_LANGUAGES, ORIGINAL or a version's tag: a condition of that query), and
    one over the questions with their choices."""
    attempts = [QuizAttempt.quiz_id == quiz.id, QuizAttempt.status != "in_progress"]
    if language == ORIGINAL:
        attempts.append(QuizAttempt.language.is_(None))
    elif language != ALL_LANGUAGES:
        attempts.append(QuizAttempt.language == language)
    rows = db.session.execute(
        select(QuizAttempt.id, QuizAttempt.percent, AttemptAnswer.question_id, AttemptAnswer.response,
               AttemptAnswer.correct)
        .join(AttemptAnswer, AttemptAnswer.attempt_id == QuizAttempt.id)
        .where(*attempts)).all()
    questions = {q.id: q for q in db.session.scalars(select(Question).where(Question.quiz_id == quiz.id)
                                                     .options(selectinload(Question.choices)))}
    stats = {qid: ItemStats(q) for qid, q in questions.items() if not q.retired}
    percent = {}
    by_question: dict[int, dict[int, bool]] = defaultdict(dict)
    for attempt_id, attempt_percent, question_id, response, correct in rows:
        percent[attempt_id] = float(attempt_percent or 0)
        s = stats.get(question_id)
        if s is None:
            continue
        s.drawn += 1
        by_question[question_id][attempt_id] = bool(correct)
        if response not in (None, [], ""):
            s.answered += 1
        if correct:
            s.correct += 1
        if isinstance(response, list):
            texts = {c.id: c.text for c in s.question.choices}
            for choice_id in response:
                label = texts.get(choice_id, f"#{choice_id}")
                s.choice_counts[label] = s.choice_counts.get(label, 0) + 1
    ranked = sorted(percent, key=lambda a: (percent[a], a))
    group = max(1, round(len(ranked) * 0.27)) if ranked else 0
    bottom, top = set(ranked[:group]), set(ranked[-group:]) if group else set()
    for question_id, s in stats.items():
        answers = by_question.get(question_id, {})
        in_top = [ok for a, ok in answers.items() if a in top]
        in_bottom = [ok for a, ok in answers.items() if a in bottom]
        if in_top and in_bottom:
            s.discrimination = round(sum(in_top) / len(in_top) - sum(in_bottom) / len(in_bottom), 2)
        for choice in s.question.choices:
            s.choice_counts.setdefault(choice.text, 0)
    ordered = sorted(stats.values(), key=lambda s: s.question.position)
    return len(ranked), ordered


def attempt_languages(quiz: Quiz) -> list[str]:
    """The languages item analysis may be split by: the course's versions, and any other language attempts
    at the quiz were taken in (a version deleted since), by tag; one statement."""
    versions = select(CourseVersion.language.label("language")).where(CourseVersion.course_id == quiz.course_id)
    taken = select(QuizAttempt.language.label("language")).where(QuizAttempt.quiz_id == quiz.id,
                                                                 QuizAttempt.language.is_not(None))
    both = union(versions, taken).subquery()
    return list(db.session.scalars(select(both.c.language).order_by(both.c.language)))
