"""Availability through the pages, as a trainee meets it: the outline says what is locked and why, a locked
lesson shows the lock instead of its text and counts as nothing, and a locked final assessment is refused
even when its start is posted directly."""
from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from html import unescape

import pytest

from lms.availability.rules import Needs, Rules
from lms.availability.services import set_rules
from lms.learning.models import LessonProgress
from lms.quizzes.models import QuizAttempt
from lms.runs.services import RunFields, create_run, enrol_in_run
from tests.helpers import csrf_token, make_course, take_quiz

pytestmark = pytest.mark.db


def _enrol(auth, client, world):
    auth.login(world["trainee"].email)
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")


def test_a_locked_final_is_refused_by_a_direct_post(client, auth, world, course, items, db):
    set_rules(course, "quiz", items["final"], Rules(items=(Needs("quiz", items["check"].id, 60),)), world["admin"])
    _enrol(auth, client, world)
    page = client.get("/courses/sample/quizzes/final").get_data(as_text=True)
    assert "Locked" in page and "After you pass “Check” with 60%." in page and "Start an attempt" not in page
    token = csrf_token(client.get("/courses/sample/quizzes/check").get_data(as_text=True))
    refused = client.post("/courses/sample/quizzes/final/start", data={"csrf_token": token})
    assert refused.status_code == 403
    assert "After you pass “Check” with 60%." in refused.get_data(as_text=True)
    assert db.session.query(QuizAttempt).filter_by(quiz_id=items["final"].id).count() == 0
    take_quiz(auth, db, "sample", "check")
    assert "Start an attempt" in client.get("/courses/sample/quizzes/final").get_data(as_text=True)
    assert client.post("/courses/sample/quizzes/final/start", data={"csrf_token": token}).status_code == 302


def test_the_outline_and_a_locked_lesson_show_why_and_record_nothing(client, auth, world, course, items, db,
                                                                      frozen):
    set_rules(course, "lesson", items["second"], Rules(opens_on=date(2027, 3, 3)), world["admin"])
    _enrol(auth, client, world)
    outline = client.get("/courses/sample").get_data(as_text=True)
    assert outline.count("Locked") == 1 and "Opens on March 3, 2027." in outline
    lesson = client.get("/courses/sample/lessons/second").get_data(as_text=True)
    assert "Opens on March 3, 2027." in lesson and "More text." not in lesson
    assert db.session.query(LessonProgress).filter_by(lesson_id=items["second"].id).count() == 0
    frozen(datetime(2027, 3, 2, 22, 0, tzinfo=UTC))  # midnight in Kyiv: 3 March there
    auth.login(world["trainee"].email)  # a day and a half later: signed in again
    assert "More text." in client.get("/courses/sample/lessons/second").get_data(as_text=True)
    assert db.session.query(LessonProgress).filter_by(lesson_id=items["second"].id).count() == 1


def test_the_lock_is_translated(client, auth, world, course, items, db, frozen):
    set_rules(course, "lesson", items["second"], Rules(opens_on=date(2027, 3, 3)), world["admin"])
    _enrol(auth, client, world)
    auth.post("/language", {"locale": "uk", "next": "/courses/sample"}, form_page="/courses/sample")
    page = client.get("/courses/sample").get_data(as_text=True).replace("\u202f", " ")  # Babel's narrow space
    assert "Відкриється 3 березня 2027 р.<" in page and "Заблоковано" in page


def test_a_run_that_has_not_started_and_one_that_has_ended(client, auth, world, course, items, db, frozen):
    run = create_run(course, RunFields("r1", "March", date(2027, 3, 10), date(2027, 3, 31)), world["admin"])
    enrol_in_run(world["trainee"], run, actor=world["admin"], source="admin")
    auth.login(world["trainee"].email)
    page = client.get("/courses/sample").get_data(as_text=True)
    assert page.count("Opens on March 10, 2027.") == 4
    frozen(datetime(2027, 4, 2, 10, 0, tzinfo=UTC))
    auth.login(world["trainee"].email)
    page = client.get("/courses/sample").get_data(as_text=True)
    assert "Locked" not in page and "ask your coordinator or trainer for an extension" in page
    assert "Why" in client.get("/courses/sample/lessons/intro").get_data(as_text=True)
    quiz = client.get("/courses/sample/quizzes/check").get_data(as_text=True)
    assert "Start an attempt" not in quiz and "The run has ended" in quiz
    refused = client.post("/courses/sample/quizzes/check/start", data={"csrf_token": csrf_token(quiz)})
    assert refused.status_code == 403 and "extension" in refused.get_data(as_text=True)


def test_a_completion_recorded_from_a_csv_opens_an_item_waiting_for_that_course(client, auth, world, course, items,
                                                                                 db):
    """The final waits for the course "border-basics", done on paper; the coordinator imports the completion from
    a CSV (dry run, then confirm) and the final opens for the officer, a direct start included."""
    make_course("border-basics", "Border basics")
    set_rules(course, "quiz", items["final"], Rules(courses=("border-basics",)), world["admin"])
    _enrol(auth, client, world)
    assert "Start an attempt" not in client.get("/courses/sample/quizzes/final").get_data(as_text=True)
    token = csrf_token(client.get("/courses/sample/quizzes/check").get_data(as_text=True))
    assert client.post("/courses/sample/quizzes/final/start", data={"csrf_token": token}).status_code == 403
    auth.logout()

    auth.login(world["coordinator"].email)
    csv = "email,course,completed_on,hours,reason\ntrainee@example.org,border-basics,2025-11-14,8,Paper register\n"
    preview = auth.post("/completions/import", {"file": (io.BytesIO(csv.encode()), "completions.csv")},
                        form_page="/completions/import", content_type="multipart/form-data").get_data(as_text=True)
    hidden = {k: unescape(v) for k, v in re.findall(r'<input id="(\w+)" name="\w+" type="hidden" value="([^"]*)"',
                                                    preview)}
    assert client.post("/completions/import/confirm", data=hidden).status_code == 200
    auth.logout()

    auth.login(world["trainee"].email)
    assert "Start an attempt" in client.get("/courses/sample/quizzes/final").get_data(as_text=True)
    token = csrf_token(client.get("/courses/sample/quizzes/check").get_data(as_text=True))
    assert client.post("/courses/sample/quizzes/final/start", data={"csrf_token": token}).status_code == 302
    assert db.session.query(QuizAttempt).filter_by(quiz_id=items["final"].id).count() == 1
