"""Named reads for the course commands."""
from __future__ import annotations

from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.catalog.models import Course, Lesson, Module
from lms.extensions import db
from lms.quizzes.models import Question, Quiz


def course_summaries() -> list[dict]:
    """Every course with its counts of live modules, lessons, quizzes and questions, in one query."""
    def count(model, *where):
        return (select(model.course_id, func.count(model.id).label("n")).where(model.retired.is_(False), *where)
                .group_by(model.course_id).subquery())

    modules, lessons = count(Module), count(Lesson)
    quizzes, questions = count(Quiz), count(Question)
    query = (
        select(Course.slug, Course.title, Course.language, Course.status, Course.version,
               func.coalesce(modules.c.n, 0), func.coalesce(lessons.c.n, 0),
               func.coalesce(quizzes.c.n, 0), func.coalesce(questions.c.n, 0))
        .outerjoin(modules, modules.c.course_id == Course.id)
        .outerjoin(lessons, lessons.c.course_id == Course.id)
        .outerjoin(quizzes, quizzes.c.course_id == Course.id)
        .outerjoin(questions, questions.c.course_id == Course.id)
        .order_by(Course.slug)
    )
    keys = ("slug", "title", "language", "status", "version", "modules", "lessons", "quizzes", "questions")
    return [dict(zip(keys, row)) for row in db.session.execute(query)]


def last_import_by_a_person(course_id: int) -> bool:
    """Whether the course's latest package import was made by a person (an upload in the browser) rather
    than by the command line (no actor). False when the audit log holds no import of it (pruned)."""
    actor = db.session.execute(
        select(AuditEvent.actor_id)
        .where(AuditEvent.action == "course.imported", AuditEvent.target_type == Course.__tablename__,
               AuditEvent.target_id == course_id)
        .order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    return actor is not None and actor.actor_id is not None
