"""The course page asks, in the course's own statement, whether the course has runs, sessions, announcements and
availability conditions, and reads only the parts it has: a self-paced course reads none of them (its count is
pinned with the trainee's other pages in tests/bench/test_query_counts.py), and a course that has each part still
shows each, at one statement fewer than when it asked about its runs on its own."""
from __future__ import annotations

import pytest
from sqlalchemy import event, select

from lms.announcements import services as announcements
from lms.availability.rules import Needs, Rules
from lms.availability.services import set_rules
from lms.catalog.models import Lesson
from lms.extensions import db as the_db
from lms.learning.queries import course_visit
from lms.learning.views.course import _course_questions
from tests.helpers import csrf_token
from tests.sessions.helpers import a_run, a_session, trainees_in

pytestmark = pytest.mark.db


def _page_and_statements(client, auth, person) -> tuple[str, list[str]]:
    """The course page as `person` sees it on a second view, and the statements that view ran."""
    auth.login(person.email)
    client.get("/courses/sample")  # the first view fills the process's caches (the outline)
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(the_db.engine, "before_cursor_execute", note)
    try:
        page = client.get("/courses/sample").get_data(as_text=True)
    finally:
        event.remove(the_db.engine, "before_cursor_execute", note)
    auth.logout()
    return page, seen


def test_a_course_without_those_parts_answers_no_to_each(world, course, db):
    visit = course_visit(world["trainee"].id, "sample", _course_questions())
    assert visit.course.slug == "sample" and visit.enrolment is None
    assert visit.has == (False, False, False, False)
    assert course_visit(world["trainee"].id, "no-such-course", _course_questions()) is None


def test_each_part_of_a_course_is_shown_when_it_has_it(client, auth, world, course, db):
    run = a_run(course, world["admin"], "2027-A")
    [trainee] = trainees_in(run, world, 1)
    page, statements = _page_and_statements(client, auth, trainee)
    assert "Intake 2027-A" in page and "Sessions" not in page and "Announcements" not in page
    assert 'class="badge badge-lock"' not in page
    bare_count = len(statements)

    a_session(course, run, world["admin"], title="Document checks at the range")
    announcements.post(course, None, "Range closed on Friday", "Meet in room 4.", False, world["admin"])
    second = db.session.scalar(select(Lesson).where(Lesson.course_id == course.id, Lesson.slug != "intro"))
    intro = db.session.scalar(select(Lesson).where(Lesson.course_id == course.id, Lesson.slug == "intro"))
    set_rules(course, "lesson", second, Rules(items=(Needs("lesson", intro.id),)), world["admin"])
    assert course_visit(trainee.id, "sample", _course_questions()).has == (True, True, True, True)

    page, statements = _page_and_statements(client, auth, trainee)
    assert "Intake 2027-A" in page
    assert "Document checks at the range" in page  # the run's session
    assert "Range closed on Friday" in page  # the course-wide announcement
    assert 'class="badge badge-lock"' in page and "Introduction" in page  # the second lesson waits for the first
    # The run's sessions (and who signed up), the announcements and the conditions are each read now.
    assert len(statements) > bare_count
    assert not any("FROM course_runs" in s and "LIMIT" in s and "training_sessions" not in s
                   and "enrolments" not in s for s in statements), "the runs are asked about on their own again"


def test_a_withdrawn_announcement_or_one_of_another_course_is_not_a_reason_to_read(world, course, db):
    from tests.helpers import make_course

    other = make_course("other-course")
    announcements.post(other, None, "Elsewhere", "Not here.", False, world["admin"])
    posted = announcements.post(course, None, "Withdrawn soon", "Gone.", False, world["admin"])
    assert course_visit(None, "sample", _course_questions()).has[2] is True
    announcements.withdraw(posted, world["admin"])
    assert course_visit(None, "sample", _course_questions()).has == (False, False, False, False)


def test_the_quiz_page_counts_its_bank_and_locks_by_its_conditions_from_its_own_statement(client, auth, world,
                                                                                           course, db):
    from lms.learning import services as learning
    from lms.quizzes.models import Quiz

    learning.enrol(world["trainee"], course, actor=world["admin"], source="admin")
    check = db.session.scalar(select(Quiz).where(Quiz.course_id == course.id, Quiz.slug == "check"))
    intro = db.session.scalar(select(Lesson).where(Lesson.course_id == course.id, Lesson.slug == "intro"))
    auth.login(world["trainee"].email)
    page = client.get("/courses/sample/quizzes/check").get_data(as_text=True)
    assert "<dt>Questions</dt><dd>5</dd>" in page and 'class="badge badge-lock"' not in page

    check.draw_count = 3
    db.session.commit()
    set_rules(course, "quiz", check, Rules(items=(Needs("lesson", intro.id),)), world["admin"])
    page = client.get("/courses/sample/quizzes/check").get_data(as_text=True)
    assert "<dt>Questions</dt><dd>3</dd>" in page  # what an attempt draws
    assert 'class="badge badge-lock"' in page and "Introduction" in page
    token = csrf_token(page)  # the layout's forms carry it too
    assert client.post("/courses/sample/quizzes/check/start", data={"csrf_token": token}).status_code == 403

    set_rules(course, "quiz", check, Rules(), world["admin"])
    page = client.get("/courses/sample/quizzes/check").get_data(as_text=True)
    assert 'class="badge badge-lock"' not in page
    assert client.post("/courses/sample/quizzes/check/start", data={"csrf_token": token}).status_code == 302


def test_my_learning_asks_whether_the_person_has_sessions_and_shows_a_trainers(client, auth, world, course, db):
    from lms.learning import services as learning
    from lms.learning.queries import my_learning_read
    from lms.sessions.queries import person_has_sessions_column
    from tests.announcements.helpers import a_trainer

    run = a_run(course, world["admin"], "2027-A")
    [trainee] = trainees_in(run, world, 1)
    trainer = a_trainer(run, world)
    learning.enrol(trainer, course, actor=world["admin"], source="admin")  # a trainer who also learns
    asked = (person_has_sessions_column(),)
    assert my_learning_read(trainer, asked).answers == (True,)  # trains a run, sessions or not
    assert my_learning_read(trainee, asked).answers == (False,)
    assert my_learning_read(world["other_trainee"], asked) == ([], None, None)  # no enrolment: nothing answered

    a_session(course, run, world["admin"], title="Night patrol briefing")
    auth.login(trainer.email)
    page = client.get("/my").get_data(as_text=True)
    assert "Your sessions" in page and "Night patrol briefing" in page and "Attendance register" in page
    auth.logout()
    auth.login(trainee.email)
    page = client.get("/my").get_data(as_text=True)
    assert "Intake 2027-A" in page and "Your sessions" not in page  # not signed up: on the course page only
