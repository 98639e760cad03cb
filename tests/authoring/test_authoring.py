"""Instructor authoring through the pages: staff rights, building and publishing a course, the
question bank, GIFT import, packages, edits after attempts, regrading, item analysis."""
from __future__ import annotations

import html
import io
import re
import zipfile
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from lms.catalog.models import Course, CourseStaff, Lesson
from lms.audit.models import AuditEvent
from lms.learning.models import Certificate, Enrolment, LessonProgress
from lms.quizzes.models import Question, QuizAttempt
from tests.helpers import make_staff, make_user, take_quiz

pytestmark = pytest.mark.db


@pytest.fixture()
def owner(world, course):
    make_staff(course, world["instructor"], "owner")
    return world["instructor"]


@pytest.fixture()
def outsider(db):
    return make_user("other-instructor@example.org", "Olga Outsider", "instructor")


def authoring_urls(app, course, db) -> list[tuple[str, str]]:
    """Every /author route of the course, with real objects filled in, and its methods."""
    values = {"slug": course.slug, "module": "basics", "lesson": "intro", "quiz": "check", "question": "q-single",
              "kind": "lessons", "item": "intro", "language": "uk", "item_id": "1"}
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("authoring.") and "slug" in rule.arguments:
            path = rule.rule
            for name in rule.arguments:
                path = re.sub(rf"<(?:[^:<>]+:)?{name}>", values[name], path)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                urls.append((method, path))
    return urls


def test_an_instructor_of_another_course_gets_403_everywhere(app, client, auth, owner, outsider, course, db):
    urls = authoring_urls(app, course, db)
    assert len(urls) >= 25
    auth.login(outsider.email)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/author/").get_data(as_text=True)).group(1)
    for method, url in urls:
        response = client.open(url, method=method, data={"csrf_token": token} if method == "POST" else None)
        assert response.status_code == 403, (method, url, response.status_code)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action.like("course.%"), AuditEvent.actor_id == outsider.id)) == 0


def test_trainee_cannot_author(client, auth, world, course):
    auth.login(world["trainee"].email)
    assert client.get("/author/").status_code == 403
    assert client.get("/author/new").status_code == 403
    assert client.get("/author/sample/").status_code == 403


