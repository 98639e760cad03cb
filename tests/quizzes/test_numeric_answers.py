"""Numeric answers through the pages: the question says how to write a number, a number that can be read
two ways is refused with a message saying how to write it (the answer saved before stays, what was typed
stays in the field), and is never scored, even when one was saved before the check existed."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.core import clock
from lms.quizzes import services
from lms.quizzes.models import AttemptAnswer, Quiz, QuizAttempt
from tests.helpers import start_attempt

pytestmark = pytest.mark.db

HINT = "A number, such as 12.5 or 45 000. Use a comma or a point only before decimals."
REFUSED = ("“60,000” was not saved: it can mean 60000 or 60. Write 60000 or 60 000 for the whole number, "
           "or 60 for the decimal one.")


@pytest.fixture()
def trainee(client, auth, world, course):
    auth.login(world["trainee"].email)
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    return world["trainee"]


@pytest.fixture(autouse=True)
def _clock():
    yield
    clock.freeze(None)


def saved(db, slug: str):
    db.session.expire_all()
    answer = db.session.scalar(select(AttemptAnswer).where(AttemptAnswer.question_slug == slug))
    return answer.response if answer else None


def test_the_question_says_how_to_write_a_number(client, auth, trainee, db):
    attempt_id = start_attempt(auth, "sample", "check")
    page = client.get(f"/attempts/{attempt_id}?page=5").get_data(as_text=True)  # q-num, one question a page
    assert HINT in page
    assert 'aria-describedby="h-q-num m-q-num"' in page and 'id="h-q-num"' in page


@pytest.mark.parametrize("action", ["save", "next", "finish"])
def test_an_ambiguous_number_is_refused_and_what_was_saved_stays(client, auth, trainee, db, action):
    attempt_id = start_attempt(auth, "sample", "check")
    first = auth.post(f"/attempts/{attempt_id}", {"questions": ["q-num"], "a-q-num": "60", "page": 5,
                                                  "action": "save"})
    assert first.status_code == 302 and saved(db, "q-num") == "60"
    # The page posts every question on it: the true/false answer is saved, the number is refused.
    response = auth.post(f"/attempts/{attempt_id}", {"questions": ["q-tf", "q-num"], "a-q-tf": "true",
                                                     "a-q-num": "60,000", "page": 5, "action": action})
    page = response.get_data(as_text=True)
    assert response.status_code == 400  # the same page again, not the next one nor the confirmation
    assert "1 answer was not saved: see the message under it." in page
    assert REFUSED in page
    assert 'value="60,000"' in page and 'aria-invalid="true"' in page  # what was typed is kept
    assert saved(db, "q-num") == "60" and saved(db, "q-tf") is True
    assert "Question 5" in page
    # Written as the message says, it is saved.
    auth.post(f"/attempts/{attempt_id}", {"questions": ["q-num"], "a-q-num": "60 000", "page": 5, "action": "save"})
    assert saved(db, "q-num") == "60 000"


def test_background_save_refuses_an_ambiguous_number_in_json(client, auth, trainee, db):
    attempt_id = start_attempt(auth, "sample", "check")
    response = auth.post(f"/attempts/{attempt_id}", {"questions": ["q-num"], "a-q-num": "60,000"},
                         headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.json == {"saved": False, "closed": False, "notes": {}, "refused": {"q-num": REFUSED},
                             "message": "1 answer was not saved: see the message under it."}
    assert saved(db, "q-num") is None
    ok = auth.post(f"/attempts/{attempt_id}", {"questions": ["q-num"], "a-q-num": "€60 000"},
                   headers={"Accept": "application/json"})
    assert ok.status_code == 200 and set(ok.json) == {"saved", "saved_at"} and saved(db, "q-num") == "€60 000"


def test_an_answer_that_is_not_a_number_is_kept_and_the_page_says_so(client, auth, trainee, db):
    attempt_id = start_attempt(auth, "sample", "check")
    note = "This answer is not read as a number, so it would score 0. Write only the number, such as 12.5."
    response = auth.post(f"/attempts/{attempt_id}", {"questions": ["q-num"], "a-q-num": "sixty"},
                         headers={"Accept": "application/json"})
    assert response.json["saved"] is True and response.json["notes"] == {"q-num": note}
    assert saved(db, "q-num") == "sixty"
    page = client.get(f"/attempts/{attempt_id}?page=5").get_data(as_text=True)
    assert note in page and 'value="sixty"' in page


def test_every_writer_of_answers_refuses_an_ambiguous_number(client, auth, trainee, db):
    attempt_id = start_attempt(auth, "sample", "check")
    attempt = db.session.get(QuizAttempt, attempt_id)
    with pytest.raises(services.AnswersRefused) as refused:
        services.parse_responses(attempt, {"q-num": ["1.500"], "q-tf": ["false"]}, ["q-num", "q-tf"])
    assert refused.value.refused == {"q-num": "1.500"} and refused.value.responses == {"q-tf": False}
    with pytest.raises(services.AnswersRefused):
        services.save_answers(attempt, {"q-num": "1.500", "q-tf": False})
    with pytest.raises(services.AnswersRefused):
        services.submit_attempt(attempt, {"q-num": "1.500"})
    db.session.expire_all()
    assert db.session.scalars(select(AttemptAnswer)).all() == []
    assert db.session.get(QuizAttempt, attempt_id).status == "in_progress"


@pytest.mark.parametrize("review", ["after_pass", "after_submit"])
def test_an_ambiguous_answer_saved_earlier_scores_nothing_at_the_deadline_and_review_says_why(
        client, auth, trainee, db, review):
    db.session.scalar(select(Quiz).where(Quiz.slug == "check")).review = review
    db.session.commit()
    start = clock.now()
    clock.freeze(start)
    attempt_id = start_attempt(auth, "sample", "check")  # 10 minutes
    # An answer saved before numbers were checked (the check refuses it now); 60 is the right answer.
    db.session.add(AttemptAnswer(attempt_id=attempt_id, question_slug="q-num", response="60,000", saved_at=start))
    db.session.commit()
    clock.freeze(start + timedelta(minutes=11))
    page = client.get(f"/attempts/{attempt_id}/review", follow_redirects=True).get_data(as_text=True)
    db.session.expire_all()
    attempt = db.session.get(QuizAttempt, attempt_id)
    answer = db.session.scalar(select(AttemptAnswer).where(AttemptAnswer.question_slug == "q-num"))
    assert attempt.status == "expired" and attempt.score == 0
    assert answer.points == 0 and answer.correct is False and answer.response == "60,000"
    assert "Not counted: “60,000” can mean 60000 or 60." in page
    if review == "after_pass":  # right answers hidden: the note still names the question
        assert "Question 5: Not counted" in page and "60 ± 0.5" not in page
    # Regrading goes through the same grader: still nothing.
    services.grade(attempt)
    db.session.commit()
    db.session.expire_all()
    assert db.session.scalar(select(AttemptAnswer).where(AttemptAnswer.question_slug == "q-num")).points == 0
