"""Deciding completion: has an enrolment met its course's completion rule?

Completion is decided when data is written (a lesson viewed, an attempt graded or closed, an
attendance marked, a mark released, a course updated), never by a scheduled job. The rule has five parts:
lessons viewed, quizzes passed, assignments and practical assessments passed (by a current, released mark
or record: a mark held back completes nothing), training sessions attended (lms.attendance.figures). The
figures come from grouped SQL queries for any number of enrolments; a completion once granted is never
taken back.
"""
from __future__ import annotations

from functools import cache

from sqlalchemy import and_, bindparam, false, func, literal, select, true

from lms.assignments.models import Assignment, Mark, Submission
from lms.attendance import figures as attendance
from lms.catalog.items import live_items
from lms.catalog.models import Course, Lesson
from lms.extensions import db
from lms.learning.models import Enrolment, LessonProgress
from lms.practicals.models import Practical, Record
from lms.quizzes.models import Quiz, QuizAttempt


#: The items a completion rule names, in the order of its parts (`_rule`) and of `_DONE`.
_PARTS = (Lesson, Quiz, Assignment, Practical)


def _required(model, course_id, rule: str):
    """SELECT of the ids of the live items of `model` in the course `course_id` (an id or a bound parameter) that
    `rule` (the course's setting for that part) requires, or None where it requires none."""
    if rule == "none":
        return None
    query = live_items(model).where(model.course_id == course_id)
    return query.where(Quiz.is_final.is_(True)) if rule == "final" else query  # "final": quizzes only


def _required_items(course_id, rule: tuple[str, str, str, str]) -> tuple:
    """`_required` of each part of `rule`: lessons, quizzes, assignments, practical assessments."""
    return tuple(_required(model, course_id, part) for model, part in zip(_PARTS, rule, strict=True))


def _rule(course: Course) -> tuple[str, str, str, str]:
    return (course.completion_lessons, course.completion_quizzes, course.completion_assignments,
            course.completion_practicals)


def required_lessons(course: Course):
    """SELECT of the ids of lessons the rule requires (live lessons of live modules), or None."""
    return _required(Lesson, course.id, course.completion_lessons)


def required_quizzes(course: Course):
    """SELECT of the ids of quizzes the rule requires to be passed, or None."""
    return _required(Quiz, course.id, course.completion_quizzes)


def required_assignments(course: Course):
    """SELECT of the ids of assignments the rule requires to be passed, or None."""
    return _required(Assignment, course.id, course.completion_assignments)


def required_practicals(course: Course):
    """SELECT of the ids of practical assessments the rule requires to be passed, or None."""
    return _required(Practical, course.id, course.completion_practicals)


def enrolments_meeting_rule(course: Course, enrolment_ids: list[int]) -> list[int]:
    """Of these active enrolments in `course`, the ids whose trainee has met the completion rule: its lessons and
    quizzes (`content_met`), then its attendance of training sessions, when it asks for any (three statements
    more, for any number of enrolments)."""
    met = content_met(course, enrolment_ids)
    if course.completion_attendance == "none" or not met:
        return met
    places = db.session.execute(select(Enrolment.id, Enrolment.user_id, Enrolment.run_id)
                                .where(Enrolment.id.in_(met))).all()
    attended = attendance.meeting_rule(course, [tuple(p) for p in places])
    return [e for e in met if e in attended]


def content_met(course: Course, enrolment_ids: list[int]) -> list[int]:
    """Of these active enrolments in `course`, the ids whose trainee has viewed the lessons and passed the
    quizzes, assignments and practical assessments the rule asks for. A course whose rule asks for no lessons
    and no quizzes completes once its assignments and practicals (if any) are passed; one with nothing to view
    or pass but a rule asking for lessons or quizzes ("an empty course") never does, unless the rule asks for
    attendance (a course of sessions only).

    One statement for a single enrolment (the case of every lesson view, passed quiz and released mark), one
    more per part with something required for a batch (the required counts, then what each enrolment did).
    """
    if not enrolment_ids:
        return []
    rule = _rule(course)
    # Nothing to do completes at once only where the rule asks for no lessons and no quizzes.
    nothing_completes = course.completion_attendance != "none" or (rule[0] == "none" and rule[1] == "none")
    if len(enrolment_ids) == 1:
        parts = _single_statement(rule)
        if parts is None:
            return list(enrolment_ids)
        statement, count = parts
        figures = db.session.execute(statement, {"rule_course_id": course.id,
                                                 "rule_enrolment_id": enrolment_ids[0]}).one()
        needs, dones = figures[:count], figures[count:]
        met = (any(needs) or nothing_completes) and all(done >= need for need, done in zip(needs, dones))
        return list(enrolment_ids) if met else []
    parts = [(required, done) for required, done in zip(_required_items(course.id, rule), _DONE)
             if required is not None]
    if not parts:
        return list(enrolment_ids)
    needs = db.session.execute(select(*(_count(required).scalar_subquery() for required, _done in parts))).one()
    if not any(needs):
        return list(enrolment_ids) if nothing_completes else []  # an empty course is never "completed"
    dones = [dict(db.session.execute(done(enrolment_ids, required)).all()) if need else {}
             for (required, done), need in zip(parts, needs)]
    return [e for e in enrolment_ids if all(counts.get(e, 0) >= need for counts, need in zip(dones, needs))]


