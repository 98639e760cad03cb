"""Publishing from the web editor: the forms ask for what publishing requires, and a refusal says each
problem in the author's terms (which setting, module, lesson, quiz or question; what; in the interface
language), linked to the editor page and field that fixes it."""
from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from lms.catalog.models import Course
from lms.quizzes.models import Question, Quiz
from tests.helpers import make_course, make_staff

pytestmark = pytest.mark.db

NEW = {"title": "Document checks", "summary": "Checking travel documents at the first line.", "language": "en",
       "outcomes": "Check a passport's security features.\nSpot an impostor.", "estimated_hours": "3"}
SETTINGS = {**NEW, "topics": "documents", "version": "1", "self_enrolment": "y", "certificate_validity_months": "",
            "completion_lessons": "all", "completion_quizzes": "all"}


def refusal(response) -> list[tuple[str, str]]:
    """(link, text) of each problem listed on a refusal page."""
    page = response.get_data(as_text=True)
    items = re.findall(r'<li><a href="([^"]+)">(.*?)</li>', page.split('class="problems"')[1].split("</ul>")[0], re.S)
    return [(html.unescape(link), html.unescape(re.sub(r"<[^>]+>", "", text)).strip()) for link, text in items]


@pytest.fixture()
def instructor(world):
    return world["instructor"]


def test_the_new_course_form_asks_for_what_publishing_requires(client, auth, instructor, db):
    auth.login(instructor.email)
    page = client.get("/author/new").get_data(as_text=True)
    assert 'id="outcomes"' in page and 'id="estimated_hours"' in page
    for missing in ("outcomes", "estimated_hours"):
        response = auth.post("/author/new", {k: v for k, v in NEW.items() if k != missing})
        assert response.status_code == 200 and f'id="{missing}-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Course)) == 0
    assert auth.post("/author/new", NEW).headers["Location"] == "/author/document-checks/"
    course = db.session.scalar(select(Course))
    assert course.outcomes == ["Check a passport's security features.", "Spot an impostor."]
    assert course.estimated_hours == Decimal("3.0") and course.status == "draft"


def test_course_settings_refuse_what_publishing_would(client, auth, instructor, db):
    auth.login(instructor.email)
    auth.post("/author/new", NEW)
    base = "/author/document-checks/"
    no_outcomes = auth.post(base, {**SETTINGS, "outcomes": " \n "})
    long_topic = auth.post(base, {**SETTINGS, "topics": "documents, " + "x" * 61})
    for response, field in ((no_outcomes, "outcomes"), (long_topic, "topics")):
        assert response.status_code == 200 and f'id="{field}-error"' in response.get_data(as_text=True)
    assert "at most 60 characters" in long_topic.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(Course.outcomes)) == ["Check a passport's security features.", "Spot an impostor."]
    # A rule that needs content still to come is saved, and the page says what publishing will need.
    saved = auth.post(base, {**SETTINGS, "completion_quizzes": "final"}, follow_redirects=True)
    assert "Publishing needs the final assessment" in saved.get_data(as_text=True)


