"""What the availability tests share: a frozen clock, and the sample course's items by slug."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lms.core import clock

# Noon in Kyiv on 1 March 2027; 21:00 UTC the day before is already 1 March in Kyiv (UTC+2) but not in UTC.
NOON = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)


@pytest.fixture()
def frozen():
    """The clock stopped at NOON; `frozen(moment)` moves it."""
    clock.freeze(NOON)
    yield clock.freeze
    clock.freeze(None)


@pytest.fixture()
def items(course, db):
    """The sample course's lessons and quizzes by slug."""
    from lms.catalog.models import Lesson
    from lms.quizzes.models import Quiz

    found = {lesson.slug: lesson for lesson in db.session.query(Lesson).filter_by(course_id=course.id)}
    found.update({quiz.slug: quiz for quiz in db.session.query(Quiz).filter_by(course_id=course.id)})
    return found
