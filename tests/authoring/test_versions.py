"""Language versions made in the browser: an instructor adds a version, translates its texts item by item beside
the original (a refused text comes back as typed, with its message), publishes it only once it is complete, and
the export writes it as a package the check accepts; the course's other staff cannot touch it."""
from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.authoring.queries import item_analysis
from lms.catalog.models import Lesson
from lms.catalog.outline import offered_languages
from lms.learning.models import Enrolment
from lms.languages import queries as language_queries
from lms.languages.models import CourseVersion, VersionText
from lms.packages.exporter import export_course
from lms.packages.importer import import_course
from lms.packages.reader import read_package
from lms.quizzes.models import AttemptAnswer, Question, Quiz, QuizAttempt
from tests.assessing.factory import make_assignment
from tests.helpers import csrf_token, make_institution, make_staff, make_user, statements
from tests.packages.sample import write_sample
from tests.practicals.records import field_check

pytestmark = pytest.mark.db

BASE = "/author/sample/versions"
# Every text of the sample course, in the editor's order: the course, then each module with its items.
TEXTS = ["/course", "/modules/basics", "/lessons/intro", "/lessons/second", "/quizzes/check",
         "/questions/q-single", "/questions/q-multi", "/questions/q-tf", "/questions/q-short", "/questions/q-num",
         "/modules/final", "/quizzes/final", "/questions/f-1", "/questions/f-2", "/questions/f-3"]


@pytest.fixture()
def owner(world, course):
    make_staff(course, world["instructor"], "owner")
    return world["instructor"]


def add_version(auth, language="uk", **fields):
    return auth.post(BASE, {"language": language, "translated_from": "en", "translated_by": "Academy translators",
                            **fields})


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def words(text: str) -> str:
    """A page's text as a person reads it: without tags, its spaces collapsed."""
    return re.sub(r" ([:,.])", r"\1", " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split()))


def fields_of(text: str) -> list[str]:
    """The names of the version's fields on an editor page (not the CSRF token, not the buttons)."""
    return re.findall(r'<(?:textarea|input type="text")[^>]* name="([^"]+)"', text)


def translate_everything(client, prefix="Укр") -> None:
    """Fill every field of every text of the version through its editor page."""
    for path in TEXTS:
        text = page(client, BASE + "/uk" + path)
        values = {name: f"{prefix} {name}" for name in fields_of(text)}
        response = client.post(BASE + "/uk" + path, data={**values, "csrf_token": csrf_token(text)})
        assert response.status_code == 302, (path, response.get_data(as_text=True)[-2000:])


def events(db, action) -> list[dict]:
    return [e.details for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                                  .order_by(AuditEvent.id))]


def test_the_course_page_links_to_its_versions_which_start_as_drafts(client, auth, owner, course, db):
    auth.login(owner.email)
    assert f'href="{BASE}"' in page(client, "/author/sample/")
    assert "no versions in other languages yet" in page(client, BASE)

    response = add_version(auth, note="Machine draft, to be corrected.")
    assert response.status_code == 302 and response.headers["Location"] == f"{BASE}/uk/"
    [version] = language_queries.versions_of(course.id)
    assert (version.language, version.status, version.translated_from, version.translated_by, version.note) == (
        "uk", "draft", "en", "Academy translators", "Machine draft, to be corrected.")
    assert events(db, "version.added") == [{"language": "uk"}]
    listing = words(page(client, BASE))
    assert "Ukrainian (uk) Draft" in listing and "0 of 15 texts" in listing and "Academy translators" in listing
    # Ukrainian is no longer offered; English is the course's own and never was.
    options = re.findall(r'<option value="([^"]*)"', page(client, BASE).split('id="language"')[1].split("</select>")[0])
    assert "uk" not in options and "en" not in options and {"ro", "ka", "hy", "ru", "pl", "bg", "hu", "sk"} <= set(options)


@pytest.mark.parametrize(("fields", "message"), [
    ({"language": "en"}, "This is the course&#39;s own language"),
    ({"language": "", "other": "EN"}, "This is the course&#39;s own language"),
    ({"language": "", "other": "Ukrainian!"}, "Use a language tag such as de, fr or pt-BR."),
    ({"language": ""}, "Choose a language from the list, or type its tag."),
    ({"language": "ro", "other": "de"}, "Choose one language"),
    ({"language": "", "other": "uk"}, "The course already has a version in this language."),
    ({"language": "ro", "translated_from": "ka"}, "Not a valid choice"),
])
def test_a_version_is_refused_for_its_own_language_twice_or_a_tag_that_is_not_one(
        client, auth, owner, course, db, fields, message):
    auth.login(owner.email)
    add_version(auth)
    response = auth.post(BASE, {"translated_from": "en", "translated_by": "Someone", **fields})
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert [v.language for v in language_queries.versions_of(course.id)] == ["uk"]