def test_instructor_builds_publishes_and_a_trainee_takes_the_course(app, client, auth, world, db, tmp_path):
    auth.login(world["instructor"].email)
    response = auth.post("/author/new", {"title": "Risk analysis basics", "summary": "CIRAM for officers.",
                                         "language": "en", "outcomes": "Explain CIRAM.", "estimated_hours": "2"})
    assert response.headers["Location"] == "/author/risk-analysis-basics/"
    base = "/author/risk-analysis-basics"
    auth.post(f"{base}/", {"title": "Risk analysis basics", "summary": "CIRAM for officers.", "language": "en",
                           "topics": "risk, analysis", "outcomes": "Explain CIRAM.\nScore a risk.",
                           "estimated_hours": "2.5", "version": "1", "self_enrolment": "y",
                           "certificate_validity_months": "", "completion_lessons": "all",
                           "completion_quizzes": "all"})
    auth.post(f"{base}/modules", {"module-title": "Threat and vulnerability"}, form_page=f"{base}/")
    auth.post(f"{base}/modules", {"module-title": "Final assessment"}, form_page=f"{base}/")
    lesson = {"title": "What CIRAM measures", "minutes": "8",
              "body": "## Risk\n\nRisk is a function of **threat**, vulnerability and impact.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"}
    preview = auth.post(f"{base}/modules/threat-and-vulnerability/lessons/new", {**lesson, "action": "preview"})
    assert "<strong>threat</strong>" in preview.get_data(as_text=True) and "<table>" in preview.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Lesson)) == 0  # a preview saves nothing
    auth.post(f"{base}/modules/threat-and-vulnerability/lessons/new", {**lesson, "action": "save"})
    quiz = {"title": "Check CIRAM", "pass_mark": "50", "attempts_allowed": "0", "time_limit_minutes": "",
            "draw_count": "", "shuffle_questions": "y", "layout": "all", "review": "after_submit"}
    auth.post(f"{base}/modules/threat-and-vulnerability/quizzes/new", quiz)
    questions = [
        ("single_choice", {"text": "Risk is a function of?", "choice-1": "Threat, vulnerability, impact",
                           "correct-1": "y", "choice-2": "Budget"}),
        ("multiple_choice", {"text": "Which are CIRAM terms?", "choice-1": "Threat", "correct-1": "y",
                             "choice-2": "Impact", "correct-2": "y", "choice-3": "Salary"}),
        ("true_false", {"text": "CIRAM is maintained by Frontex.", "true_false_answer": "true"}),
        ("short_text", {"text": "Name the agency.", "accepted": "Frontex\nEBCGA"}),
        ("numeric", {"text": "Likelihood 3 x impact 5?", "numeric_answer": "15", "tolerance": "0"}),
    ]
    for kind, data in questions:
        response = auth.post(f"{base}/quizzes/check-ciram/questions/new?kind={kind}",
                             {**data, "kind": kind, "points": "1", "explanation": f"Because of {kind}."})
        assert response.status_code == 302, response.get_data(as_text=True)[-800:]
    final = {**quiz, "title": "Final", "is_final": "y", "draw_count": "1"}
    auth.post(f"{base}/modules/final-assessment/quizzes/new", final)
    for n in (1, 2):
        auth.post(f"{base}/quizzes/final/questions/new?kind=true_false",
                  {"text": f"Statement {n}", "true_false_answer": "true", "points": "1", "explanation": "Yes.",
                   "kind": "true_false"})
    assert auth.post(f"{base}/publish", {}, form_page=f"{base}/").status_code == 302
    course = db.session.scalar(select(Course).where(Course.slug == "risk-analysis-basics"))
    assert course.status == "published" and course.topic_names == ["analysis", "risk"]
    assert db.session.scalar(select(CourseStaff.role)) == "owner"
    # The package downloads and imports into a fresh installation as the same course.
    package = client.get(f"{base}/package.zip")
    assert package.status_code == 200 and package.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(package.data)).namelist()
    assert "risk-analysis-basics/course.yaml" in names
    assert "risk-analysis-basics/01-threat-and-vulnerability/02-check-ciram.quiz.yaml" in names
    auth.logout()
    # A trainee takes it.
    auth.login(world["trainee"].email)
    auth.post("/courses/risk-analysis-basics/enrol", {}, form_page="/courses/risk-analysis-basics")
    assert "function of" in client.get("/courses/risk-analysis-basics/lessons/what-ciram-measures").get_data(as_text=True)
    assert "Passed." in take_quiz(auth, db, "risk-analysis-basics", "check-ciram").get_data(as_text=True)
    assert "Passed." in take_quiz(auth, db, "risk-analysis-basics", "final").get_data(as_text=True)
    assert db.session.scalar(select(Enrolment.status)) == "completed"
    auth.logout()
    from lms.packages.archive import read_zip
    from lms.packages.exporter import export_course
    from lms.packages.reader import read_package

    spec, problems = read_zip(package.data)
    assert not problems and spec.slug == "risk-analysis-basics"
    exported = export_course(course, tmp_path / "now")
    assert read_package(exported)[0].modules == spec.modules


def test_publishing_refuses_with_the_check_report(client, auth, owner, course, db):
    course.status = "draft"
    db.session.scalar(select(Question).where(Question.slug == "q-tf")).explanation = ""
    db.session.commit()
    auth.login(owner.email)
    response = auth.post("/author/sample/publish", {}, form_page="/author/sample/")
    text = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400 and "cannot be published yet" in text
    # In the author's terms, linked to the field that fixes it; the package's paths are for `lms courses check`.
    assert ('<a href="/author/sample/questions/q-tf#explanation">Question “True?” in quiz “Check”</a> › '
            "Explanation shown in review: Required for publishing, and empty.") in text
    assert "quiz.yaml" not in text and "must be a non-empty text" not in text
    db.session.expire_all()
    assert db.session.scalar(select(Course.status)) == "draft"


