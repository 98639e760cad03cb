"""An instructor in headless Chromium: a course made through the forms alone publishes after fixing what
the refusal names, following its links; GIFT questions without feedback get their explanations in the
preview (without JavaScript) and the course publishes. What the person sees, and what the server stored."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.catalog.models import Course
from lms.quizzes.models import Question
from tests.helpers import PASSWORD, make_staff

pytestmark = pytest.mark.browser  # pages and scripts: on SQLite (docs/development.md, markers)


def sign_in(page, live_server: str, email: str) -> None:
    page.goto(f"{live_server}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")


def problems(page) -> list[str]:
    return [" ".join(text.split()) for text in page.locator("ul.problems > li").all_inner_texts()]


def course_row(db) -> Course:
    db.session.expire_all()
    return db.session.scalar(select(Course))


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_a_course_made_through_the_forms_publishes_after_the_fixes_the_refusal_links_to(
        chromium, live_server, db, world, javascript):
    context = chromium.new_context(java_script_enabled=javascript)
    page = context.new_page()
    sign_in(page, live_server, world["instructor"].email)
    page.goto(f"{live_server}/author/")
    page.click("main >> text=New course")
    # The form asks for what publishing requires; without the outcomes it refuses.
    page.fill("#title", "Document checks")
    page.fill("#summary", "Checking travel documents at the first line.")
    page.fill("#estimated_hours", "3")
    page.click("text=Create the course")
    expect(page.locator("#outcomes-error")).to_be_visible()  # waits for the answer page
    assert course_row(db) is None
    page.fill("#outcomes", "Check a passport's security features.\nSpot an impostor.")
    page.click("text=Create the course")
    assert page.url == f"{live_server}/author/document-checks/"
    assert course_row(db).outcomes == ["Check a passport's security features.", "Spot an impostor."]

    # Published at once: refused, in the author's terms, with a link to where the fix is made.
    page.click("button:has-text('Publish')")
    assert "Document checks cannot be published yet" in page.inner_text("h1")
    assert problems(page) == ["Course content: The course has no modules yet: add one."]
    assert ".yaml" not in page.content() and course_row(db).status == "draft"
    page.click("ul.problems a")
    assert page.url == f"{live_server}/author/document-checks/#module-title"
    page.fill("#module-title", "First line")
    page.click("text=Add module")
    page.click("text=+ Quiz")
    page.fill("#title", "Check yourself")
    page.fill("#draw_count", "2")
    page.click("text=Save quiz")
    page.click("main >> text=True or false")
    page.fill("#text", "A visa is a travel document.")
    page.select_option("#true_false_answer", "false")
    page.fill("#explanation", "A visa is an authorisation, placed in a travel document.")
    page.click("text=Save question")
    # A completion rule whose quiz is still to come: saved, and the page says what publishing will need.
    page.click("nav.crumbs >> text=Document checks")
    page.select_option("#completion_quizzes", "final")
    page.click("text=Save settings")
    assert "Publishing needs the final assessment" in page.inner_text("main")

    page.click("button:has-text('Publish')")
    assert problems(page) == [
        "Course settings › Quizzes needed to complete: Completion needs the final assessment, but no quiz is "
        "marked as the course's final assessment.",
        "Quiz “Check yourself” › Questions drawn per attempt: Each attempt draws 2 questions, but the bank "
        "holds only 1.",
    ]
    for link in page.locator("ul.problems a").all():  # every link opens its page
        assert page.request.get(live_server + link.get_attribute("href")).status == 200
    page.click("text=Course settings")
    assert page.url == f"{live_server}/author/document-checks/#completion_quizzes"
    page.select_option("#completion_quizzes", "all")
    page.click("text=Save settings")
    page.click("button:has-text('Publish')")
    assert problems(page) == ["Quiz “Check yourself” › Questions drawn per attempt: Each attempt draws 2 "
                              "questions, but the bank holds only 1."]
    page.click("text=Quiz “Check yourself”")
    assert page.url == f"{live_server}/author/document-checks/quizzes/check-yourself#draw_count"
    assert page.input_value("#draw_count") == "2"
    page.fill("#draw_count", "")
    page.click("text=Save quiz")
    page.click("nav.crumbs >> text=Document checks")
    page.click("button:has-text('Publish')")
    assert "The course is published." in page.inner_text("main")
    course = course_row(db)
    assert course.status == "published" and course.completion_quizzes == "all"
    context.close()


GIFT = """::Visa::A visa is a travel document. {F}

::Stamp::Which stamp marks an entry? {=the entry stamp ~the exit stamp}

::Gates::How many gates does the test crossing have? {#4:0####North, south, east and west.}
"""


def test_gift_explanations_added_in_the_preview_without_javascript_then_the_course_publishes(
        chromium, live_server, db, world, course):
    make_staff(course, world["instructor"])
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, world["instructor"].email)
    page.goto(f"{live_server}/author/sample/")
    page.click("button:has-text('Back to draft')")
    page.click("main >> text=Check")
    page.click("text=Import questions in GIFT format")
    page.fill("#text", GIFT)
    page.click("button[value=preview]")
    # The preview marks the two questions without feedback, with a field for each explanation.
    preview = page.inner_text("section.panel")
    assert "2 questions, marked below, would stop the course from being published." in preview
    assert page.locator("p.error").all_inner_texts() == [
        "Would block publishing: Explanation shown in review: Required for publishing, and empty."] * 2
    assert page.locator("textarea[name^=explanation-]").count() == 2
    page.fill("#explanation-1", "A visa authorises; the passport is the travel document.")
    page.click("button[value=import]")  # one explanation missing: nothing is imported
    assert "Nothing was imported" in page.inner_text("main")
    assert page.input_value("#explanation-1") == "A visa authorises; the passport is the travel document."
    assert db.session.scalar(select(Question).where(Question.slug == "visa")) is None
    page.fill("#explanation-2", "Entry is stamped on arrival.")
    page.click("button[value=import]")
    assert "3 questions imported." in page.inner_text("main")
    db.session.expire_all()
    stored = {q.slug: (q.explanation, q.draft) for q in db.session.scalars(
        select(Question).where(Question.slug.in_(["visa", "stamp", "gates"])))}
    assert stored == {"visa": ("A visa authorises; the passport is the travel document.", False),
                      "stamp": ("Entry is stamped on arrival.", False),
                      "gates": ("North, south, east and west.", False)}
    page.click("nav.crumbs >> text=Sample course")
    page.click("button:has-text('Publish')")
    assert "The course is published." in page.inner_text("main")
    assert course_row(db).status == "published"
    context.close()