@cache
def _single_statement(rule: tuple[str, str, str, str]):
    """For one enrolment (the case of every lesson view, passed quiz and released mark): the one statement giving
    what the rule requires of each part, then what the enrolment did of each, and how many parts; None when the
    rule requires nothing. Each part is one aggregate over its required items, with what the enrolment did of them
    joined (`_SINGLE_DONE`), so the required items are read once (twice until 2026-12-07). Built once per kind of
    rule, with the course and the enrolment bound when run: building it took as long as running it."""
    course_id, enrolment_id = bindparam("rule_course_id"), bindparam("rule_enrolment_id")
    parts = [(required.subquery(f"required_{n}"), done) for n, (required, done) in enumerate(zip(
        _required_items(course_id, rule), _SINGLE_DONE)) if required is not None]
    if not parts:
        return None
    counted = []
    for n, (required, done) in enumerate(parts):
        did = done(enrolment_id).subquery(f"did_{n}")
        counted.append(select(func.count(required.c.id).label("need"), func.count(did.c.item_id).label("done"))
                       .select_from(required.outerjoin(did, did.c.item_id == required.c.id)).subquery(f"part_{n}"))
    joined = counted[0]
    for part in counted[1:]:
        joined = joined.join(part, true())  # each part is one row: the join is that row beside the other
    statement = select(*(part.c.need for part in counted), *(part.c.done for part in counted)).select_from(joined)
    return statement, len(parts)


def _lessons_viewed_by(enrolment_id):
    return select(LessonProgress.lesson_id.label("item_id")).where(LessonProgress.enrolment_id == enrolment_id)


def _quizzes_passed_by(enrolment_id):
    return (select(QuizAttempt.quiz_id.label("item_id"))
            .where(QuizAttempt.enrolment_id == enrolment_id, QuizAttempt.passed.is_(True)).distinct())


def _assignments_passed_by(enrolment_id):
    return (select(Submission.assignment_id.label("item_id")).join(Mark, Mark.submission_id == Submission.id)
            .where(Submission.enrolment_id == enrolment_id, Mark.counts).distinct())


def _practicals_passed_by(enrolment_id):
    return (select(Record.practical_id.label("item_id"))
            .where(Record.enrolment_id == enrolment_id, Record.counts).distinct())


#: The items of each part of the rule one enrolment has done (viewed or passed: each at most once), in the order of
#: `_PARTS`.
_SINGLE_DONE = (_lessons_viewed_by, _quizzes_passed_by, _assignments_passed_by, _practicals_passed_by)


def _count(required):
    """SELECT count(*) of a required-items SELECT (0 when the rule requires none)."""
    if required is None:
        return select(literal(0))
    return select(func.count()).select_from(required.subquery())


def _viewed(enrolment_ids: list[int], lessons):
    """Per enrolment, how many of the required lessons it has viewed."""
    query = (select(LessonProgress.enrolment_id, func.count(LessonProgress.lesson_id))
             .where(LessonProgress.enrolment_id.in_(enrolment_ids)).group_by(LessonProgress.enrolment_id))
    return query.where(LessonProgress.lesson_id.in_(lessons)) if lessons is not None else query.where(false())


def _passed(enrolment_ids: list[int], quizzes):
    """Per enrolment, how many of the required quizzes it has passed."""
    query = (select(QuizAttempt.enrolment_id, func.count(func.distinct(QuizAttempt.quiz_id)))
             .where(QuizAttempt.enrolment_id.in_(enrolment_ids), QuizAttempt.passed.is_(True))
             .group_by(QuizAttempt.enrolment_id))
    return query.where(QuizAttempt.quiz_id.in_(quizzes)) if quizzes is not None else query.where(false())


def _assignments_passed(enrolment_ids: list[int], assignments):
    """Per enrolment, how many of the required assignments it has passed: a current (not superseded), released
    mark that passed, on any of its submissions."""
    return (select(Submission.enrolment_id, func.count(func.distinct(Submission.assignment_id)))
            .join(Mark, Mark.submission_id == Submission.id)
            .where(Submission.enrolment_id.in_(enrolment_ids), Submission.assignment_id.in_(assignments),
                   Mark.counts)
            .group_by(Submission.enrolment_id))


def _practicals_passed(enrolment_ids: list[int], practicals):
    """Per enrolment, how many of the required practical assessments it has passed: a current, released record
    that passed."""
    return (select(Record.enrolment_id, func.count(func.distinct(Record.practical_id)))
            .where(Record.enrolment_id.in_(enrolment_ids), Record.practical_id.in_(practicals),
                   Record.counts)
            .group_by(Record.enrolment_id))


def active_enrolment_ids(course_id: int) -> list[int]:
    """The course's current enrolments that are not completed yet."""
    return list(db.session.scalars(select(Enrolment.id).where(
        and_(Enrolment.course_id == course_id, Enrolment.is_current.is_(True), Enrolment.status == "active"))))


#: What an enrolment did of each part of the rule, in the order of `_PARTS`.
_DONE = (_viewed, _passed, _assignments_passed, _practicals_passed)