def test_archive_leaves_catalogue_but_keeps_records(client, auth, owner, world, course, db):
    auth.login(world["trainee"].email)
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    auth.logout()
    auth.login(owner.email)
    auth.post("/author/sample/status", {"status": "archived"}, form_page="/author/sample/")
    auth.logout()
    assert "Sample course" not in client.get("/courses/").get_data(as_text=True)
    auth.login(world["trainee"].email)
    assert client.get("/courses/sample").status_code == 200  # its trainees keep access
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 1
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "course.archived")).actor_id == owner.id


def test_reorder_and_delete_keep_trainee_records(client, auth, owner, world, course, db):
    auth.login(world["trainee"].email)
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    client.get("/courses/sample/lessons/intro")
    auth.logout()
    auth.login(owner.email)
    auth.post("/author/sample/lessons/intro/move", {"direction": "down"}, form_page="/author/sample/")
    outline = client.get("/courses/sample").get_data(as_text=True)
    assert outline.index("Second lesson") < outline.index("Introduction")
    confirm = client.get("/author/sample/lessons/intro/delete")
    assert "What they already did with it" in confirm.get_data(as_text=True)
    auth.post("/author/sample/lessons/intro/delete", {})
    assert "Introduction" not in client.get("/courses/sample").get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(LessonProgress)) == 1
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "course.item_deleted")).details["slug"] == "intro"


def test_staff_management(client, auth, owner, outsider, course, db):
    auth.login(owner.email)
    auth.post("/author/sample/staff", {"user_id": outsider.id, "role": "instructor"})
    assert db.session.get(CourseStaff, (course.id, outsider.id)).role == "instructor"
    refused = auth.post("/author/sample/staff", {"remove": owner.id}, follow_redirects=True)
    assert "at least one owner" in refused.get_data(as_text=True)
    auth.logout()
    auth.login(outsider.email)
    assert client.get("/author/sample/").status_code == 200  # may edit now
    assert auth.post("/author/sample/staff", {"remove": owner.id}, form_page="/author/sample/").status_code == 403
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("course.staff%"))).all()
    assert actions == ["course.staff_added"]


GIFT = """// a comment
::Pillars::Customs and border guard working together is {=inter-agency ~intra-service ~international}

Frontex maintains CIRAM. {T}

What is 3 x 5? {#15:0}

::Essay:: Describe your crossing point. {}
"""


def test_gift_import_previews_then_saves_only_on_confirm(client, auth, owner, course, db):
    auth.login(owner.email)
    before = db.session.scalar(select(func.count()).select_from(Question))
    preview = auth.post("/author/sample/quizzes/check/gift", {"text": GIFT, "action": "preview"})
    text = preview.get_data(as_text=True)
    assert "3 questions will be imported." in text and "Line 8:" in text and "essay" in text.lower()
    assert db.session.scalar(select(func.count()).select_from(Question)) == before
    auth.post("/author/sample/quizzes/check/gift", {"text": GIFT, "action": "drafts"})  # GIFT without feedback
    kinds = db.session.scalars(select(Question.kind).where(Question.slug.not_like("q-%"), Question.slug.not_like("f-%"))).all()
    assert sorted(kinds) == ["numeric", "single_choice", "true_false"]


