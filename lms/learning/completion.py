"""Deciding completion: has an enrolment met its course's completion rule?

Completion is decided when data is written (a lesson viewed, an attempt graded or closed, a
course updated), never by a scheduled job. The figures come from two grouped SQL queries for
any number of enrolments; a completion once granted is never taken back.
"""
from __future__ import annotations

from sqlalchemy import and_, func, select

from lms.catalog.models import Course, Lesson, Module
from lms.extensions import db
from lms.learning.models import Enrolment, LessonProgress
from lms.quizzes.models import Quiz, QuizAttempt


def required_lessons(course: Course):
    """SELECT of the ids of lessons the rule requires (live lessons of live modules), or None."""
    if course.completion_lessons == "none":
        return None
    return (select(Lesson.id).join(Module, Module.id == Lesson.module_id)
            .where(Lesson.course_id == course.id, Lesson.retired.is_(False), Module.retired.is_(False)))


def required_quizzes(course: Course):
    """SELECT of the ids of quizzes the rule requires to be passed, or None."""
    if course.completion_quizzes == "none":
        return None
    query = (select(Quiz.id).join(Module, Module.id == Quiz.module_id)
             .where(Quiz.course_id == course.id, Quiz.retired.is_(False), Module.retired.is_(False)))
    if course.completion_quizzes == "final":
        query = query.where(Quiz.is_final.is_(True))
    return query


def enrolments_meeting_rule(course: Course, enrolment_ids: list[int]) -> list[int]:
    """Of these active enrolments in `course`, the ids whose trainee has met the completion rule."""
    if not enrolment_ids:
        return []
    lessons, quizzes = required_lessons(course), required_quizzes(course)
    if lessons is None and quizzes is None:
        return list(enrolment_ids)
    need_lessons = db.session.scalar(select(func.count()).select_from(lessons.subquery())) if lessons is not None else 0
    need_quizzes = db.session.scalar(select(func.count()).select_from(quizzes.subquery())) if quizzes is not None else 0
    if need_lessons == 0 and need_quizzes == 0:
        return []  # an empty course is never "completed"
    viewed = {}
    if need_lessons:
        viewed = dict(db.session.execute(
            select(LessonProgress.enrolment_id, func.count(LessonProgress.lesson_id))
            .where(LessonProgress.enrolment_id.in_(enrolment_ids), LessonProgress.lesson_id.in_(lessons))
            .group_by(LessonProgress.enrolment_id)
        ).all())
    passed = {}
    if need_quizzes:
        passed = dict(db.session.execute(
            select(QuizAttempt.enrolment_id, func.count(func.distinct(QuizAttempt.quiz_id)))
            .where(QuizAttempt.enrolment_id.in_(enrolment_ids), QuizAttempt.passed.is_(True),
                   QuizAttempt.quiz_id.in_(quizzes))
            .group_by(QuizAttempt.enrolment_id)
        ).all())
    return [e for e in enrolment_ids
            if viewed.get(e, 0) >= need_lessons and passed.get(e, 0) >= need_quizzes]


def active_enrolment_ids(course_id: int) -> list[int]:
    """The course's current enrolments that are not completed yet."""
    return list(db.session.scalars(select(Enrolment.id).where(
        and_(Enrolment.course_id == course_id, Enrolment.is_current.is_(True), Enrolment.status == "active"))))