def test_a_typed_tag_is_any_language_and_a_version_may_be_translated_from_another(client, auth, owner, course, db):
    auth.login(owner.email)
    add_version(auth)
    assert add_version(auth, language="", other="PT-BR", translated_from="uk").status_code == 302
    version = language_queries.version(course.id, "pt-BR")
    assert (version.translated_from, version.status) == ("uk", "draft")
    assert "Portuguese (Brazil) (pt-BR)" in words(page(client, BASE))


def test_a_refused_text_keeps_what_was_typed_and_saves_nothing(client, auth, owner, course, db):
    auth.login(owner.email)
    add_version(auth)
    editor = page(client, f"{BASE}/uk/lessons/intro")
    # The original beside the fields: its Markdown as written, and rendered in the one renderer.
    assert "## Why" in editor and "<h2" in editor and 'lang="en"' in editor and 'lang="uk"' in editor
    long_title = "Вступ " + "д" * 200
    body = "## Чому\nПрочитайте це, погляньте на ![піксель](pixel.png) і продовжуйте."
    response = client.post(f"{BASE}/uk/lessons/intro", data={"title": long_title, "body": body,
                                                             "csrf_token": csrf_token(editor)})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "At most 200 characters: this text has 206." in text
    assert f'value="{long_title}"' in text and html.escape(body, quote=False) in text
    assert language_queries.texts(course.id, "uk") == {}

    # Markdown past the renderer's bounds is refused with its line; an image the module does not have too.
    nested = "Текст\n\n" + "[" * 30 + "x"
    response = client.post(f"{BASE}/uk/lessons/intro", data={"title": "Вступ", "body": nested,
                                                             "csrf_token": csrf_token(editor)})
    assert "Line 3:" in response.get_data(as_text=True) and language_queries.texts(course.id, "uk") == {}
    response = client.post(f"{BASE}/uk/lessons/intro", data={"title": "Вступ", "body": "![Схема](other.png)",
                                                             "csrf_token": csrf_token(editor)})
    assert "broken image link: other.png" in response.get_data(as_text=True)

    response = client.post(f"{BASE}/uk/lessons/intro", data={"title": " Вступ ", "body": body, "then": "next",
                                                             "csrf_token": csrf_token(editor)})
    assert response.headers["Location"] == f"{BASE}/uk/lessons/second"
    intro = db.session.scalar(select(Lesson).where(Lesson.slug == "intro"))
    saved = language_queries.text_of("lesson", intro.id, "uk")
    assert (saved.title, saved.body) == ("Вступ", body)
    assert events(db, "version.text_saved") == [{"language": "uk", "kind": "lesson", "item_id": intro.id}]
    assert intro.title == "Introduction"  # the original keeps its own


def test_a_question_is_translated_choice_by_choice_with_its_own_answers(client, auth, owner, course, db):
    auth.login(owner.email)
    add_version(auth)
    editor = page(client, f"{BASE}/uk/questions/q-single")
    # The choices in the original's order, each saying whether it is right; the right one is not a field.
    assert fields_of(editor) == ["text", "choice-1", "choice-2", "explanation"]
    assert editor.index("This one") < editor.index("A right answer") < editor.index("That one") < \
        editor.index("Not a right answer")
    assert "correct" not in " ".join(fields_of(editor))
    client.post(f"{BASE}/uk/questions/q-single", data={
        "text": "Котрий?", "choice-1": "Цей", "choice-2": "Той", "explanation": "Тому що.",
        "csrf_token": csrf_token(editor)})
    question = db.session.scalar(select(Question).where(Question.slug == "q-single"))
    saved = language_queries.text_of("question", question.id, "uk")
    assert (saved.body, saved.data) == ("Котрий?", {"explanation": "Тому що.", "choices": ["Цей", "Той"],
                                                     "accepted": []})

    editor = page(client, f"{BASE}/uk/questions/q-short")
    assert fields_of(editor) == ["text", "accepted", "explanation"] and "inter-agency\ninteragency" in editor
    client.post(f"{BASE}/uk/questions/q-short", data={
        "text": "Назвіть це.", "accepted": "міжвідомча\r\n\r\n  міжвідомча співпраця \r\n", "explanation": "Так.",
        "csrf_token": csrf_token(editor)})
    short = db.session.scalar(select(Question).where(Question.slug == "q-short"))
    assert language_queries.text_of("question", short.id, "uk").data["accepted"] == ["міжвідомча",
                                                                                     "міжвідомча співпраця"]
    numeric = page(client, f"{BASE}/uk/questions/q-num")
    assert fields_of(numeric) == ["text", "explanation"] and "Right value" in numeric


