"""A Georgian trainee takes a course in its Georgian version, from end to end in headless Chromium (one live
server, one browser; issue 23's "done when"). The browser asks for Georgian: the sign-in page is in Georgian
with its web font. The catalogue, filtered by language, finds the shipped course on monitoring and evaluation,
its card in Georgian; the course page is in Georgian and says who translated it and that it is not yet
reviewed. A lesson reads in Georgian, that one page in English through "Read in", the next in Georgian again. A
module quiz is taken in Georgian, a short answer typed in Georgian among the version's accepted ones, and the
attempt keeps the language. The rest of the course is done without the browser; the certificate prints in
Georgian. The progress is one, however many languages were read: one row in the coordinator's drill-down and
its export, one in the instructor's dashboard, one view per lesson. What the trainee sees is checked against
the Georgian catalogue, what the server stored, and axe's WCAG 2.1 AA rules on every Georgian page."""
from __future__ import annotations

import csv
import io
import re
import subprocess
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from lms.catalog.models import Course, Lesson
from lms.learning.models import Certificate, Enrolment, LessonProgress
from lms.packages.importer import import_course
from lms.packages.reader import read_package
from lms.quizzes.models import AttemptAnswer, QuizAttempt
from tests.axe import violations
from tests.browser.people import Person
from tests.helpers import PASSWORD, Auth, make_staff, take_quiz

pytestmark = pytest.mark.browser  # pages and scripts: on SQLite (docs/development.md, markers)

SLUG = "ibm-monitoring-evaluation"
COURSE = f"/courses/{SLUG}"
TITLE = {"ka": "საზღვრის ინტეგრირებული მართვის სტრატეგიების მონიტორინგი და შეფასება",
         "en": "Monitoring and evaluation of IBM strategies"}
SUMMARY_KA = "როგორ იგეგმება, იზომება და ფასდება საზღვრის მართვის პროექტები"
FIRST, SECOND = "project-cycle-management", "the-logframe-matrix"
FIRST_TITLE = {"ka": "პროექტის ციკლი: პროგრამირებიდან აუდიტამდე", "en": "The project cycle: from programming to audit"}
FIRST_HEADING = {"ka": "რატომ მიჰყვება სასაზღვრო პროექტები ციკლს", "en": "Why border projects follow a cycle"}
SECOND_TITLE_KA = "ლოგიკური ჩარჩოს მატრიცის წაკითხვა და აგება"
QUIZ, QUIZ_TITLE_KA = "module-1-check", "შეამოწმეთ ცოდნა: პროექტის ციკლი და ლოგიკური ჩარჩო"
SHORT, SHORT_ANSWER = "m1-row-of-certified-officers", "პროდუქტები"  # one of the Georgian version's answers
CREDIT = "პლატფორმის კურსების გუნდი"  # who translated the version (its course.yaml)


def ka(message: str, **variables) -> str:
    """A message of the interface as a Georgian reader sees it (and the catalogue has it: not the English)."""
    with force_locale("ka"):
        text = gettext(message, **variables)
    assert text != (message % variables if variables else message), f"not translated into Georgian: {message!r}"
    return text


def fresh(db, model, *where):
    """The rows the server stored, read anew."""
    db.session.expire_all()
    return db.session.scalars(select(model).where(*where)).all()


def folded(text: str) -> str:
    """Text as read, its white space folded."""
    return " ".join(text.split())


def viewed(db, enrolment) -> list[str]:
    """The lessons the enrolment has a view of: one slug per LessonProgress row stored."""
    db.session.expire_all()
    return sorted(db.session.scalars(select(Lesson.slug).join(LessonProgress, LessonProgress.lesson_id == Lesson.id)
                                     .where(LessonProgress.enrolment_id == enrolment.id)))


class GeorgianBrowser(Person):
    """The trainee's browser, which asks for Georgian (locale and Accept-Language "ka"): unlike a `Person` it
    opens the sign-in page without signing in, so that the page can be read first."""

    def __init__(self, chromium, base: str, found: list[str]):  # Person's own __init__ signs in at once
        self.base, self.found = base, found
        self.context = chromium.new_context(bypass_csp=True, accept_downloads=True, locale="ka")
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.fetched: list[tuple[int, str]] = []
        self.page.on("response", self._answered)

    def _answered(self, response) -> None:
        self.fetched.append((response.status, response.url))
        if response.status >= 500:
            self.found.append(f"trainee: {response.status} {response.url}")

    def sign_in(self, email: str) -> None:
        self.page.fill("#email", email)
        self.page.fill("#password", PASSWORD)
        self.click("main button[type=submit]")
        assert "/login" not in self.page.url, f"{email} could not sign in"

    def georgian(self, what: str) -> None:
        """The page is in Georgian (its language and its web font) and passes axe."""
        assert self.page.get_attribute("html", "lang") == "ka", what
        assert self.page.locator("head link[rel=stylesheet][href*='/css/georgian.css?']").count() == 1, what
        self.axe(what)


