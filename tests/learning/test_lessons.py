"""Lesson pages: rendered Markdown, images, previous/next, recorded views, small pages."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lms.learning.models import LessonProgress

pytestmark = pytest.mark.db


@pytest.fixture()
def enrolled(client, auth, world, course):
    auth.login(world["trainee"].email)
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    return world["trainee"]


def test_lesson_renders_markdown_and_images(client, enrolled):
    html = client.get("/courses/sample/lessons/intro").get_data(as_text=True)
    assert "<h2>Why</h2>" in html and "<table>" in html and "<td>1</td>" in html
    src = re.search(r'<img alt="a pixel" src="([^"]+)"', html).group(1)
    # Named with its version (the start of its SHA-256): a year in the browser's cache, a new name when it changes.
    assert re.fullmatch(r"/courses/sample/assets/basics/pixel\.png\?v=[0-9a-f]{12}", src)
    image = client.get(src)
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data.startswith(b"\x89PNG")


def test_lesson_view_is_recorded_once(client, enrolled, db):
    client.get("/courses/sample/lessons/intro")
    client.get("/courses/sample/lessons/intro")
    assert len(db.session.scalars(select(LessonProgress)).all()) == 1


def test_previous_and_next_follow_the_course_order(client, enrolled):
    intro = client.get("/courses/sample/lessons/intro").get_data(as_text=True)
    assert 'rel="next" class="button" href="/courses/sample/lessons/second"' in intro and 'rel="prev"' not in intro
    second = client.get("/courses/sample/lessons/second").get_data(as_text=True)
    assert 'rel="prev" href="/courses/sample/lessons/intro"' in second
    assert 'href="/courses/sample/quizzes/check"' in second


def test_lesson_page_is_small_and_self_contained(client, enrolled):
    html = client.get("/courses/sample/lessons/intro").data
    css = client.get("/static/css/site.css").data
    assert len(html) + len(css) < 60 * 1024
    assert not re.search(rb'(src|href)="(https?:)?//', html)


def test_lesson_markdown_is_sanitised(client, enrolled, db):
    from lms.catalog.models import Lesson

    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "intro"))
    lesson.body = ('Hi <script>alert(1)</script><img src=x onerror="alert(2)"> '
                   '[link](javascript:alert(3)) <a href="https://example.org" onclick="x()">ok</a>')
    db.session.commit()
    html = client.get("/courses/sample/lessons/intro").get_data(as_text=True)
    article = html.split('<article class="lesson">')[1].split("</article>")[0]
    assert "<script" not in article and "onerror" not in article and "javascript:" not in article
    assert "onclick" not in article and 'href="https://example.org"' in article


def test_instructor_previews_without_being_recorded(client, auth, world, course, db):
    from tests.helpers import make_staff

    make_staff(course, world["instructor"], "instructor")
    auth.login(world["instructor"].email)
    html = client.get("/courses/sample/lessons/intro").get_data(as_text=True)
    assert "Preview: your visit is not recorded." in html
    assert db.session.scalars(select(LessonProgress)).all() == []


def test_my_learning_counts_only_live_items_like_the_course_page(client, enrolled, db):
    """A lesson viewed in a module that was retired no longer counts as done (my learning checked the
    lesson but not its module, and showed the course as all but finished)."""
    from lms.catalog.models import Module

    client.get("/courses/sample/lessons/intro")
    client.get("/courses/sample/lessons/second")
    assert "50% done" in client.get("/my").get_data(as_text=True)  # 2 of 4: two lessons, a quiz, the final
    basics = db.session.scalar(select(Module).where(Module.slug == "basics"))
    basics.retired = True  # its lessons and quiz keep their own flags
    db.session.commit()
    html = client.get("/my").get_data(as_text=True)
    assert "0% done" in html and "100% done" not in html  # only the final assessment is left, not passed
    course_page = client.get("/courses/sample").get_data(as_text=True)
    assert "Basics" not in course_page and "Final assessment" in course_page
