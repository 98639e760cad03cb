"""Deciding completion: has an enrolment met its course's completion rule?

Completion is decided when data is written (a lesson viewed, an attempt graded or closed, an
attendance marked, a course updated), never by a scheduled job. The rule has three parts: lessons
viewed, quizzes passed, training sessions attended (lms.attendance.figures). The figures come from
grouped SQL queries for any number of enrolments; a completion once granted is never taken back.
"""
from __future__ import annotations

from sqlalchemy import and_, false, func, literal, select

from lms.attendance import figures as attendance
from lms.catalog.items import live_items
from lms.catalog.models import Course, Lesson
from lms.extensions import db
from lms.learning.models import Enrolment, LessonProgress
from lms.quizzes.models import Quiz, QuizAttempt


def required_lessons(course: Course):
    """SELECT of the ids of lessons the rule requires (live lessons of live modules), or None."""
    if course.completion_lessons == "none":
        return None
    return live_items(Lesson).where(Lesson.course_id == course.id)


def required_quizzes(course: Course):
    """SELECT of the ids of quizzes the rule requires to be passed, or None."""
    if course.completion_quizzes == "none":
        return None
    query = live_items(Quiz).where(Quiz.course_id == course.id)
    if course.completion_quizzes == "final":
        query = query.where(Quiz.is_final.is_(True))
    return query


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
    quizzes the rule asks for. A course that asks for neither nor any attendance completes at once; one with
    neither to view or pass but a rule asking for some ("an empty course") never does, unless the rule asks
    for attendance (a course of sessions only).

    One statement for a single enrolment (the case of every lesson view and passed quiz), three
    for a batch (the required counts, then the lessons viewed and quizzes passed per enrolment).
    """
    if not enrolment_ids:
        return []
    lessons, quizzes = required_lessons(course), required_quizzes(course)
    if lessons is None and quizzes is None:
        return list(enrolment_ids)
    sessions_only = course.completion_attendance != "none"
    need_lessons = _count(lessons)
    need_quizzes = _count(quizzes)
    if len(enrolment_ids) == 1:
        viewed_one = _viewed(enrolment_ids, lessons).with_only_columns(func.count(LessonProgress.lesson_id))
        passed_one = _passed(enrolment_ids, quizzes).with_only_columns(
            func.count(func.distinct(QuizAttempt.quiz_id)))
        need_l, need_q, viewed, passed = db.session.execute(select(
            need_lessons.scalar_subquery(), need_quizzes.scalar_subquery(),
            viewed_one.group_by(None).scalar_subquery(), passed_one.group_by(None).scalar_subquery())).one()
        met = (need_l or need_q or sessions_only) and viewed >= need_l and passed >= need_q
        return list(enrolment_ids) if met else []
    need_l, need_q = db.session.execute(select(need_lessons.scalar_subquery(),
                                               need_quizzes.scalar_subquery())).one()
    if need_l == 0 and need_q == 0:
        return list(enrolment_ids) if sessions_only else []  # an empty course is never "completed"
    viewed = dict(db.session.execute(_viewed(enrolment_ids, lessons)).all()) if need_l else {}
    passed = dict(db.session.execute(_passed(enrolment_ids, quizzes)).all()) if need_q else {}
    return [e for e in enrolment_ids if viewed.get(e, 0) >= need_l and passed.get(e, 0) >= need_q]


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


def active_enrolment_ids(course_id: int) -> list[int]:
    """The course's current enrolments that are not completed yet."""
    return list(db.session.scalars(select(Enrolment.id).where(
        and_(Enrolment.course_id == course_id, Enrolment.is_current.is_(True), Enrolment.status == "active"))))
