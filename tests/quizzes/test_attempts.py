"""The quiz engine through its pages: draw, saving, time limits, attempts, review, leaks, tampering."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.core import clock
from lms.quizzes.models import AttemptAnswer, Question, QuizAttempt
from tests.helpers import answers_for, start_attempt, take_quiz

pytestmark = pytest.mark.db


@pytest.fixture()
def trainee(client, auth, world, course):
    auth.login(world["trainee"].email)
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    return world["trainee"]


@pytest.fixture(autouse=True)
def _clock():
    yield
    clock.freeze(None)


def attempt_of(db, attempt_id) -> QuizAttempt:
    db.session.expire_all()
    return db.session.get(QuizAttempt, attempt_id)


def test_draw_is_stored_and_respects_the_bank_size(client, auth, trainee, db):
    attempt = attempt_of(db, start_attempt(auth, "sample", "final"))
    assert len(attempt.draw) == 2  # draw: 2 of a bank of 3
    assert {d["slug"] for d in attempt.draw} <= {"f-1", "f-2", "f-3"}
    assert attempt.deadline_at is None and attempt.number == 1


def test_order_kept_without_shuffle_and_one_question_per_page(client, auth, trainee, db):
    attempt_id = start_attempt(auth, "sample", "check")
    assert [d["slug"] for d in attempt_of(db, attempt_id).draw] == ["q-single", "q-multi", "q-tf", "q-short", "q-num"]
    page2 = client.get(f"/attempts/{attempt_id}?page=2").get_data(as_text=True)
    assert "Which ones?" in page2 and "Which one?" not in page2 and "Question 2" in page2


def test_answers_are_kept_when_the_trainee_comes_back(client, auth, trainee, db):
    attempt_id = start_attempt(auth, "sample", "check")
    draw = attempt_of(db, attempt_id).draw
    data = answers_for(draw)
    auth.post(f"/attempts/{attempt_id}", {"questions": ["q-short"], "a-q-short": data["a-q-short"], "page": 4,
                                          "action": "next"})
    auth.logout()  # the browser is closed; later the trainee signs in again
    auth.login(trainee.email)
    # Starting again continues the same attempt, with the answer in place.
    assert start_attempt(auth, "sample", "check") == attempt_id
    page = client.get(f"/attempts/{attempt_id}?page=4").get_data(as_text=True)
    assert 'value="INTER-AGENCY"' in page


def test_background_save_answers_json_without_leaking(client, auth, trainee, db):
    attempt_id = start_attempt(auth, "sample", "check")
    draw = attempt_of(db, attempt_id).draw
    response = auth.post(f"/attempts/{attempt_id}", {"questions": ["q-tf"], "a-q-tf": "true"},
                         headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.json["saved"] is True
    assert set(response.json) == {"saved", "saved_at"}
    answer = db.session.scalar(select(AttemptAnswer).where(AttemptAnswer.question_slug == "q-tf"))
    assert answer.response is True and answer.points is None  # graded only at submission
    assert draw


LEAK_MARKERS = ["EXPLAIN-7319", "ACCEPTED-ANSWER-5521", "4242.5", "correct", "Right answer", "explanation"]


def _leaky_quiz(db):
    """Give the sample quiz distinctive explanations, accepted answers and values to search for."""
    for question in db.session.scalars(select(Question)):
        question.explanation = f"EXPLAIN-7319 {question.slug}"
        if question.kind == "short_text":
            question.accepted_answers = ["ACCEPTED-ANSWER-5521"]
        if question.kind == "numeric":
            question.numeric_answer = 4242.5
    db.session.commit()


def test_nothing_reveals_answers_before_submission(client, auth, trainee, db):
    _leaky_quiz(db)
    pages = [client.get("/courses/sample/quizzes/check")]
    attempt_id = start_attempt(auth, "sample", "check")
    pages += [client.get(f"/attempts/{attempt_id}?page={n}") for n in range(1, 6)]
    draw = attempt_of(db, attempt_id).draw
    for n, item in enumerate(draw, start=1):
        fields = {"questions": [item["slug"]], "page": n}
        fields.update({k: v for k, v in answers_for(draw, right=False).items() if k == f"a-{item['slug']}"})
        pages.append(auth.post(f"/attempts/{attempt_id}", fields, headers={"Accept": "application/json"}))
        pages.append(auth.post(f"/attempts/{attempt_id}", {**fields, "action": "save"}, follow_redirects=True))
    pages.append(client.get(f"/attempts/{attempt_id}/submit"))
    for response in pages:
        body = response.get_data(as_text=True)
        for marker in LEAK_MARKERS:
            assert marker not in body, (marker, response.request.path)
        # Choices carry nothing but an id and a text: no attribute tells right from wrong.
        for tag in re.findall(r"<input[^>]*>", body):
            assert not re.search(r"data-|correct|right|answer=", tag.replace('name="a-', "")), tag


def test_review_shows_answers_and_explanations_after_submission(client, auth, trainee, db):
    review = take_quiz(auth, db, "sample", "check", right=False).get_data(as_text=True)
    assert "Not passed" in review
    # review: after_pass, and the trainee has not passed: answers stay hidden.
    assert "Because." not in review and "shown once you have passed" in review
    review = take_quiz(auth, db, "sample", "check", right=True).get_data(as_text=True)
    assert "You scored 6 of 6 points (100.0%)." in review and "Passed." in review
    assert "Because." in review and "Right answer:" in review and "60 ± 0.5" in review


def test_attempts_allowed_are_enforced(client, auth, trainee, db):
    take_quiz(auth, db, "sample", "check", right=False)
    take_quiz(auth, db, "sample", "check", right=False)
    response = auth.post("/courses/sample/quizzes/check/start", {}, form_page="/courses/sample/quizzes/check",
                         follow_redirects=True)
    assert "You have used all the attempts this quiz allows." in response.get_data(as_text=True)
    assert len(db.session.scalars(select(QuizAttempt)).all()) == 2


def test_best_attempt_counts(client, auth, trainee, db):
    take_quiz(auth, db, "sample", "final", right=True)
    take_quiz(auth, db, "sample", "final", right=False)
    page = client.get("/courses/sample/quizzes/final").get_data(as_text=True)
    assert "Best result: 100.0%" in page and "Passed" in page


def test_time_limit_is_enforced_by_the_server(client, auth, trainee, db):
    start = clock.now()
    clock.freeze(start)
    attempt_id = start_attempt(auth, "sample", "check")  # 10 minutes
    attempt = attempt_of(db, attempt_id)
    assert attempt.deadline_at == start + timedelta(minutes=10)
    draw = attempt.draw
    right = answers_for(draw)
    auth.post(f"/attempts/{attempt_id}", {"questions": ["q-tf"], "a-q-tf": right["a-q-tf"]})
    clock.freeze(start + timedelta(minutes=10, seconds=20))  # within the grace period: still counted
    auth.post(f"/attempts/{attempt_id}", {"questions": ["q-num"], "a-q-num": right["a-q-num"]})
    clock.freeze(start + timedelta(minutes=11))  # too late
    late = auth.post(f"/attempts/{attempt_id}", {"questions": ["q-short"], "a-q-short": right["a-q-short"]},
                     form_page="/courses/sample/quizzes/check", headers={"Accept": "application/json"})
    assert late.status_code == 409 and late.json["closed"] is True
    attempt = attempt_of(db, attempt_id)
    assert attempt.status == "expired" and attempt.submitted_at == start + timedelta(minutes=10)
    assert attempt.score == 2  # true/false + numeric, not the late short answer
    slugs = {a.question_slug: a for a in db.session.scalars(select(AttemptAnswer))}
    assert slugs["q-short"].response is None


def test_expired_attempt_is_closed_when_next_touched(client, auth, trainee, db):
    start = clock.now()
    clock.freeze(start)
    attempt_id = start_attempt(auth, "sample", "check")
    clock.freeze(start + timedelta(hours=1))
    page = client.get("/courses/sample/quizzes/check").get_data(as_text=True)
    assert "time ran out" in page
    assert attempt_of(db, attempt_id).status == "expired"


def test_close_expired_command(app, client, auth, trainee, db):
    start = clock.now()
    clock.freeze(start)
    attempt_id = start_attempt(auth, "sample", "check")
    clock.freeze(start + timedelta(minutes=5))
    assert "closed 0 expired" in app.test_cli_runner().invoke(args=["attempts", "close-expired"]).output
    clock.freeze(start + timedelta(minutes=11))
    assert "closed 1 expired" in app.test_cli_runner().invoke(args=["attempts", "close-expired"]).output
    assert attempt_of(db, attempt_id).status == "expired" and attempt_of(db, attempt_id).passed is False


def test_submitting_twice_gives_one_graded_attempt(client, auth, trainee, db):
    attempt_id = start_attempt(auth, "sample", "final")
    draw = attempt_of(db, attempt_id).draw
    auth.post(f"/attempts/{attempt_id}", {**answers_for(draw), "action": "save"})
    page = client.get(f"/attempts/{attempt_id}/submit").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    first = client.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": token})
    second = client.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": token})
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"] == f"/attempts/{attempt_id}/review"
    attempt = attempt_of(db, attempt_id)
    assert attempt.status == "submitted" and attempt.passed is True
    assert len(db.session.scalars(select(QuizAttempt)).all()) == 1
    # answering after submission changes nothing, and says so
    late = auth.post(f"/attempts/{attempt_id}", {**answers_for(draw, right=False)}, form_page="/courses/sample",
                     follow_redirects=True)
    assert "answers sent after that were not saved" in late.get_data(as_text=True)
    assert attempt_of(db, attempt_id).score == attempt.score


def test_a_submission_whose_response_was_lost_shows_the_result_when_sent_again(client, auth, trainee, db,
                                                                               monkeypatch):
    """The submission was graded and committed, but its response never reached the trainee (here the request
    fails right after the commit). Sending the form again, or reloading the attempt, shows the graded result
    with its score: no "already submitted", no error."""
    from lms.quizzes import services

    attempt_id = start_attempt(auth, "sample", "final")
    auth.post(f"/attempts/{attempt_id}", {**answers_for(attempt_of(db, attempt_id).draw), "action": "save"})
    page = client.get(f"/attempts/{attempt_id}/submit").get_data(as_text=True)
    form = {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)}

    def lost(*_args, **_kwargs):
        raise ConnectionResetError("the response never left")

    monkeypatch.setattr(services.log, "info", lost)  # logged after the commit: the grading is stored
    assert client.post(f"/attempts/{attempt_id}/submit", data=form).status_code == 500
    monkeypatch.undo()
    attempt = attempt_of(db, attempt_id)
    assert attempt.status == "submitted" and attempt.passed is True
    score = f"You scored {float(attempt.score):g} of {float(attempt.max_score):g} points"  # no trailing zeros

    again = client.post(f"/attempts/{attempt_id}/submit", data=form, follow_redirects=True)
    reloaded = client.get(f"/attempts/{attempt_id}", follow_redirects=True)
    for answer in (again, reloaded):
        body = answer.get_data(as_text=True)
        assert answer.status_code == 200 and answer.request.path == f"/attempts/{attempt_id}/review"
        assert score in body and "Passed." in body
        assert 'class="flash' not in body and "already" not in body and "Try again" not in body
    assert attempt_of(db, attempt_id).score == attempt.score


def test_concurrent_submissions_give_one_result(app, client, auth, trainee, db):
    """Two tabs submitting at the same moment: one grading, the others refused as already submitted."""
    import threading

    from lms.quizzes import services

    attempt_id = start_attempt(auth, "sample", "final")
    outcomes, barrier = [], threading.Barrier(8)

    def submit():
        with app.app_context():
            attempt = services.db.session.get(QuizAttempt, attempt_id)
            barrier.wait()
            try:
                services.submit_attempt(attempt)
                outcomes.append("graded")
            except services.AttemptError as exc:
                outcomes.append(exc.code)
            finally:
                services.db.session.remove()

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["already_submitted"] * 7 + ["graded"]
    graded = db.session.scalars(select(AttemptAnswer).where(AttemptAnswer.points.is_not(None))).all()
    assert len(graded) == 2  # each drawn question graded once


def test_tampered_answers_are_refused_and_change_nothing(client, auth, trainee, db, world):
    attempt_id = start_attempt(auth, "sample", "check")
    draw = {d["slug"]: d for d in attempt_of(db, attempt_id).draw}
    other_choice = draw["q-multi"]["choices"][0]["id"]
    cases = [
        {"questions": ["q-single"], "a-q-single": str(other_choice)},            # a choice of another question
        {"questions": ["q-single"], "a-q-single": [str(c["id"]) for c in draw["q-single"]["choices"]]},  # two
        {"questions": ["not-drawn"], "a-not-drawn": "x"},                        # a question not in the attempt
        {"questions": ["q-tf"], "a-q-tf": "maybe"},
    ]
    for data in cases:
        response = auth.post(f"/attempts/{attempt_id}", data)
        assert response.status_code == 400, data
        assert "do not belong to this attempt" in response.get_data(as_text=True)
    assert db.session.scalars(select(AttemptAnswer)).all() == []
    # Another trainee's attempt does not exist for you.
    auth.logout()
    auth.login(world["other_trainee"].email)
    assert client.get(f"/attempts/{attempt_id}").status_code == 404
    assert auth.post(f"/attempts/{attempt_id}", {"questions": ["q-tf"], "a-q-tf": "true"},
                     form_page="/courses/sample").status_code == 404


def test_quiz_needs_enrolment(client, auth, world, course):
    auth.login(world["trainee"].email)
    assert client.get("/courses/sample/quizzes/check").status_code == 302
    response = auth.post("/courses/sample/quizzes/check/start", {}, form_page="/courses/sample")
    assert response.status_code == 403


def test_numeric_and_text_inputs_keep_what_was_typed(client, auth, trainee, db):
    attempt_id = start_attempt(auth, "sample", "check")
    auth.post(f"/attempts/{attempt_id}", {"questions": ["q-num"], "a-q-num": "sixty-ish", "page": 5})
    # Kept verbatim and shown again; it grades as wrong, never as an error.
    assert 'value="sixty-ish"' in client.get(f"/attempts/{attempt_id}?page=5").get_data(as_text=True)


def test_a_submission_notes_activity_on_the_enrolment_passed_or_not(client, auth, trainee, db):
    from datetime import UTC, datetime

    from lms.learning.models import Enrolment

    def enrolment():
        db.session.expire_all()
        return db.session.scalar(select(Enrolment).where(Enrolment.user_id == trainee.id))

    assert enrolment().started_at is None and enrolment().last_activity_at is None
    first = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    clock.freeze(first)
    take_quiz(auth, db, "sample", "check", right=False)  # not passed
    assert (enrolment().started_at, enrolment().last_activity_at) == (first, first)
    later = first + timedelta(hours=2)
    clock.freeze(later)
    take_quiz(auth, db, "sample", "check", right=True)  # passed
    assert (enrolment().started_at, enrolment().last_activity_at) == (first, later)  # the start stays