@pytest.fixture()
def people(app, db, world):
    """The shipped course with its Georgian version (as `lms courses import` loads it), published, the instructor
    its owner; the Georgian trainee (institution in Georgia, no interface language of their own: their browser
    chooses) and their institution's coordinator."""
    spec, problems = read_package(Path(app.config["COURSES_DIR"]) / SLUG)
    assert not problems, problems
    import_course(spec, publish=True)
    course = db.session.scalar(select(Course).where(Course.slug == SLUG))
    make_staff(course, world["instructor"], "owner")
    trainee = world["other_trainee"]
    assert (trainee.locale, trainee.institution.country) == (None, "GE")
    return {**world, "course": course, "trainee": trainee, "coordinator": world["other_coordinator"]}


def sign_in_in_georgian(me: GeorgianBrowser, trainee) -> None:
    """1. The sign-in page in Georgian, with the Georgian web font loaded; signing in lands on the home page,
    whose course card is in Georgian too."""
    page = me.page
    me.go("/login")
    assert page.inner_text("main h1").strip() == ka("Sign in")
    assert page.inner_text("label[for=email]").strip() == ka("Email")
    assert page.inner_text("label[for=password]").strip() == ka("Password")
    page.evaluate("document.fonts.ready")
    assert page.evaluate("document.fonts.check('16px \"LMS Georgian\"', 'ქართული')")
    assert (200, f"{me.base}/static/fonts/noto-sans-georgian-georgian-400-normal.woff2") in me.fetched
    me.georgian("sign-in")
    me.sign_in(trainee.email)
    assert ka("Welcome, %(name)s", name=trainee.name) in me.main()
    card = page.locator("main li.card", has=page.locator(f"a[href='{COURSE}']"))
    assert card.locator("h3").inner_text() == TITLE["ka"] and card.locator("h3").get_attribute("lang") == "ka"
    me.georgian("home")


def find_and_enrol(me: GeorgianBrowser, db, course, trainee) -> Enrolment:
    """2. The catalogue filtered by Georgian; the course page in Georgian with its translation's credits;
    enrolling."""
    page = me.page
    me.click("header a[href='/courses/']")
    page.select_option("#language", "ka")  # the option reads ქართული
    assert page.inner_text("#language option:checked") == "ქართული"
    me.click("main form[role=search] button[type=submit]")
    assert page.url.endswith("/courses/?q=&language=ka&topic=")
    card = page.locator("main li.card", has=page.locator(f"a[href='{COURSE}']"))
    assert page.locator("main li.card").count() == 1 and card.count() == 1
    assert card.locator("h2").inner_text() == TITLE["ka"] and card.locator("h2").get_attribute("lang") == "ka"
    assert SUMMARY_KA in card.inner_text()
    languages = card.locator("p.meta").inner_text()
    assert ka("Language: %(lang)s", lang="ინგლისური, ქართული, რუმინული, უკრაინული") in languages, languages
    me.georgian("catalogue, Georgian")

    card.locator("a").click()
    assert page.url.endswith(COURSE)
    assert page.inner_text("main h1") == TITLE["ka"] and page.get_attribute("main h1", "lang") == "ka"
    assert SUMMARY_KA in page.inner_text("main p.lead")
    section = page.locator("main section[aria-labelledby=versions-heading]")
    assert section.locator("h2").inner_text() == ka("Languages of this course")
    credits = folded(section.inner_text())
    assert ka("Translated from %(language)s by %(who)s.", language="ინგლისური", who=CREDIT) in credits, credits
    assert ka("Not yet reviewed by a trainer whose language it is.") in credits, credits
    assert section.locator("nav.versions [aria-current=true]").inner_text() == "ქართული"
    assert "პროექტის ციკლის მართვა და ლოგიკური ჩარჩო" in me.main()  # the outline: the module's Georgian title
    me.georgian("course page, Georgian")

    me.click(f"main form[action='{COURSE}/enrol'] button[type=submit]")
    assert ka("You are enrolled in %(title)s.", title=TITLE["ka"]) in me.main()
    (enrolment,) = fresh(db, Enrolment, Enrolment.user_id == trainee.id)
    assert (enrolment.course_id, enrolment.status, enrolment.content_language) == (course.id, "active", None)
    return enrolment


