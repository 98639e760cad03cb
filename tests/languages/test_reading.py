"""A trainee reads a course in its language versions: lessons and quizzes in the version chosen (this page's
switch, the course's kept choice, else the interface language), one progress and one set of attempts whatever
the version, short answers graded against the version's and the original's, the catalogue searching every
version, and the certificate and the verification page in the reader's language."""
from __future__ import annotations

import subprocess

import pytest
from sqlalchemy import select

from lms.catalog.models import Course
from lms.learning.models import Enrolment, LessonProgress
from lms.packages.importer import import_course
from lms.packages.reader import read_package
from lms.quizzes.models import QuizAttempt
from tests.helpers import answers_for, sign_in_and_enrol, start_attempt
from tests.packages.sample import write_sample, write_version

pytestmark = pytest.mark.db


@pytest.fixture()
def course(db, tmp_path):
    """The sample course (English) with its Ukrainian version, published."""
    folder = write_sample(tmp_path)
    write_version(folder)
    spec, problems = read_package(folder)
    assert not problems, problems
    import_course(spec, publish=True)
    return db.session.scalar(select(Course).where(Course.slug == "sample"))


def test_a_lesson_reads_in_the_version_asked_for_and_counts_once(reader, client, db, world):
    english = client.get("/courses/sample/lessons/intro").get_data(as_text=True)
    assert "<h1 lang=\"en\">Introduction</h1>" in english and "Read this, look at" in english
    assert 'href="/courses/sample/lessons/intro?version=uk"' in english and ">Українська<" in english

    ukrainian = client.get("/courses/sample/lessons/intro?version=uk").get_data(as_text=True)
    assert "<h1 lang=\"uk\">Вступ</h1>" in ukrainian and "Прочитайте це" in ukrainian
    assert 'alt="піксель"' in ukrainian and "/courses/sample/assets/basics/pixel.png" in ukrainian  # the original's image
    assert "Зразковий курс" in ukrainian and "Основи" in ukrainian  # the course's and module's titles
    assert 'aria-current="true" lang="uk">Українська<' in ukrainian
    views = db.session.scalars(select(LessonProgress)).all()
    assert len(views) == 1  # read in two languages: one lesson viewed


def test_the_interface_language_picks_the_version_and_a_kept_choice_wins(reader, client, db, world):
    trainee = world["trainee"]
    page = client.get("/courses/sample/lessons/second", headers={"Accept-Language": "uk"}).get_data(as_text=True)
    assert "Другий урок" in page  # a signed-in trainee without a profile language: the browser's
    course_page = client.get("/courses/sample", headers={"Accept-Language": "uk"}).get_data(as_text=True)
    assert "<h1 lang=\"uk\">Зразковий курс</h1>" in course_page and "Пояснити зразок." in course_page
    assert "Academy translators" in course_page and "<html lang=\"uk\">" in course_page

    reader.post("/courses/sample/version", {"language": "en"}, form_page="/courses/sample")
    db.session.expire_all()
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == trainee.id))
    assert enrolment.content_language == "en"  # the original, chosen
    page = client.get("/courses/sample/lessons/second", headers={"Accept-Language": "uk"}).get_data(as_text=True)
    assert "Second lesson" in page

    reader.post("/courses/sample/version", {"language": "uk"}, form_page="/courses/sample")
    db.session.expire_all()
    assert db.session.get(Enrolment, enrolment.id).content_language == "uk"
    page = client.get("/courses/sample").get_data(as_text=True)
    assert "Зразковий курс" in page and "Translated from English by Academy translators." in page
    assert "Not yet reviewed by a trainer whose language it is." in page
    assert "Second lesson" in client.get("/courses/sample/lessons/second?version=en").get_data(as_text=True)

    refused = reader.post("/courses/sample/version", {"language": "ka"}, form_page="/courses/sample",
                          follow_redirects=True)
    assert "This course has no version in that language." in refused.get_data(as_text=True)