def test_publishing_is_refused_until_every_text_is_there_then_the_export_reads_back(
        client, auth, owner, course, db, tmp_path):
    auth.login(owner.email)
    add_version(auth, translated_by="")
    version_page = page(client, f"{BASE}/uk/")
    refused = auth.post(f"{BASE}/uk/status", {"status": "published"}, form_page=f"{BASE}/uk/")
    text = words(refused.get_data(as_text=True))
    assert refused.status_code == 400 and "15 things still lack texts" in text
    assert "Lesson “Introduction”: Missing: Title, Text" in text
    assert "Question “Which one?”: Missing: Question, Choices, Explanation shown in review" in text
    assert f'href="{BASE}/uk/questions/q-single"' in refused.get_data(as_text=True)
    assert language_queries.published_languages(course.id) == [] and "Not translated yet" in version_page

    translate_everything(client)
    # Complete, but no one is named as its translator: said, and still a draft.
    refused = auth.post(f"{BASE}/uk/status", {"status": "published"}, form_page=f"{BASE}/uk/")
    assert refused.status_code == 400 and "Say who translated the version" in refused.get_data(as_text=True)
    assert "things still lack" not in refused.get_data(as_text=True)
    auth.post(f"{BASE}/uk/", {"translated_from": "en", "translated_by": "Academy translators", "reviewed": "y"})
    assert "15 of 15 texts translated" in page(client, f"{BASE}/uk/")
    response = auth.post(f"{BASE}/uk/status", {"status": "published"}, form_page=f"{BASE}/uk/")
    assert response.status_code == 302
    assert language_queries.published_languages(course.id) == ["uk"]
    assert [e["language"] for e in events(db, "version.published")] == ["uk"]
    db.session.expire_all()
    assert offered_languages(course) == ("uk",)  # the trainees' pages offer it at once
    assert "Укр body" in page(client, "/courses/sample/lessons/intro?version=uk")

    # The export writes it as a package version the check accepts, with the texts typed in the browser.
    folder = export_course(course, tmp_path / "out")
    spec, problems = read_package(folder)
    assert not problems, [str(p) for p in problems]
    [version] = spec.versions
    assert (version.language, version.translated_by, version.reviewed) == ("uk", "Academy translators", True)
    assert version.course.title == "Укр title" and version.course.modules[0].lessons[0].body.strip() == "Укр body"
    assert version.course.modules[0].quizzes[0].questions[0].choices[1].text == "Укр choice-2"
    assert version.course.modules[0].quizzes[0].questions[0].choices[0].correct is True  # the original's key

    # A published version stays complete: emptying a text is refused and keeps what else was typed.
    editor = page(client, f"{BASE}/uk/lessons/intro")
    response = client.post(f"{BASE}/uk/lessons/intro", data={"title": "Новий вступ", "body": "",
                                                             "csrf_token": csrf_token(editor)})
    assert "The version is published, so this text is needed" in response.get_data(as_text=True)
    assert 'value="Новий вступ"' in response.get_data(as_text=True)
    intro = db.session.scalar(select(Lesson).where(Lesson.slug == "intro"))
    assert language_queries.text_of("lesson", intro.id, "uk").title == "Укр title"

    # Back to draft: trainees no longer choose it.
    auth.post(f"{BASE}/uk/status", {"status": "draft"}, form_page=f"{BASE}/uk/")
    assert language_queries.published_languages(course.id) == []
    db.session.expire_all()
    assert offered_languages(course) == ()


def test_a_draft_made_in_the_browser_survives_an_upload_of_the_courses_package(client, auth, owner, course, db,
                                                                               tmp_path):
    auth.login(owner.email)
    add_version(auth)
    translate_everything(client)
    spec, problems = read_package(write_sample(tmp_path / "again"))
    assert not problems
    import_course(spec)
    assert [(v.language, v.status) for v in language_queries.versions_of(course.id)] == [("uk", "draft")]
    assert len(language_queries.texts(course.id, "uk")) == 15


