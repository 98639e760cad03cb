"""The outline (previous / next, progress per module) is cached per course version: every change to
a course's modules, lessons or quizzes, from any session or process, shows on the next page."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.catalog.models import Course, Lesson

pytestmark = pytest.mark.db


@pytest.fixture()
def reader(client, auth, world, course):
    auth.login(world["trainee"].email)
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    return client


def next_link(client) -> str:
    page = client.get("/courses/sample/lessons/intro").get_data(as_text=True)
    return page.split('rel="next"', 1)[1].split("</a>", 1)[0]


def test_a_change_from_another_session_shows_on_the_next_page(reader, db):
    assert "Second lesson" in next_link(reader)
    stamp = db.session.scalar(select(Course.outline_stamp).where(Course.slug == "sample"))
    with Session(db.engine) as other:  # as another process (a CLI import, another worker) would
        other.scalar(select(Lesson).where(Lesson.slug == "second")).title = "Border checks in practice"
        other.commit()
    assert db.session.scalar(select(Course.outline_stamp).where(Course.slug == "sample")) != stamp
    assert "Border checks in practice" in next_link(reader)
    assert "Border checks in practice" in reader.get("/courses/sample").get_data(as_text=True)


def test_retiring_and_reordering_through_authoring_show_at_once(reader, auth, world, course, db):
    from tests.helpers import make_staff

    assert "Second lesson" in next_link(reader)
    make_staff(course, world["instructor"], "owner")
    auth.logout()
    auth.login(world["instructor"].email)
    auth.post("/author/sample/lessons/second/delete", {})
    auth.logout()
    auth.login(world["trainee"].email)
    following = next_link(reader)
    assert "Second lesson" not in following and "Check" in following
    assert "Second lesson" not in reader.get("/courses/sample").get_data(as_text=True)


def test_an_unchanged_outline_is_read_once(reader, app, db):
    from sqlalchemy import event

    reader.get("/courses/sample/lessons/intro")
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        reader.get("/courses/sample/lessons/intro")
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert statements and not [s for s in statements if "FROM modules" in s]


def _topics_shown(client) -> str:
    page = client.get("/courses/sample").get_data(as_text=True)
    return page.split("<dt>Topics</dt><dd>", 1)[1].split("</dd>", 1)[0] if "<dt>Topics</dt>" in page else ""


def test_topics_are_read_once_and_their_changes_show_at_once(reader, world, course, db):
    """The course page's topics come with the outline's stamp: no statement of their own on a repeat view, and a
    topic added or taken away, by another session or through authoring, shows on the next view."""
    from sqlalchemy import event

    from lms.authoring import services
    from lms.catalog.models import CourseTopic

    assert _topics_shown(reader) == "strategy, testing"
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert _topics_shown(reader) == "strategy, testing"
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert statements and not [s for s in statements if "FROM course_topics" in s]

    with Session(db.engine) as other:  # another process adds a topic row directly
        course_id = other.scalar(select(Course.id).where(Course.slug == "sample"))
        other.add(CourseTopic(course_id=course_id, topic="analysis"))
        other.commit()
    assert _topics_shown(reader) == "analysis, strategy, testing"

    # Through the authoring service (the settings form's writer): a topic added, then two taken away.
    sample = db.session.scalar(select(Course).where(Course.slug == "sample"))
    services.update_course(sample, world["instructor"], topics=["analysis", "strategy", "testing", "risk"])
    assert _topics_shown(reader) == "analysis, risk, strategy, testing"
    services.update_course(sample, world["instructor"], topics=["risk", "testing"])
    assert _topics_shown(reader) == "risk, testing"
