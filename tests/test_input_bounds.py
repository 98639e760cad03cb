"""No input may hold a worker (issue 19, item 4): the pathological texts of the issue are refused where
they are saved (the lesson and question editors, GIFT import, course packages, bulk enrolment), with a
message naming the line and the text typed given back; one already stored is shown as plain text, in
bounded time. How each parser's time grows is measured in tests/test_linear_parsers.py."""
from __future__ import annotations

import html
import io
import json
import re
import time
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.catalog.models import Lesson
from lms.core.markdown import render_markdown
from lms.core.markdown.limits import MAX_DEPTH, MAX_OPEN, describe, excess
from lms.packages.reader import package_folders, read_package
from lms.quizzes.models import Question
from tests.helpers import make_staff

pytestmark = pytest.mark.db

# The issue's texts: 16 KB of nested brackets took 24 seconds to render, deeper ones 30 and a timeout.
BRACKETS = "[" * 8000 + "x" + "]" * 8000
QUOTES = "> " * 8000 + "x"
EMPHASIS = "*a " * 3000 + "b" + " c*" * 3000
LISTS = "".join("    " * i + "- x\n" for i in range(300))
ISSUE = {"brackets": BRACKETS, "block quotes": QUOTES, "emphasis": EMPHASIS, "lists": LISTS}
# Their kind within a question's 10,000 characters.
SHORT_BRACKETS = "[" * 50 + "x" + "]" * 50
SHORT_QUOTES = "> " * 50 + "x"
SECONDS = 5.0  # far more than any of these takes now (milliseconds), far less than they took


def text_of(response) -> str:
    """The page's text as a person reads it: without tags, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def cpu(action):
    """`action()` and the CPU seconds it took in this thread (the app runs in it under the test client)."""
    started = time.thread_time()
    result = action()
    return result, time.thread_time() - started


@pytest.fixture()
def owner(world, course, db):
    course.status = "draft"
    db.session.commit()
    make_staff(course, world["instructor"])
    return world["instructor"]


# --- the check itself ---------------------------------------------------------------------------------

def test_what_lessons_are_made_of_passes():
    """The shipped courses, the naughty strings and every feature of the renderer stay within the bounds."""
    courses = Path(__file__).resolve().parent.parent / "courses"
    for folder in package_folders(courses):
        _spec, problems = read_package(folder)
        assert problems == [], folder
    for path in courses.rglob("*.md"):
        assert excess(path.read_text(encoding="utf-8")) is None, path
    for text in json.loads((Path(__file__).parent / "data" / "blns.json").read_text(encoding="utf-8")):
        assert excess(text) is None, text
    lesson = ("## Title\n\n- a\n  - b\n    - c\n\n1. one\n2. two\n\n> quoted\n> > twice\n\n| x | `y|z` |\n|---|---|\n"
              "| [l](https://x.org \"t\") | **b** *i* ***bi*** _u_ |\n\n```python\nx = [[[[1]]]]\n```\n\n"
              "Term\n: its definition\n\nText[^1] with HTML *[HTML]\n\n[^1]: Note.\n\n*[HTML]: Hypertext\n\n"
              "<details><summary>More</summary>\n\nHidden.\n\n</details>\n\n![alt [1]](pic.png) [ref][r] a < b > c\n\n"
              "[r]: https://x.org\n\n" + "An interval [0, 1) and [1, 2). " * 5 + "\n\n" + "[a](b) `c` " * 500)
    assert excess(lesson) is None


@pytest.mark.parametrize("text, line, code, mark", [
    (BRACKETS, 1, "open", "["),
    (QUOTES, 1, "depth", ""),
    (EMPHASIS, 1, "depth", ""),
    (LISTS, MAX_DEPTH + 1, "depth", ""),
    ("intro\n\n" * 5 + "> " * (MAX_DEPTH + 1) + "x", 11, "depth", ""),
    ("a\n\n" + "[0, 1) " * (MAX_OPEN + 1), 3, "open", "["),
    ("[a](b \"c) " * (MAX_OPEN + 1), 1, "open", "]("),
    ("[`]`" * (MAX_OPEN + 1), 1, "open", "["),  # a ] in code closes nothing
    ("x <a " * (MAX_OPEN + 1), 1, "open", "<"),
    ("<![CDATA[>" * (MAX_OPEN + 2), 1, "open", "<"),  # > does not end CDATA: ]]> does
    ("```a\n" * (MAX_OPEN + 1), MAX_OPEN + 1, "open", "```"),
    ("".join("`" * i + " x " for i in range(1, MAX_OPEN + 3)) + "\n`", 1, "open", "`"),
    ("term\n: definition\n" * (MAX_DEPTH // 2 + 1), MAX_DEPTH + 2, "depth", ""),
    ("# heading\n" * 2000, 1, "splits", ""),
    ("word " * 5000, 1, "block", ""),
    ("*[A]: x\n\n" * 101, 201, "abbreviations", ""),
    ("| a |\n|---|\n" + "|`x`" * 120 + "|\n", 3, "line_marks", ""),
])
def test_each_bound_names_the_line_where_a_text_passes_it(app, text, line, code, mark):
    found = excess(text)
    assert (found.line, found.code, found.mark) == (line, code, mark)
    with app.test_request_context():
        assert describe(found).startswith(f"Line {line}: ")


def test_the_check_refuses_no_code_it_cannot_see():
    """Marks in code spans are not Markdown's; a code span the check cannot place is counted against it."""
    assert excess("`[[[[[[[[[[[[[[[[[[[[[[[[`") is None
    assert excess("``" + "[" * (MAX_OPEN + 1) + "`` and ``y``") is None
    assert excess("`a\n" + "[" * (MAX_OPEN + 1) + "\nb`").code == "open"