def test_refusal_names_objects_and_fields_with_links_that_fix_them(client, auth, instructor, db):
    """A course from before the forms asked for outcomes, with a quiz whose draw exceeds its bank and a
    module without content: each problem in the author's terms, each link opening the field."""
    course = make_course("legacy", "Legacy course", status="draft", outcomes=[])
    make_staff(course, instructor)
    auth.login(instructor.email)
    auth.post("/author/legacy/modules", {"module-title": "Basics"}, form_page="/author/legacy/")
    auth.post("/author/legacy/modules", {"module-title": "Empty one"}, form_page="/author/legacy/")
    auth.post("/author/legacy/modules/basics/quizzes/new", {"title": "Check", "pass_mark": "70", "attempts_allowed": "0",
                                                             "draw_count": "3", "layout": "all", "review": "never"})
    auth.post("/author/legacy/quizzes/check/questions/new?kind=true_false",
              {"kind": "true_false", "text": "Borders exist.", "true_false_answer": "true", "points": "1",
               "explanation": "They do."})
    response = auth.post("/author/legacy/publish", {}, form_page="/author/legacy/")
    assert response.status_code == 400
    problems = refusal(response)
    assert problems == [
        ("/author/legacy/#outcomes", "Course settings › Learning outcomes: Required for publishing, and empty."),
        ("/author/legacy/quizzes/check#draw_count", "Quiz “Check” › Questions drawn per attempt: "
                                                    "Each attempt draws 3 questions, but the bank holds only 1."),
        ("/author/legacy/#module-empty-one", "Module “Empty one”: The module has no lessons and no quizzes: "
                                             "add one, or delete the module."),
    ]
    assert ".yaml" not in response.get_data(as_text=True)
    for link, _text in problems:  # each link opens its page, at an element with that id
        path, anchor = link.split("#")
        page = client.get(path)
        assert page.status_code == 200 and f'id="{anchor}"' in page.get_data(as_text=True), link
    # Fix each where the link leads; then the course publishes.
    auth.post("/author/legacy/", {**SETTINGS, "title": "Legacy course", "outcomes": "Know the basics."})
    auth.post("/author/legacy/quizzes/check", {"title": "Check", "pass_mark": "70", "attempts_allowed": "0",
                                               "draw_count": "", "layout": "all", "review": "never"})
    auth.post("/author/legacy/modules/empty-one/delete", {}, form_page="/author/legacy/modules/empty-one/delete")
    assert auth.post("/author/legacy/publish", {}, form_page="/author/legacy/").status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Course.status).where(Course.slug == "legacy")) == "published"


def test_refusal_speaks_the_interface_language(client, auth, instructor, db):
    course = make_course("legacy", "Legacy course", status="draft", outcomes=[])
    make_staff(course, instructor)
    auth.login(instructor.email)
    auth.post("/language", {"locale": "uk", "next": "/"}, form_page="/")
    problems = refusal(auth.post("/author/legacy/publish", {}, form_page="/author/legacy/"))
    assert ("/author/legacy/#outcomes",
            "Налаштування курсу › Результати навчання: Потрібне для публікації, але порожнє.") in problems
    assert ("/author/legacy/#module-title", "Зміст курсу: У курсі ще немає модулів: додайте модуль.") in problems


def test_a_final_assessment_out_of_place_links_to_the_quiz(client, auth, course, world, db):
    course.status = "draft"
    db.session.scalar(select(Quiz).where(Quiz.slug == "check")).is_final = True
    db.session.commit()
    make_staff(course, world["instructor"])
    auth.login(world["instructor"].email)
    out_of_place = ("/author/sample/quizzes/check#is_final", "Quiz “Check” › This is the course's final assessment: "
                                                             "The final assessment must be in the course's last module.")
    problems = refusal(auth.post("/author/sample/publish", {}, form_page="/author/sample/"))
    assert problems == [("/author/sample/#outline-heading", "Course content: 2 quizzes are marked as the final "
                                                            "assessment; a course has at most one."), out_of_place]
    db.session.scalar(select(Quiz).where(Quiz.slug == "final")).is_final = False
    db.session.commit()
    assert refusal(auth.post("/author/sample/publish", {}, form_page="/author/sample/")) == [out_of_place]


def test_question_problems_link_to_the_question_field(client, auth, course, world, db):
    course.status = "draft"
    question = db.session.scalar(select(Question).where(Question.slug == "q-num"))
    question.explanation = ""
    db.session.commit()
    make_staff(course, world["instructor"])
    auth.login(world["instructor"].email)
    problems = refusal(auth.post("/author/sample/publish", {}, form_page="/author/sample/"))
    assert problems == [("/author/sample/questions/q-num#explanation",
                         "Question “How many?” in quiz “Check” › Explanation shown in review: "
                         "Required for publishing, and empty.")]
    page = client.get("/author/sample/questions/q-num").get_data(as_text=True)
    assert 'id="explanation"' in page


def test_names_in_a_refusal_are_text_not_markup(client, auth, instructor, db):
    course = make_course("legacy", "Legacy course", status="draft", outcomes=["Know."])
    make_staff(course, instructor)
    auth.login(instructor.email)
    auth.post("/author/legacy/modules", {"module-title": "<img src=x onerror=alert(1)>"}, form_page="/author/legacy/")
    page = auth.post("/author/legacy/publish", {}, form_page="/author/legacy/").get_data(as_text=True)
    assert "Module “&lt;img src=x onerror=alert(1)&gt;”" in page and "<img src=x" not in page
