"""GIFT questions without feedback never block publishing unannounced: the preview marks them and asks
for their explanations; or they are imported as drafts, which the quiz editor lists as needing one, no
attempt ever draws, and publishing names until they are complete."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.catalog.models import Course
from lms.quizzes.models import Question, QuizAttempt
from tests.helpers import make_staff, start_attempt

pytestmark = pytest.mark.db

GIFT = """::Pillars::Customs and border guard working together is {=inter-agency ~intra-service ~international}

::Ciram::Frontex maintains CIRAM. {T}

::Crossings::How many crossing points does the test border have? {#3:0####Three: north, centre and south.}
"""
URL = "/author/sample/quizzes/check/gift"


@pytest.fixture()
def owner(world, course, db):
    """The sample course, back in draft, with its instructor."""
    course.status = "draft"
    db.session.commit()
    make_staff(course, world["instructor"])
    return world["instructor"]


def imported(db) -> dict[str, Question]:
    db.session.expire_all()
    return {q.slug: q for q in db.session.scalars(select(Question).where(Question.slug.in_(
        ["pillars", "ciram", "crossings"])))}


def text_of(response) -> str:
    """The page's text as a person reads it: without tags, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def publish(auth):
    return auth.post("/author/sample/publish", {}, form_page="/author/sample/")


def test_preview_marks_the_questions_that_would_block_publishing(client, auth, owner, db):
    auth.login(owner.email)
    preview = auth.post(URL, {"text": GIFT, "action": "preview"})
    page = preview.get_data(as_text=True)
    marked = re.findall(r'id="candidate-(\d+)-problems"', page)
    assert marked == ["1", "2"]  # the third has its #### feedback
    assert "Would block publishing: Explanation shown in review: Required for publishing, and empty." in text_of(preview)
    assert 'name="explanation-1"' in page and 'name="explanation-2"' in page and 'name="explanation-3"' not in page
    assert 'value="drafts"' in page
    # "Import" as they stand is refused, and nothing is saved.
    refused = auth.post(URL, {"text": GIFT, "action": "import"})
    assert refused.status_code == 200 and "Nothing was imported" in text_of(refused)
    assert imported(db) == {}


def test_explanations_added_in_the_preview_import_complete_questions_and_the_course_publishes(client, auth, owner, db):
    auth.login(owner.email)
    half = auth.post(URL, {"text": GIFT, "action": "import", "explanation-1": "They share the work."})
    assert "Nothing was imported" in text_of(half) and imported(db) == {}
    page = half.get_data(as_text=True)
    assert ">They share the work.</textarea>" in page  # what was typed is kept
    assert re.findall(r'id="candidate-(\d+)-problems"', page) == ["2"]
    done = auth.post(URL, {"text": GIFT, "action": "import", "explanation-1": "They share the work.",
                           "explanation-2": "Frontex publishes the model."}, follow_redirects=True)
    assert "3 questions imported." in text_of(done) and "drafts" not in text_of(done)
    questions = imported(db)
    assert {slug: (q.explanation, q.draft) for slug, q in questions.items()} == {
        "pillars": ("They share the work.", False), "ciram": ("Frontex publishes the model.", False),
        "crossings": ("Three: north, centre and south.", False)}
    assert publish(auth).status_code == 302
    assert db.session.scalar(select(Course.status)) == "published"


def test_drafts_are_listed_never_drawn_and_named_by_publishing_until_complete(client, auth, owner, world, db):
    auth.login(owner.email)
    done = auth.post(URL, {"text": GIFT, "action": "drafts"}, follow_redirects=True)
    assert "3 questions imported." in text_of(done) and "2 of them are drafts" in text_of(done)
    questions = imported(db)
    assert {slug: q.draft for slug, q in questions.items()} == {"pillars": True, "ciram": True, "crossings": False}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "quiz.questions_imported"))
    assert event.details["drafts"] == 2 and event.actor_id == owner.id
    # The quiz editor lists them as needing an explanation, linked to the field.
    quiz_page = client.get("/author/sample/quizzes/check")
    page = text_of(quiz_page)
    assert "6 questions in the bank" in page and "2 drafts need completing" in page
    drafts = re.findall(r'<li class="draft">.*?</li>', quiz_page.get_data(as_text=True), re.S)
    assert len(drafts) == 2
    for draft, slug in zip(drafts, ("pillars", "ciram")):
        assert f'href="/author/sample/questions/{slug}#explanation">Explanation shown in review</a>' in draft
    # Publishing names them.
    refused = publish(auth)
    assert refused.status_code == 400
    assert text_of(refused).count("Explanation shown in review: Required for publishing, and empty.") == 2
    assert "Question “Frontex maintains CIRAM.” in quiz “Check” › Explanation shown in review" in text_of(refused)
    # A trainee's attempt never draws a draft, and the quiz page counts only what an attempt holds.
    auth.logout()
    db.session.scalar(select(Course)).status = "published"  # as if published before the import
    db.session.commit()
    auth.login(world["trainee"].email)
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    assert "<dt>Questions</dt><dd>6</dd>" in client.get("/courses/sample/quizzes/check").get_data(as_text=True)
    attempt = db.session.get(QuizAttempt, start_attempt(auth, "sample", "check"))
    drawn = {item["slug"] for item in attempt.draw}
    assert "crossings" in drawn and not drawn & {"pillars", "ciram"} and len(drawn) == 6
    auth.logout()
    db.session.scalar(select(Course)).status = "draft"
    db.session.commit()
    # Completed in the question editor, a draft is whole; with both done the course publishes.
    auth.login(owner.email)
    empty = auth.post("/author/sample/questions/pillars", {"text": questions["pillars"].text, "points": "1",
                                                            "explanation": "  ", "choice-1": "inter-agency",
                                                            "correct-1": "y", "choice-2": "intra-service"})
    assert empty.status_code == 200 and 'id="explanation-error"' in empty.get_data(as_text=True)
    assert imported(db)["pillars"].draft is True
    for slug, data in (("pillars", {"choice-1": "inter-agency", "correct-1": "y", "choice-2": "intra-service"}),
                       ("ciram", {"true_false_answer": "true"})):
        saved = auth.post(f"/author/sample/questions/{slug}", {"text": questions[slug].text, "points": "1",
                                                                "explanation": "Now explained.", **data})
        assert saved.status_code == 302
    assert not any(q.draft for q in imported(db).values())
    assert "need completing" not in text_of(client.get("/author/sample/quizzes/check"))
    assert publish(auth).status_code == 302
    assert db.session.scalar(select(Course.status)) == "published"