# --- rendering what was stored before the bounds ----------------------------------------------------

@pytest.mark.parametrize("name", ISSUE)
def test_a_stored_text_past_the_bounds_is_shown_as_written_in_bounded_time(app, name):
    text = ISSUE[name] + "\n\n<script>alert(1)</script>"
    with app.test_request_context():
        shown, seconds = cpu(lambda: str(render_markdown(text)))
    assert seconds < SECONDS
    assert 'class="unformatted"' in shown and "This text is shown unformatted" in shown
    assert "<script>" not in shown and "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    assert html.unescape(re.search(r"<pre>(.*)</pre>", shown, re.S).group(1)) == text


def test_a_text_that_still_exhausts_the_stack_is_shown_as_written(app, monkeypatch):
    import lms.core.markdown as markdown

    def too_deep(*args):
        raise RecursionError

    monkeypatch.setattr(markdown, "_render", too_deep)
    with app.test_request_context():
        shown = str(render_markdown("*fine* text"))
    assert 'class="unformatted"' in shown and "*fine* text" in shown


def test_a_stored_lesson_past_the_bounds_opens_for_its_trainee(client, auth, world, course, db):
    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "intro"))
    lesson.body = BRACKETS  # saved before the bounds existed
    db.session.commit()
    auth.login(world["trainee"].email)
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    response, seconds = cpu(lambda: client.get("/courses/sample/lessons/intro"))
    assert response.status_code == 200 and seconds < SECONDS
    page = text_of(response)
    assert "This text is shown unformatted" in page and "Line 1: more than 20 square brackets" in page
    assert "[" * 8000 + "x" in page


# --- refused where it is saved ------------------------------------------------------------------------

@pytest.mark.parametrize("name", ISSUE)
@pytest.mark.parametrize("action", ["save", "preview"])
def test_the_lesson_editor_refuses_the_issue_texts_with_the_line(client, auth, owner, db, name, action):
    auth.login(owner.email)
    typed = "A first paragraph.\n\n" + ISSUE[name]
    response, seconds = cpu(lambda: auth.post("/author/sample/lessons/intro", {
        "title": "Introduction", "minutes": "5", "body": typed, "action": action}))
    assert response.status_code == 200 and seconds < SECONDS
    page = text_of(response)
    assert re.search(r"Line \d+: (nesting deeper than 20 levels|more than 20 square brackets)", page), page[:500]
    assert "Line 3:" in page or name == "lists"
    assert html.unescape(re.search(r'<textarea[^>]*name="body"[^>]*>(.*?)</textarea>', response.get_data(
        as_text=True), re.S).group(1)).strip("\r\n") == typed.strip("\n")  # nothing typed is lost
    db.session.expire_all()
    assert db.session.scalar(select(Lesson.body).where(Lesson.slug == "intro")) != typed


def test_the_question_editor_refuses_a_text_explanation_or_choice_past_the_bounds(client, auth, owner, db):
    auth.login(owner.email)
    url = "/author/sample/quizzes/check/questions/new?kind=single_choice"
    good = {"text": "Which one?", "points": "1", "explanation": "Because.", "choice-1": "This",
            "correct-1": "y", "choice-2": "That"}
    for field, message in (("text", "nesting deeper than 20 levels"), ("explanation", "more than 20 square brackets"),
                           ("choice-2", "Choice 2, line 1: more than 20 square brackets")):
        value = SHORT_QUOTES if field == "text" else SHORT_BRACKETS
        response = auth.post(url, {**good, field: value}, form_page=url)
        assert response.status_code == 200 and message in text_of(response), field
        assert html.escape(value[:200], quote=False) in response.get_data(as_text=True)
    assert db.session.scalar(select(Question).where(Question.text == SHORT_QUOTES)) is None


def test_gift_import_reports_a_question_past_the_bounds_by_its_line(client, auth, owner, db):
    auth.login(owner.email)
    text = ("::Fine::A fine question? {T}\n\n// a comment\n::Deep::Deep?\n" + SHORT_QUOTES + " {T}\n\n"
            "::Long::" + "word " * 2001 + "{T}\n\n::Also::Fine? {F}\n")
    response = auth.post("/author/sample/quizzes/check/gift", {"text": text, "action": "preview"})
    page = text_of(response)
    assert "2 questions will be imported." in page
    assert "Line 5: the question: nesting deeper than 20 levels" in page
    assert "Line 7: the question: the text is longer than 10000 characters." in page
    assert html.escape(SHORT_QUOTES, quote=False) in response.get_data(as_text=True)  # the text comes back