def _zip(files: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_bad_package_upload_changes_nothing(client, auth, owner, course, db):
    auth.login(owner.email)
    good = client.get("/author/sample/package.zip").data
    files = {n: zipfile.ZipFile(io.BytesIO(good)).read(n) for n in zipfile.ZipFile(io.BytesIO(good)).namelist()}
    broken = dict(files)
    broken["sample/01-basics/03-check.quiz.yaml"] = files["sample/01-basics/03-check.quiz.yaml"].replace(
        b"pass_mark: 60", b"pass_mark: 140").replace(b"Which one?", b"Changed?")
    cases = [
        (_zip(broken), "pass_mark"),
        (_zip({**files, "../evil.md": b"x"}), "outside the package"),
        (_zip({**files, "sample/run.sh": b"rm -rf /"}), "not allowed"),
        (b"not a zip", "not a zip file"),
    ]
    before = client.get("/author/sample/package.zip").data
    for data, reason in cases:
        response = client.post("/author/upload", data={
            "csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                                    client.get("/author/upload").get_data(as_text=True)).group(1),
            "file": (io.BytesIO(data), "sample.zip")}, content_type="multipart/form-data")
        assert response.status_code == 400 and reason in response.get_data(as_text=True), reason
    assert client.get("/author/sample/package.zip").data == before
    assert db.session.scalar(select(Question.text).where(Question.slug == "q-single")) == "Which one?"


def test_edit_after_attempts_keeps_graded_attempts_then_regrade(client, auth, owner, world, course, db):
    auth.login(world["trainee"].email)
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    take_quiz(auth, db, "sample", "final", right=True)
    attempt = db.session.scalar(select(QuizAttempt))
    draw, score = attempt.draw, attempt.score
    auth.logout()
    # The instructor "fixes" f-1 and f-2: the answer keys flip.
    auth.login(owner.email)
    for slug, fields in (("f-1", {"true_false_answer": "true"}), ("f-2", {"true_false_answer": "false"}),
                         ("f-3", {"numeric_answer": "99", "tolerance": "0"})):
        response = auth.post(f"/author/sample/questions/{slug}", {"text": f"Edited {slug}", "points": "1",
                                                                   "explanation": "Fixed.", **fields})
        assert response.status_code == 302
    db.session.expire_all()
    attempt = db.session.get(QuizAttempt, attempt.id)
    assert attempt.draw == draw and attempt.score == score and attempt.passed is True
    drawn = {d["slug"] for d in draw}
    for slug in drawn:
        confirm = client.get(f"/author/sample/questions/{slug}/regrade").get_data(as_text=True)
        assert "1 graded attempt used this question." in confirm
        auth.post(f"/author/sample/questions/{slug}/regrade", {})
    db.session.expire_all()
    attempt = db.session.get(QuizAttempt, attempt.id)
    assert attempt.score == Decimal("0") and attempt.passed is False
    assert [d["text"] for d in attempt.draw] == [d["text"] for d in draw]  # the text the trainee saw stays
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "attempt.regraded")).all()
    assert events and events[-1].details["after"]["passed"] is False and events[0].details["before"]["passed"] is True


def test_regrade_never_revokes_a_certificate(client, auth, owner, world, course, db):
    course.completion_lessons = "none"
    course.completion_quizzes = "final"
    db.session.commit()
    auth.login(world["trainee"].email)
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    take_quiz(auth, db, "sample", "final", right=True)
    assert db.session.scalar(select(Enrolment.status)) == "completed"
    auth.logout()
    auth.login(owner.email)
    for slug in ("f-1", "f-2", "f-3"):
        question = db.session.scalar(select(Question).where(Question.slug == slug))
        if question.kind == "true_false":
            question.true_false_answer = not question.true_false_answer
        else:
            question.numeric_answer = 99
        db.session.commit()
        auth.post(f"/author/sample/questions/{slug}/regrade", {}, form_page=f"/author/sample/questions/{slug}/regrade")
    db.session.expire_all()
    assert db.session.scalar(select(QuizAttempt.passed)) is False
    assert db.session.scalar(select(Enrolment.status)) == "completed"
    code = db.session.scalar(select(Certificate.code))
    assert "This certificate is valid." in client.get(f"/verify/{code}").get_data(as_text=True)