def test_deleting_a_version_is_confirmed_and_audited(client, auth, owner, course, db):
    auth.login(owner.email)
    add_version(auth)
    translate_everything(client)
    confirm = page(client, f"{BASE}/uk/delete")
    assert "Its 15 texts are deleted with it." in confirm and language_queries.version(course.id, "uk") is not None
    response = auth.post(f"{BASE}/uk/delete", {})
    assert response.status_code == 302 and response.headers["Location"] == BASE
    assert language_queries.version(course.id, "uk") is None
    assert db.session.scalar(select(func.count()).select_from(VersionText)) == 0
    assert events(db, "version.deleted") == [{"language": "uk", "status": "draft", "texts": 15}]
    assert client.get(f"{BASE}/uk/").status_code == 404


def test_only_those_who_may_edit_the_course_reach_its_versions(app, client, auth, world, course, db):
    """The owner and an instructor of the course may; its assessor and trainer, a trainee, a coordinator and
    an instructor of another course may not."""
    owner, instructor = world["instructor"], make_user("second@example.org", "Second Instructor", "instructor")
    make_staff(course, owner, "owner")
    make_staff(course, instructor, "instructor")
    assessor = make_user("assessor@example.org", "Assessor", "instructor")
    trainer = make_user("trainer@example.org", "Trainer", "instructor")
    make_staff(course, assessor, "assessor")
    make_staff(course, trainer, "trainer")
    outsider = make_user("outsider@example.org", "Outsider", "instructor")
    auth.login(owner.email)
    add_version(auth)
    auth.logout()
    urls = [BASE, f"{BASE}/uk/", f"{BASE}/uk/delete", f"{BASE}/uk/course", f"{BASE}/uk/lessons/intro"]
    posts = urls + [f"{BASE}/uk/status"]
    for person, allowed in ((owner, True), (instructor, True), (assessor, False), (trainer, False),
                            (world["trainee"], False), (world["coordinator"], False), (outsider, False)):
        auth.login(person.email)
        token = csrf_token(page(client, "/profile"))
        for url in urls:
            assert client.get(url).status_code == (200 if allowed else 403), (person.email, url)
        if not allowed:
            for url in posts:
                assert client.post(url, data={"csrf_token": token, "status": "draft"}).status_code == 403
        auth.logout()
    assert language_queries.version(course.id, "uk") is not None
    assert db.session.scalar(select(func.count()).select_from(CourseVersion)) == 1


def test_item_analysis_splits_the_attempts_by_their_language_in_as_many_statements(client, auth, owner, course, db):
    auth.login(owner.email)
    add_version(auth)
    quiz = db.session.scalar(select(Quiz).where(Quiz.slug == "check"))
    question = db.session.scalar(select(Question).where(Question.slug == "q-single"))
    right, wrong = (c.id for c in question.choices)
    institution = make_institution("X-1", "X", "UA")
    # Two attempts in English (right), one in the Ukrainian version (wrong); QuizAttempt.language is the
    # version's tag, NULL for the course's own language.
    for number, (percent, response, correct, language) in enumerate(
            [(90, [right], True, None), (80, [right], True, None), (30, [wrong], False, "uk")]):
        user = make_user(f"t{number}@example.org", f"T{number}", "trainee", institution)
        enrolment = Enrolment(user_id=user.id, course_id=course.id)
        db.session.add(enrolment)
        db.session.flush()
        attempt = QuizAttempt(quiz_id=quiz.id, enrolment_id=enrolment.id, user_id=user.id, number=1,
                              status="submitted", submitted_at=enrolment.enrolled_at, draw=[], language=language,
                              percent=Decimal(percent), passed=percent >= 60)
        db.session.add(attempt)
        db.session.flush()
        db.session.add(AttemptAnswer(attempt_id=attempt.id, question_id=question.id, question_slug="q-single",
                                     response=response, correct=correct))
    db.session.commit()

    figures = {}
    for language in ("all", "original", "uk"):
        attempts, items = item_analysis(quiz, language)
        stats = next(s for s in items if s.question.slug == "q-single")
        figures[language] = (attempts, stats.percent_correct, stats.choice_counts)
    assert figures == {"all": (3, 200 / 3, {"This one": 2, "That one": 1}),
                       "original": (2, 100.0, {"This one": 2, "That one": 0}),
                       "uk": (1, 0.0, {"This one": 0, "That one": 1})}

    counts, pages = {}, {}
    for language in ("all", "original", "uk"):
        with statements(db) as sent:
            pages[language] = words(page(client, f"/author/sample/quizzes/check/analysis?language={language}"))
        counts[language] = len(sent)
    assert len(set(counts.values())) == 1, counts  # the choice is a condition of the same statements
    assert "Based on 3 graded attempts." in pages["all"] and "Based on 2 graded attempts." in pages["original"]
    assert "Based on 1 graded attempt." in pages["uk"] and "That one: 1" in pages["uk"]
    assert "The version in Ukrainian" in pages["all"] and "The course's own language: English" in pages["all"]
    # A language the course has no attempts or version in is read as every language.
    assert "Based on 3 graded attempts." in words(page(client, "/author/sample/quizzes/check/analysis?language=xx"))