def test_gift_import_of_the_issue_sizes_answers_in_bounded_time(client, auth, owner, db):
    auth.login(owner.email)
    paste = "Which is right? {=yes ~no}\n\n" * 18_000  # 500,000 characters: 30 seconds, then a bare 500
    response, seconds = cpu(lambda: auth.post("/author/sample/quizzes/check/gift",
                                              {"text": paste[:500_000], "action": "preview"}))
    page = text_of(response)
    assert response.status_code == 200 and seconds < SECONDS * 4
    assert "1000 questions will be imported." in page
    assert "Line 2001: more than 1000 questions in one import" in page
    big = io.BytesIO(b"Q {T}\n\n" * 300_000)  # 2.1 MB
    response = auth.post("/author/sample/quizzes/check/gift", {"file": (big, "bank.gift"), "action": "preview"},
                         content_type="multipart/form-data")
    assert "The file is larger than the import takes at once" in text_of(response)


def _package(client, changes: dict) -> bytes:
    good = client.get("/author/sample/package.zip").data
    archive = zipfile.ZipFile(io.BytesIO(good))
    files = {name: archive.read(name) for name in archive.namelist()}
    files.update(changes)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for name, data in files.items():
            out.writestr(name, data)
    return buffer.getvalue()


def _upload(client, data: bytes):
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      client.get("/author/upload").get_data(as_text=True)).group(1)
    return client.post("/author/upload", data={"csrf_token": token, "file": (io.BytesIO(data), "package.zip")},
                       content_type="multipart/form-data")


def test_a_package_is_refused_with_the_file_and_line_of_a_text_past_the_bounds(client, auth, owner, db):
    auth.login(owner.email)
    lesson = "---\ntitle: Introduction\nminutes: 5\n---\nFirst line.\n\n" + BRACKETS + "\n"
    laughs = ("title: Check\nquestions:\n- &a [x, x, x, x, x, x, x, x, x]\n- &b [*a, *a, *a, *a, *a, *a, *a]\n"
              "- [*b, *b, *b, *b, *b, *b, *b, *b]\n")
    quiz = ("title: Check\nquestions:\n- kind: true_false\n  slug: deep\n  text: |\n    Fine first line.\n    "
            + SHORT_QUOTES + "\n  explanation: Because.\n  answer: true\n")
    cases = {
        "sample/01-basics/01-intro.md": (lesson, "sample/01-basics/01-intro.md:7"),
        "sample/01-basics/03-check.quiz.yaml": (laughs, "aliases (*a) are not allowed"),
    }
    for name, (content, expected) in cases.items():
        response, seconds = cpu(lambda: _upload(client, _package(client, {name: content.encode()})))
        assert response.status_code == 400 and seconds < SECONDS
        assert expected in text_of(response), expected
    response = _upload(client, _package(client, {"sample/01-basics/03-check.quiz.yaml": quiz.encode()}))
    assert "sample/01-basics/03-check.quiz.yaml:7 'text', line 2 of its text: nesting deeper than 20 levels" \
        in text_of(response)


def test_publishing_names_a_stored_question_past_the_bounds(client, auth, owner, db):
    question = db.session.scalar(select(Question).where(Question.slug == "q-single"))
    question.text = "Which one?\n\n" + SHORT_BRACKETS
    db.session.commit()
    auth.login(owner.email)
    response = auth.post("/author/sample/publish", {}, form_page="/author/sample/")
    page = text_of(client.get(response.headers["Location"]) if response.status_code == 302 else response)
    assert "Line 3 of the text: more than 20 square brackets [ open at once" in page


def _bulk(auth, content: bytes):
    return auth.post("/enrolments/bulk", {"file": (io.BytesIO(content), "trainees.csv"), "institution": "UA-ACAD",
                                          "due": ""}, form_page="/enrolments/bulk")


def test_bulk_enrolment_refuses_a_field_too_long_and_too_many_courses(client, auth, world, course, db):
    auth.login(world["admin"].email)
    response = _bulk(auth, b'email,name,courses\na@example.org,A,sample\n"' + b"x" * 200_000 + b'",B,sample\n')
    assert "The file cannot be read from line 3: a field there is longer than 131072 characters" in text_of(response)
    response = _bulk(auth, b"email,name,courses\na@example.org,A," + b" ".join(b"c%d" % i for i in range(21)) + b"\n")
    assert "more than 20 courses on one line" in text_of(response)
    columns = b",".join([b"email", b"name", b"courses"] + [b"c%d" % i for i in range(100_000)])
    response, seconds = cpu(lambda: _bulk(auth, columns + b"\n" + b"b@example.org,B,sample\n" * 2000))
    assert response.status_code == 200 and seconds < SECONDS
    assert "the same email address is already on line 2" in text_of(response)  # the preview, line by line