def read_in_two_languages(me: GeorgianBrowser, db, enrolment) -> None:
    """3. The first lesson in Georgian, that page alone in English, the next lesson in Georgian again."""
    page = me.page
    assert page.url.endswith(f"{COURSE}/lessons/{FIRST}")  # enrolling resumes at the first lesson
    assert page.inner_text("main h1") == FIRST_TITLE["ka"] and page.get_attribute("main h1", "lang") == "ka"
    assert FIRST_HEADING["ka"] in page.inner_text("main article div[lang=ka]")
    assert page.inner_text("nav.crumbs a[lang=ka]") == TITLE["ka"]
    me.georgian("lesson, Georgian")

    me.click("main nav.versions a[hreflang=en]")
    assert page.url.endswith(f"{COURSE}/lessons/{FIRST}?version=en")
    assert page.inner_text("main h1") == FIRST_TITLE["en"] and page.get_attribute("main h1", "lang") == "en"
    assert FIRST_HEADING["en"] in page.inner_text("main article div[lang=en]")
    assert FIRST_HEADING["ka"] not in me.main()
    assert page.inner_text("nav.crumbs a[lang=en]") == TITLE["en"]
    assert page.inner_text("main nav.versions [aria-current=true]") == "English"
    me.georgian("lesson, read in English")  # the interface stays Georgian

    me.click("main a[rel=next]")
    assert page.url.endswith(f"{COURSE}/lessons/{SECOND}")  # the switch was for that page alone
    assert page.inner_text("main h1") == SECOND_TITLE_KA and page.get_attribute("main h1", "lang") == "ka"
    assert viewed(db, enrolment) == sorted([FIRST, SECOND])  # the first, read in two languages: one view


def answer_right(page, draw: list[dict]) -> None:
    """Every drawn question answered right on the page, the short one with the Georgian version's answer."""
    for item in draw:
        slug, kind = item["slug"], item["kind"]
        if kind in ("single_choice", "multiple_choice"):
            for choice in item["choices"]:
                if choice["correct"]:
                    page.check(f"#c-{choice['id']}")
        elif kind == "true_false":
            page.check(f"#{'t' if item['answer'] else 'f'}-{slug}")
        else:
            assert (kind, slug) == ("short_text", SHORT) and SHORT_ANSWER in item["accepted"]
            page.fill(f"#a-{slug}", SHORT_ANSWER)


def take_the_quiz(me: GeorgianBrowser, db) -> QuizAttempt:
    """4. The module's quiz in Georgian: the questions, the answers, the result."""
    page = me.page
    me.go(COURSE)
    me.click(f"main ol.outline a[href='{COURSE}/quizzes/{QUIZ}']")
    assert page.inner_text("main h1") == QUIZ_TITLE_KA
    me.georgian("quiz, Georgian")
    me.click(f"main form[action='{COURSE}/quizzes/{QUIZ}/start'] button[type=submit]")
    attempt_id = int(re.fullmatch(r".*/attempts/(\d+)", page.url).group(1))
    (attempt,) = fresh(db, QuizAttempt, QuizAttempt.id == attempt_id)
    assert attempt.language == "ka"
    assert page.inner_text("nav.crumbs a[lang=ka] >> nth=0") == TITLE["ka"]  # the attempt keeps the version
    questions = page.locator("main fieldset.question .qtext[lang=ka]").all_inner_texts()
    assert len(questions) == 7 and any("ლოგიკური ჩარჩოს ვერტიკალური ლოგიკის" in q for q in questions)
    assert ka("True") in me.main() and ka("Choose every right answer.") in me.main()
    me.georgian("attempt, Georgian")
    answer_right(page, attempt.draw)
    me.click("main button[name=action][value=finish]")
    assert ka("You have answered every question.") in me.main()
    me.georgian("submit, Georgian")
    me.click(f"main form[action='/attempts/{attempt_id}/submit'] button[type=submit]")

    assert page.url.endswith(f"/attempts/{attempt_id}/review")
    result = folded(page.inner_text("main p.result"))
    assert ka("Passed.") in result and "100,0%" in result, result  # the number as Georgian writes it
    assert f"{ka('Your answer:')} {SHORT_ANSWER}" in folded(page.inner_text("main ol.review"))
    me.georgian("result, Georgian")
    (attempt,) = fresh(db, QuizAttempt, QuizAttempt.id == attempt_id)
    assert (attempt.status, attempt.passed, attempt.percent, attempt.language) == ("submitted", True, 100, "ka")
    (short,) = fresh(db, AttemptAnswer, AttemptAnswer.attempt_id == attempt_id, AttemptAnswer.question_slug == SHORT)
    assert (short.response, short.correct) == (SHORT_ANSWER, True)
    return attempt