def test_item_analysis_on_a_known_data_set(client, auth, owner, course, db):
    """Four attempts at the quiz with known answers to the single-choice question."""
    from lms.learning.models import Enrolment as E
    from lms.quizzes.models import AttemptAnswer, Quiz

    quiz = db.session.scalar(select(Quiz).where(Quiz.slug == "check"))
    question = db.session.scalar(select(Question).where(Question.slug == "q-single"))
    right, wrong = [c.id for c in question.choices if c.correct][0], [c.id for c in question.choices if not c.correct][0]
    from tests.helpers import make_institution

    inst = make_institution("X-1", "X", "UA")
    # percent, response, correct: the two best attempts got it right, the two worst wrong.
    data = [(95, [right], True), (80, [right], True), (40, [wrong], False), (20, None, False)]
    for i, (percent, response, correct) in enumerate(data):
        user = make_user(f"t{i}@example.org", f"T{i}", "trainee", inst)
        enrolment = E(user_id=user.id, course_id=course.id)
        db.session.add(enrolment)
        db.session.flush()
        attempt = QuizAttempt(quiz_id=quiz.id, enrolment_id=enrolment.id, user_id=user.id, number=1, status="submitted",
                              submitted_at=enrolment.enrolled_at, draw=[], percent=Decimal(percent), passed=percent >= 60)
        db.session.add(attempt)
        db.session.flush()
        db.session.add(AttemptAnswer(attempt_id=attempt.id, question_id=question.id, question_slug="q-single",
                                     response=response, correct=correct))
    db.session.commit()
    from lms.authoring.queries import item_analysis

    attempts, items = item_analysis(quiz)
    stats = next(s for s in items if s.question.slug == "q-single")
    assert attempts == 4 and stats.drawn == 4 and stats.answered == 3 and stats.correct == 2
    assert stats.percent_correct == 50.0
    assert stats.discrimination == 1.0  # top 27% (1 attempt) all right, bottom 27% (1 attempt) all wrong
    assert stats.choice_counts == {"This one": 2, "That one": 1}
    auth.login(owner.email)
    page = client.get("/author/sample/quizzes/check/analysis").get_data(as_text=True)
    assert "Based on 4 graded attempts." in page and "1.00" in page and "This one: 2" in page


def _upload(client, data: bytes):
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      client.get("/author/upload").get_data(as_text=True)).group(1)
    return client.post("/author/upload", data={"csrf_token": token, "file": (io.BytesIO(data), "package.zip")},
                       content_type="multipart/form-data")


def _renamed_package(client, slug: str) -> bytes:
    """The sample course's package under another slug: a new course when uploaded."""
    good = client.get("/author/sample/package.zip").data
    archive = zipfile.ZipFile(io.BytesIO(good))
    files = {name.replace("sample/", f"{slug}/", 1): archive.read(name) for name in archive.namelist()}
    files[f"{slug}/course.yaml"] = files[f"{slug}/course.yaml"].replace(b"slug: sample", f"slug: {slug}".encode())
    return _zip(files)


def test_uploading_a_new_course_makes_the_instructor_its_owner(client, auth, owner, course, db):
    auth.login(owner.email)
    response = _upload(client, _renamed_package(client, "uploaded-copy"))
    assert response.status_code == 302 and response.headers["Location"].endswith("/author/uploaded-copy/")
    created = db.session.scalar(select(Course).where(Course.slug == "uploaded-copy"))
    assert created.status == "draft"
    assert db.session.get(CourseStaff, (created.id, owner.id)).role == "owner"
    assert client.get("/author/uploaded-copy/").status_code == 200  # theirs to edit at once
    events = db.session.scalars(select(AuditEvent.action).where(AuditEvent.target_id == created.id,
                                                                AuditEvent.target_type == "courses")).all()
    assert events == ["course.staff_added", "course.imported"]


def test_an_upload_whose_owner_cannot_be_recorded_imports_nothing(client, auth, owner, course, db, monkeypatch):
    """The course and its owner are written in one transaction: no course is left without its owner."""
    import lms.catalog.services as catalog_services

    auth.login(owner.email)
    package = _renamed_package(client, "orphan-copy")

    def broken(**_columns):
        raise RuntimeError("the staff table went away")

    monkeypatch.setattr(catalog_services, "CourseStaff", broken)
    response = _upload(client, package)
    monkeypatch.undo()
    assert response.status_code == 500
    assert db.session.scalar(select(Course).where(Course.slug == "orphan-copy")) is None
    assert _upload(client, package).status_code == 302  # nothing half-done stands in the way
    created = db.session.scalar(select(Course).where(Course.slug == "orphan-copy"))
    assert db.session.get(CourseStaff, (created.id, owner.id)).role == "owner"