def test_an_assignments_rubric_and_a_practicals_criteria_are_translated_and_exported(
        client, auth, owner, course, db, tmp_path):
    rubric = [{"title": "Analysis of risks", "description": "Names the main risks",
               "levels": [{"title": "Every main risk", "points": 4}, {"title": "None", "points": 0}]}]
    make_assignment(course, instructions="Write a **plan**.", rubric=rubric, max_score=4)
    practical = field_check(course, owner)
    auth.login(owner.email)
    add_version(auth)
    editor = page(client, f"{BASE}/uk/assignments/action-plan")
    assert fields_of(editor) == ["title", "body", "rubric-1-title", "rubric-1-description", "rubric-1-level-1",
                                 "rubric-1-level-2"]
    assert "4 points" in editor and "<strong>plan</strong>" in editor
    criterion = practical.criteria[0].slug
    checklist = page(client, f"{BASE}/uk/practicals/field-check")
    assert fields_of(checklist) == ["title", "body", f"criterion-{criterion}"]
    assert "Critical: must be met to pass" in checklist

    translate_everything(client)
    for path in ("/assignments/action-plan", "/practicals/field-check"):
        text = page(client, BASE + "/uk" + path)
        client.post(BASE + "/uk" + path, data={**{n: f"Укр {n}" for n in fields_of(text)},
                                               "csrf_token": csrf_token(text)})
    assert auth.post(f"{BASE}/uk/status", {"status": "published"}, form_page=f"{BASE}/uk/").status_code == 302
    saved = language_queries.texts(course.id, "uk")
    assignment_text = next(t for (kind, _id), t in saved.items() if kind == "assignment")
    assert assignment_text.data == {"rubric": [{"title": "Укр rubric-1-title", "description": "Укр rubric-1-description",
                                                "levels": [{"title": "Укр rubric-1-level-1", "points": 4},
                                                           {"title": "Укр rubric-1-level-2", "points": 0}]}]}
    spec, problems = read_package(export_course(course, tmp_path / "out"))
    assert not problems, [str(p) for p in problems]
    module = spec.versions[0].course.modules[0]
    assert module.assignments[0].rubric[0]["levels"][0]["title"] == "Укр rubric-1-level-1"
    assert module.practicals[0].criteria[0].text == f"Укр criterion-{criterion}"
    assert module.practicals[0].criteria[0].critical is True


def test_a_version_translated_from_another_follows_it(client, auth, owner, course, db, tmp_path):
    """A package names the language a version was translated from among the versions it holds (the published
    ones): a version translated from a draft is not published, and the one it comes from is neither taken back
    to draft while it is published nor deleted while it exists."""
    auth.login(owner.email)
    add_version(auth)
    translate_everything(client)
    assert add_version(auth, language="ka", translated_from="uk").status_code == 302
    for path in TEXTS:
        text = page(client, BASE + "/ka" + path)
        client.post(BASE + "/ka" + path, data={**{n: f"ქარ {n}" for n in fields_of(text)},
                                               "csrf_token": csrf_token(text)})
    refused = auth.post(f"{BASE}/ka/status", {"status": "published"}, form_page=f"{BASE}/ka/")
    assert refused.status_code == 400
    assert "which is a draft: publish that one first" in words(refused.get_data(as_text=True))
    for language in ("uk", "ka"):
        assert auth.post(f"{BASE}/{language}/status", {"status": "published"},
                         form_page=f"{BASE}/{language}/").status_code == 302
    assert language_queries.published_languages(course.id) == ["ka", "uk"]

    auth.post(f"{BASE}/uk/status", {"status": "draft"}, form_page=f"{BASE}/uk/")
    assert "say they were translated from this one" in words(page(client, f"{BASE}/uk/"))
    assert language_queries.version(course.id, "uk").status == "published"
    confirm = page(client, f"{BASE}/uk/delete")
    assert "The versions in Georgian (ka) say they were translated from this one" in words(confirm)
    assert 'type="submit">Delete<' not in confirm
    assert auth.post(f"{BASE}/uk/delete", {}, form_page=f"{BASE}/uk/").status_code == 302
    assert language_queries.version(course.id, "uk") is not None
    spec, problems = read_package(export_course(course, tmp_path / "out"))
    assert not problems and [(v.language, v.translated_from) for v in spec.versions] == [("ka", "uk"), ("uk", "en")]