def download_the_certificate(me: GeorgianBrowser, db, enrolment, trainee, tmp_path) -> None:
    """5. The course completed, the certificate downloaded: printed in Georgian."""
    page = me.page
    me.go(COURSE)
    assert ka("You have completed this course") in me.main()
    me.georgian("course completed, Georgian")
    (certificate,) = fresh(db, Certificate, Certificate.enrolment_id == enrolment.id)
    link = page.locator(f"main a[href='/certificates/{certificate.code}.pdf']")
    assert link.inner_text() == ka("Download your certificate (PDF)")
    with page.expect_download() as download:
        link.click()
    pdf = tmp_path / "certificate.pdf"
    download.value.save_as(pdf)
    text = folded(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout)
    assert TITLE["ka"] in text and TITLE["en"] not in text, text
    # One sentence, in the Georgian order: the course's title before the word for "graduate".
    statement = ka("This certifies that %(name)s has completed the course %(course)s", name=trainee.name,
                   course=TITLE["ka"])
    assert statement in text, (statement, text)
    for wording in ("Certificate of completion", "Verification code:"):
        assert ka(wording) in text, (wording, text)
    assert trainee.name in text and certificate.code in text


def one_progress_for_the_staff(coordinator: Person, instructor: Person, db, course, enrolment, trainee) -> None:
    """6. One row for the trainee and the course, 100 % and completed: the coordinator's drill-down and its
    CSV, the instructor's dashboard."""
    coordinator.go("/reports/")
    coordinator.click(f"main a[href^='/reports/institutions/GE-ACAD/courses/{SLUG}']")
    rows = coordinator.page.locator("main table.report tbody tr")
    assert rows.count() == 1
    cells = [folded(c) for c in rows.first.locator("th, td").all_inner_texts()]
    assert cells[:5] == [trainee.name, trainee.email, "Completed", "100%", "100.0%"], cells
    assert cells[5] == "4", cells  # four quizzes, one attempt each, in whichever language
    with coordinator.page.expect_download() as download:
        coordinator.click("main p.report-links a:text-is('CSV')")
    data = download.value.path().read_bytes().decode("utf-8-sig")
    header, *lines = list(csv.reader(io.StringIO(data)))
    assert len(lines) == 1, lines
    row = {name.split(". ", 1)[-1]: value for name, value in zip(header, lines[0], strict=True)}
    assert (row["trainee_email"], row["course_slug"], row["status"], row["progress_percent"]) == (
        trainee.email, SLUG, "completed", "100"), row

    instructor.go(f"/author/{SLUG}/dashboard")
    assert "Completed 1" in instructor.main()
    learners = instructor.page.locator("main table", has=instructor.page.locator("th:text-is('Progress')"))
    (only,) = learners.locator("tbody tr").all_inner_texts()
    assert folded(only).startswith(f"{trainee.name} GE-ACAD Completed 100%"), only
    coordinator.axe("drill-down")
    instructor.axe("dashboard")

    db.session.expire_all()
    lessons = db.session.scalar(select(func.count()).select_from(Lesson).where(Lesson.course_id == course.id))
    assert len(viewed(db, enrolment)) == len(set(viewed(db, enrolment))) == lessons == 9


def test_a_georgian_trainee_takes_the_course_in_georgian(chromium, live_server, app, db, people, tmp_path):
    course, trainee = people["course"], people["trainee"]
    found: list[str] = []  # axe's violations page by page, and any fault of the server
    opened: list[Person] = []
    try:
        me = GeorgianBrowser(chromium, live_server, found)
        opened.append(me)
        sign_in_in_georgian(me, trainee)
        enrolment = find_and_enrol(me, db, course, trainee)
        read_in_two_languages(me, db, enrolment)
        take_the_quiz(me, db)

        # The rest of the course through the pages without a browser (not the subject here): the other lessons
        # viewed, the other quizzes passed in the interface's language of that client (English).
        auth = Auth(app.test_client())
        auth.login(trainee.email)
        for lesson in db.session.scalars(select(Lesson.slug).where(Lesson.course_id == course.id)).all():
            assert auth.client.get(f"{COURSE}/lessons/{lesson}").status_code == 200
        for quiz in ("module-2-check", "module-3-check", "final"):
            assert "Passed." in take_quiz(auth, db, SLUG, quiz).get_data(as_text=True)
        (enrolment,) = fresh(db, Enrolment, Enrolment.id == enrolment.id)
        assert enrolment.status == "completed" and enrolment.content_language is None
        assert sorted(a.language or "en" for a in fresh(db, QuizAttempt, QuizAttempt.enrolment_id == enrolment.id)
                      ) == ["en", "en", "en", "ka"]

        download_the_certificate(me, db, enrolment, trainee, tmp_path)
        opened.append(Person(chromium, live_server, people["coordinator"].email, found))
        opened.append(Person(chromium, live_server, people["instructor"].email, found))
        one_progress_for_the_staff(opened[1], opened[2], db, course, enrolment, trainee)
        assert not found, "\n".join(found)
    finally:
        for person in opened:
            person.context.close()