def test_a_quiz_is_taken_in_the_version_and_graded_against_both_answer_lists(reader, client, db):
    reader.post("/courses/sample/version", {"language": "uk"}, form_page="/courses/sample")
    quiz_page = client.get("/courses/sample/quizzes/check").get_data(as_text=True)
    assert "<h1 lang=\"uk\">Перевірка</h1>" in quiz_page
    attempt_id = start_attempt(reader, "sample", "check")
    db.session.expire_all()
    attempt = db.session.get(QuizAttempt, attempt_id)
    assert attempt.language == "uk"
    items = {item["slug"]: item for item in attempt.draw}
    assert items["q-single"]["text"] == "Котрий?"
    assert {c["text"] for c in items["q-single"]["choices"]} == {"Цей", "Той"}
    assert items["q-short"]["accepted"] == ["міжвідомча", "міжвідомча співпраця", "inter-agency", "interagency"]
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "Котрий?" in page and "Перевірка" in page

    answers = answers_for(attempt.draw)
    answers["a-q-short"] = "Міжвідомча"  # the version's answer, another case
    reader.post(f"/attempts/{attempt_id}", {**answers, "action": "finish"}, form_page=f"/attempts/{attempt_id}")
    reader.post(f"/attempts/{attempt_id}/submit", {}, form_page=f"/attempts/{attempt_id}/submit")
    db.session.expire_all()
    attempt = db.session.get(QuizAttempt, attempt_id)
    assert attempt.status == "submitted" and attempt.percent == 100 and attempt.passed

    # The next attempt in English: the same enrolment, the same count of attempts.
    second = start_attempt_in(reader, "en")
    db.session.expire_all()
    assert db.session.get(QuizAttempt, second).language is None and second != attempt_id
    assert db.session.get(QuizAttempt, second).number == 2


def start_attempt_in(auth, version: str) -> int:
    response = auth.post("/courses/sample/quizzes/check/start", {"version": version},
                         form_page="/courses/sample/quizzes/check")
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_the_catalogue_searches_and_filters_every_version(client, course):
    found = client.get("/courses/?q=зразковий").get_data(as_text=True)
    assert "/courses/sample" in found
    assert "/courses/sample" in client.get("/courses/?language=uk").get_data(as_text=True)
    assert "/courses/sample" not in client.get("/courses/?q=немає-такого").get_data(as_text=True)
    listing = client.get("/courses/").get_data(as_text=True)
    assert "Language: English, Ukrainian" in listing
    assert '<h2 class="card-title" lang="en"><a href="/courses/sample">Sample course</a>' in listing
    # A reader of Ukrainian reads the card in the course's Ukrainian version, here and on the home page.
    for page in ("/courses/", "/"):
        ukrainian = client.get(page, headers={"Accept-Language": "uk"}).get_data(as_text=True)
        assert 'lang="uk"><a href="/courses/sample">Зразковий курс</a>' in ukrainian, page
        assert "Sample course" not in ukrainian, page


def test_the_certificate_prints_in_the_holders_language_and_verify_in_the_visitors(reader, client, db, world,
                                                                                  course, tmp_path):
    from lms.learning.services import complete_enrolment

    trainee = world["trainee"]
    trainee.locale = "uk"
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == trainee.id))
    certificate = complete_enrolment(enrolment, course)
    db.session.commit()
    pdf = client.get(f"/certificates/{certificate.code}.pdf")
    assert pdf.status_code == 200
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Зразковий курс" in text and "Sample course" not in text

    # A holder without a language of their own: their browser's, when they download it themselves.
    trainee.locale = None
    db.session.commit()
    pdf = client.get(f"/certificates/{certificate.code}.pdf", headers={"Accept-Language": "uk"})
    path.write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Зразковий курс" in text and "Sample course" not in text

    reader.logout()
    ukrainian = client.get(f"/verify/{certificate.code}", headers={"Accept-Language": "uk"}).get_data(as_text=True)
    assert "Зразковий курс" in ukrainian
    english = client.get(f"/verify/{certificate.code}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Sample course" in english


def test_short_answers_typed_two_ways_are_the_same():
    from lms.quizzes.grading import normalise_text

    assert normalise_text("Frontieră de stat, ţară") == normalise_text("frontieră de stat, țară")
    assert normalise_text("зв’язок") == normalise_text("зв'язок") == normalise_text("звʼязок")


def test_a_georgian_version_read_under_another_interface_language_loads_the_georgian_font(client, auth, world, db,
                                                                                         tmp_path):
    """The script's web font follows the text shown, not only the interface: the Georgian version's lesson read
    with an English interface loads it; the English original, and pages that show no course text, do not."""
    folder = write_sample(tmp_path)
    write_version(folder, "ka")
    spec, problems = read_package(folder)
    assert not problems, problems
    import_course(spec, publish=True)
    sign_in_and_enrol(auth, world["trainee"].email)
    georgian = client.get("/courses/sample/lessons/intro?version=ka").get_data(as_text=True)
    assert '<html lang="en">' in georgian and "/static/css/georgian.css" in georgian
    assert '<h1 lang="ka">' in georgian
    for path in ("/courses/sample/lessons/intro?version=en", "/courses/sample/lessons/intro", "/my"):
        assert "georgian.css" not in client.get(path).get_data(as_text=True), path
    quiz = client.get("/courses/sample/quizzes/check?version=ka").get_data(as_text=True)
    assert "/static/css/georgian.css" in quiz