def test_an_overlong_explanation_is_refused_in_the_preview(client, auth, owner, db):
    auth.login(owner.email)
    response = auth.post(URL, {"text": "Frontex maintains CIRAM. {T}", "action": "import",
                               "explanation-1": "x" * 10_001})
    assert "Explanation shown in review: Longer than 10000 characters." in text_of(response)
    assert "Required for publishing" not in text_of(response)
    assert db.session.scalar(select(func.count()).select_from(Question).where(Question.slug == "frontex-maintains-ciram")) == 0


def test_a_package_upload_completes_drafts_it_brings_complete(client, auth, owner, db):
    """A draft completed in the course's package (downloaded, edited, uploaded) is whole again."""
    import io
    import zipfile

    auth.login(owner.email)
    auth.post(URL, {"text": "::Ciram::Frontex maintains CIRAM. {T}", "action": "drafts"})
    assert imported(db)["ciram"].draft is True
    package = zipfile.ZipFile(io.BytesIO(client.get("/author/sample/package.zip").data))
    files = {name: package.read(name) for name in package.namelist()}
    quiz = "sample/01-basics/03-check.quiz.yaml"
    assert b"explanation: ''" in files[quiz]
    files[quiz] = files[quiz].replace(b"explanation: ''", b"explanation: Frontex publishes it.")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      client.get("/author/upload").get_data(as_text=True)).group(1)
    response = client.post("/author/upload", data={"csrf_token": token, "file": (io.BytesIO(buffer.getvalue()), "s.zip")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    question = imported(db)["ciram"]
    assert question.draft is False and question.explanation == "Frontex publishes it."
