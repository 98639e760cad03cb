"""Answers through an outage, on the server: numbered saves are idempotent (replays and reordering change
nothing), answers saved on the device before the deadline but received after it wait in the staff's queue and
count only once accepted (audited, regraded once), a quiz may accept them automatically, staff upload a
"Download my answers" file, queued work is never taken under another person's session, and the new personal
data joins the download, anonymisation and retention."""
from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.auth.models import User
from lms.core import clock
from lms.mail.models import Notification
from lms.quizzes.models import GRACE_SECONDS, AttemptAnswer, LateAnswers, Quiz, QuizAttempt
from tests.helpers import answers_for, csrf_token, make_staff, make_user, start_attempt

pytestmark = pytest.mark.db
JSON = {"Accept": "application/json"}


@pytest.fixture(autouse=True)
def _clock():
    yield
    clock.freeze(None)


@pytest.fixture()
def trainee(client, auth, world, course):
    auth.login(world["trainee"].email)
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    return world["trainee"]


@pytest.fixture()
def owner(world, course):
    make_staff(course, world["instructor"], "owner")
    return world["instructor"]


def attempt_of(db, attempt_id) -> QuizAttempt:
    db.session.expire_all()
    return db.session.get(QuizAttempt, attempt_id)


def stored(db, attempt_id) -> dict:
    db.session.expire_all()
    return {a.question_slug: (a.response, a.seq) for a in db.session.scalars(
        select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id))}


def one(draw, slug, right=True) -> dict:
    """The form fields answering one question of the draw (right or wrong)."""
    fields = answers_for(draw, right)
    return {"questions": [slug], f"a-{slug}": fields[f"a-{slug}"]}


def page_token(client, attempt_id) -> str:
    return csrf_token(client.get(f"/attempts/{attempt_id}").get_data(as_text=True))


def send(client, attempt_id, fields, seq=None, saved_at=None, token=None):
    """A background save as the attempt page's script sends it."""
    data = dict(fields, action="save")
    if seq is not None:
        data["seq"] = str(seq)
    if saved_at is not None:
        data["saved_at"] = saved_at.isoformat()
    data["csrf_token"] = token
    return client.post(f"/attempts/{attempt_id}", data=data, headers=JSON)


def timed_attempt(client, auth, db):
    """An attempt at the 10-minute check quiz started now (frozen); (id, draw, start, csrf token)."""
    start = clock.now().replace(microsecond=0)
    clock.freeze(start)
    attempt_id = start_attempt(auth, "sample", "check")
    return attempt_id, attempt_of(db, attempt_id).draw, start, page_token(client, attempt_id)


# --- numbered saves ----------------------------------------------------------------------------------------

def test_the_page_carries_the_attempts_token_and_last_sequence_number(client, auth, trainee, db):
    attempt_id, draw, _start, token = timed_attempt(client, auth, db)
    attempt = attempt_of(db, attempt_id)
    assert attempt.token and len(attempt.token) >= 20
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert f'data-attempt-token="{attempt.token}"' in page and 'data-attempt-seq="0"' in page
    numbered = send(client, attempt_id, one(draw, "q-tf"), seq=3, token=token)
    assert numbered.status_code == 200 and set(numbered.json) == {"saved", "saved_at", "seq"}
    assert numbered.json["seq"] == 3
    assert 'data-attempt-seq="3"' in client.get(f"/attempts/{attempt_id}").get_data(as_text=True)


def test_replaying_saves_twice_or_out_of_order_changes_nothing(client, auth, trainee, db):
    attempt_id, draw, start, token = timed_attempt(client, auth, db)
    right, wrong = one(draw, "q-tf"), one(draw, "q-tf", right=False)
    assert send(client, attempt_id, wrong, seq=1, token=token).json["seq"] == 1
    second = send(client, attempt_id, right, seq=2, token=token)
    assert second.status_code == 200 and second.json["seq"] == 2 and "duplicate" not in second.json
    after = stored(db, attempt_id)
    # The same save again, and the older one arriving late: nothing changes, and the reply says so.
    for seq, fields in ((2, right), (1, wrong), (2, right), (1, wrong)):
        replay = send(client, attempt_id, fields, seq=seq, token=token)
        assert replay.status_code == 200 and replay.json == {"saved": True, "seq": 2, "duplicate": True}
        assert stored(db, attempt_id) == after
    # One question per page: an older save of another question still lands (its answer had no higher number).
    assert send(client, attempt_id, one(draw, "q-num"), seq=4, token=token).json["seq"] == 4
    late_other = send(client, attempt_id, one(draw, "q-short"), seq=3, token=token)
    assert late_other.json["seq"] == 4 and "duplicate" not in late_other.json
    assert stored(db, attempt_id)["q-short"][1] == 3
    submitted = client.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": token})
    assert submitted.status_code == 302
    graded = attempt_of(db, attempt_id)
    score = graded.score
    assert score == 3  # true/false, numeric, short answer
    # Replays after the attempt is graded change neither the answers nor the grade.
    before = stored(db, attempt_id)
    for seq, fields in ((1, wrong), (2, right)):
        assert send(client, attempt_id, fields, seq=seq, token=token).status_code == 409
    assert stored(db, attempt_id) == before and attempt_of(db, attempt_id).score == score


def test_a_save_without_a_number_writes_as_before_and_keeps_the_answers_number(client, auth, trainee, db):
    attempt_id, draw, _start, token = timed_attempt(client, auth, db)
    send(client, attempt_id, one(draw, "q-tf"), seq=5, token=token)
    plain = send(client, attempt_id, one(draw, "q-tf", right=False), token=token)
    assert set(plain.json) == {"saved", "saved_at"}
    assert stored(db, attempt_id)["q-tf"] == (answers_for(draw, right=False)["a-q-tf"] == "true", 5)
    # A replay of an older numbered save does not undo what the form wrote.
    send(client, attempt_id, one(draw, "q-tf"), seq=4, token=token)
    assert stored(db, attempt_id)["q-tf"][1] == 5


def test_an_unreadable_number_or_time_saves_nothing(client, auth, trainee, db):
    attempt_id, draw, _start, token = timed_attempt(client, auth, db)
    for extra in ({"seq": "0"}, {"seq": "-1"}, {"seq": "x"}, {"seq": "99999999999"}, {"seq": "1", "saved_at": "noon"},
                  {"seq": "1", "saved_at": "2026-12-06T10:00:00"}):  # a time without its offset says nothing
        response = client.post(f"/attempts/{attempt_id}", data={**one(draw, "q-tf"), **extra, "csrf_token": token},
                               headers=JSON)
        assert response.status_code == 400 and response.json["saved"] is False, extra
    assert stored(db, attempt_id) == {}


# --- received late after an outage -------------------------------------------------------------------------

def outage(client, auth, db):
    """An attempt with one answer saved in time, then an outage past the deadline: the device's queued saves
    arrive a quarter of an hour later. Returns (attempt id, draw, deadline, csrf token)."""
    attempt_id, draw, start, token = timed_attempt(client, auth, db)
    assert send(client, attempt_id, one(draw, "q-tf"), seq=1, saved_at=start, token=token).status_code == 200
    deadline = start + timedelta(minutes=10)
    clock.freeze(deadline + timedelta(minutes=15))
    return attempt_id, draw, deadline, token


def test_answers_saved_before_the_deadline_and_received_after_it_wait_and_do_not_count(client, auth, trainee, db):
    attempt_id, draw, deadline, token = outage(client, auth, db)
    saved_on_device = deadline - timedelta(minutes=2)
    late = send(client, attempt_id, one(draw, "q-num"), seq=2, saved_at=saved_on_device, token=token)
    assert late.status_code == 202 and late.json["saved"] is False and late.json["late"] is True
    assert "staff" in late.json["message"]
    attempt = attempt_of(db, attempt_id)
    assert attempt.status == "expired" and attempt.score == 1  # the true/false answer only
    review = client.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    assert "They wait for the quiz's staff to decide: this result may change." in review
    assert stored(db, attempt_id)["q-num"] == (None, None)  # closed at the deadline without it
    item = db.session.scalar(select(LateAnswers))
    assert (item.status, item.source, item.seq, item.device_saved_at) == ("pending", "device", 2, saved_on_device)
    assert item.received_at == deadline + timedelta(minutes=15) and set(item.answers) == {"q-num"}
    # Sent again (the reply was lost) or with another question later: gathered per question, the highest wins.
    again = send(client, attempt_id, one(draw, "q-num"), seq=2, saved_at=saved_on_device, token=token)
    assert again.status_code == 202 and again.json["duplicate"] is True
    send(client, attempt_id, one(draw, "q-short"), seq=3, saved_at=deadline, token=token)
    send(client, attempt_id, one(draw, "q-num", right=False), seq=1, saved_at=saved_on_device, token=token)
    db.session.expire_all()
    items = db.session.scalars(select(LateAnswers)).all()
    assert len(items) == 1 and set(items[0].answers) == {"q-num", "q-short"} and items[0].seq == 3
    assert items[0].answers["q-num"]["seq"] == 2
    # Saved on the device after the deadline (and its grace): refused, as any answer after the deadline.
    after = send(client, attempt_id, one(draw, "q-single"), seq=4,
                 saved_at=deadline + timedelta(seconds=GRACE_SECONDS + 1), token=token)
    assert after.status_code == 409 and after.json["closed"] is True
    assert attempt_of(db, attempt_id).score == 1


def test_staff_accept_late_answers_the_grade_updates_once_and_it_is_audited(client, auth, trainee, owner, db):
    attempt_id, draw, deadline, token = outage(client, auth, db)
    right = answers_for(draw)
    send(client, attempt_id, {"questions": ["q-single", "q-short", "q-num"],
                              **{f"a-{slug}": right[f"a-{slug}"] for slug in ("q-single", "q-short", "q-num")}},
         seq=2, saved_at=deadline - timedelta(seconds=5), token=token)
    auth.logout()
    auth.login(owner.email)
    quiz_page = client.get("/author/sample/quizzes/check").get_data(as_text=True)
    assert "Received late after an outage" in quiz_page and "1 waits for a decision" in quiz_page
    queue = client.get("/author/sample/quizzes/check/late").get_data(as_text=True)
    assert "Taras Trainee" in queue and "The trainee's device" in queue
    assert "Question 5: 60,0 (counted now: no answer)" in re.sub(r"<[^>]+>", "", queue)
    assert "the trainee's claim" in queue and "cannot prove that the answers were not edited offline" in queue
    item = db.session.scalar(select(LateAnswers))
    decided = client.post(f"/author/sample/quizzes/check/late/{item.id}",
                          data={"action": "accept", "csrf_token": csrf_token(queue)})
    assert decided.status_code == 302
    attempt = attempt_of(db, attempt_id)
    assert attempt.score == 4 and attempt.percent == Decimal("66.67") and attempt.passed is True
    assert stored(db, attempt_id)["q-num"][1] == 2
    item = db.session.get(LateAnswers, item.id)
    assert (item.status, item.decided_by_id, item.automatic) == ("accepted", owner.id, False)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "late_answers.accepted"))
    assert event.actor_id == owner.id and event.target_type == "quiz_attempts" and event.target_id == attempt_id
    assert event.details["before"]["score"] == "1.00" and event.details["after"]["passed"] is True
    assert event.details["applied"] == 3
    # The trainee is told (an in-app notification of their results).
    assert db.session.scalar(select(Notification).where(Notification.key == f"late-answers:{item.id}")) is not None
    # Accepting again (another tab) changes nothing: one regrade.
    again = client.post(f"/author/sample/quizzes/check/late/{item.id}",
                        data={"action": "accept", "csrf_token": csrf_token(queue)}, follow_redirects=True)
    assert "decided on already" in again.get_data(as_text=True)
    assert attempt_of(db, attempt_id).score == 4
    assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "late_answers.accepted")).all()) == 1
    # The device sends the same save again after the decision: it was counted, nothing changes.
    auth.logout()
    auth.login(trainee.email)
    quiz_page = client.get("/courses/sample/quizzes/check").get_data(as_text=True)
    assert "Best result: 66.7%" in quiz_page and "Passed" in quiz_page  # the trainee's results follow the regrade
    token = csrf_token(quiz_page)
    replay = send(client, attempt_id, one(draw, "q-num"), seq=2, saved_at=deadline, token=token)
    assert replay.status_code == 200 and replay.json["duplicate"] is True
    assert attempt_of(db, attempt_id).score == 4


def test_staff_reject_late_answers_and_the_attempt_keeps_its_result(client, auth, trainee, owner, db):
    attempt_id, draw, deadline, token = outage(client, auth, db)
    send(client, attempt_id, one(draw, "q-num"), seq=2, saved_at=deadline, token=token)
    auth.logout()
    auth.login(owner.email)
    queue = client.get("/author/sample/quizzes/check/late").get_data(as_text=True)
    item = db.session.scalar(select(LateAnswers))
    client.post(f"/author/sample/quizzes/check/late/{item.id}", data={"action": "reject", "csrf_token": csrf_token(queue)})
    db.session.expire_all()
    assert db.session.get(LateAnswers, item.id).status == "rejected"
    assert attempt_of(db, attempt_id).score == 1 and stored(db, attempt_id)["q-num"] == (None, None)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "late_answers.rejected"))
    assert event.actor_id == owner.id and event.target_id == attempt_id
    page = client.get("/author/sample/quizzes/check/late").get_data(as_text=True)
    assert "Nothing waits for a decision." in page and "Rejected" in page
    # The same save replayed after the rejection does not come back to the queue.
    auth.logout()
    auth.login(trainee.email)
    token = csrf_token(client.get("/courses/sample/quizzes/check").get_data(as_text=True))
    assert send(client, attempt_id, one(draw, "q-num"), seq=2, saved_at=deadline, token=token).json["duplicate"]
    assert db.session.scalar(select(LateAnswers).where(LateAnswers.status == "pending")) is None


def test_a_practice_quiz_accepts_late_answers_automatically(client, auth, trainee, owner, db):
    quiz = db.session.scalar(select(Quiz).where(Quiz.slug == "check"))
    quiz.accept_late_answers = True
    db.session.commit()
    attempt_id, draw, deadline, token = outage(client, auth, db)
    late = send(client, attempt_id, one(draw, "q-num"), seq=2, saved_at=deadline, token=token)
    assert late.status_code == 200 and late.json["saved"] is True and late.json["accepted"] is True
    assert attempt_of(db, attempt_id).score == 2
    item = db.session.scalar(select(LateAnswers))
    assert (item.status, item.automatic, item.decided_by_id) == ("accepted", True, None)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "late_answers.accepted"))
    assert event.actor_id is None and event.details["automatic"] is True
    assert send(client, attempt_id, one(draw, "q-num"), seq=2, saved_at=deadline, token=token).json["duplicate"]
    assert attempt_of(db, attempt_id).score == 2


def test_the_final_assessment_never_accepts_late_answers_automatically(client, auth, trainee, owner, db):
    """The setting is for practice quizzes: on a quiz that became the final assessment after it was ticked, late
    answers still wait for staff."""
    quiz = db.session.scalar(select(Quiz).where(Quiz.slug == "check"))
    quiz.accept_late_answers, quiz.is_final = True, True
    db.session.commit()
    attempt_id, draw, deadline, token = outage(client, auth, db)
    late = send(client, attempt_id, one(draw, "q-num"), seq=2, saved_at=deadline, token=token)
    assert late.status_code == 202 and late.json["saved"] is False and late.json["late"] is True
    assert attempt_of(db, attempt_id).score == 1
    assert db.session.scalar(select(LateAnswers.status)) == "pending"


def test_the_quiz_setting_is_in_the_quiz_editor(client, auth, owner, course, db):
    auth.login(owner.email)
    page = client.get("/author/sample/quizzes/check").get_data(as_text=True)
    assert "Accept answers received late after an outage automatically" in page
    form = {"title": "Check", "pass_mark": "60", "attempts_allowed": "2", "time_limit_minutes": "10",
            "shuffle_choices": "y", "layout": "single", "review": "after_pass", "accept_late_answers": "y",
            "csrf_token": csrf_token(page)}
    assert client.post("/author/sample/quizzes/check", data=form).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Quiz.accept_late_answers).where(Quiz.slug == "check")) is True
    # On the final assessment the editor refuses it, says why and keeps what was typed.
    refused = client.post("/author/sample/quizzes/check", data={**form, "is_final": "y", "title": "Check again"})
    html = refused.get_data(as_text=True)
    assert refused.status_code in (200, 400) and "late answers always wait for you" in html and "Check again" in html
    db.session.expire_all()
    assert db.session.scalar(select(Quiz.is_final).where(Quiz.slug == "check")) is False


# --- queued work and sessions ------------------------------------------------------------------------------

def test_queued_work_is_never_taken_under_another_persons_session(client, auth, trainee, world, db):
    attempt_id, draw, start, token = timed_attempt(client, auth, db)
    auth.logout()
    # Signed out (idle timeout, sign-out elsewhere): 401, the device keeps the save.
    # The token of the page the save was queued on ended with the session: refused as any stale form, in JSON.
    stale = send(client, attempt_id, one(draw, "q-tf"), seq=1, token=token)
    assert stale.status_code == 400 and stale.json["csrf"] is True
    fresh = csrf_token(client.get("/login").get_data(as_text=True))
    signed_out = send(client, attempt_id, one(draw, "q-tf"), seq=1, token=fresh)
    assert signed_out.status_code == 401 and signed_out.json["signed_in"] is False
    # Another person signs in on the shared computer: the save is refused, 403, and nothing is stored.
    auth.login(world["other_trainee"].email)
    token = csrf_token(client.get("/profile").get_data(as_text=True))
    other = send(client, attempt_id, one(draw, "q-tf"), seq=1, saved_at=start, token=token)
    assert other.status_code == 403 and other.json["other_person"] is True
    assert stored(db, attempt_id) == {}
    assert client.get(f"/attempts/{attempt_id}").status_code == 404  # the page itself stays "not found"
    # The same person again: it goes through.
    auth.logout()
    auth.login(trainee.email)
    token = page_token(client, attempt_id)
    assert send(client, attempt_id, one(draw, "q-tf"), seq=1, saved_at=start, token=token).json["seq"] == 1


# --- the file of answers -----------------------------------------------------------------------------------

def answer_file(of: QuizAttempt, draw, seq=5, saved_at=None, **changes) -> bytes:
    fields = answers_for(draw)
    answers = {item["slug"]: (fields[f"a-{item['slug']}"] if isinstance(fields[f"a-{item['slug']}"], list)
                              else [fields[f"a-{item['slug']}"]]) for item in draw}
    data = {"format": "lms-answers/1", "attempt": of.id, "token": of.token, "quiz": "check",
            "course": "sample", "seq": seq, "saved_at": (saved_at or of.deadline_at).isoformat(),
            "answers": answers, **changes}
    return json.dumps(data).encode()


def upload(client, content: bytes, name="answers.json"):
    import io

    page = client.get("/author/sample/quizzes/check/late").get_data(as_text=True)
    return client.post("/author/sample/quizzes/check/late/upload", data={
        "csrf_token": csrf_token(page), "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data", follow_redirects=True)


def test_staff_upload_a_file_of_answers_judged_as_late_answers(client, auth, trainee, owner, db):
    attempt_id, draw, deadline, _token = outage(client, auth, db)
    client.get("/courses/sample/quizzes/check")  # closes the attempt at its deadline
    auth.logout()
    auth.login(owner.email)
    attempt = attempt_of(db, attempt_id)
    good = upload(client, answer_file(attempt, draw, saved_at=deadline - timedelta(minutes=1)))
    assert "decide on them below" in good.get_data(as_text=True)
    item = db.session.scalar(select(LateAnswers))
    assert (item.source, item.status, item.received_by_id) == ("file", "pending", owner.id)
    assert len(item.file_sha256) == 64 and "File uploaded by staff" in good.get_data(as_text=True)
    assert attempt_of(db, attempt_id).score == 1  # not counted yet
    assert "Nothing new" in upload(client, answer_file(attempt, draw, saved_at=deadline)).get_data(as_text=True)
    queue = client.get("/author/sample/quizzes/check/late").get_data(as_text=True)
    client.post(f"/author/sample/quizzes/check/late/{item.id}", data={"action": "accept", "csrf_token": csrf_token(queue)})
    assert attempt_of(db, attempt_id).percent == 100 and attempt_of(db, attempt_id).passed is True


@pytest.mark.parametrize("case, words", [
    ("token", "token does not match"),
    ("too_big", "larger than a file of answers can be"),
    ("not_json", "cannot be read as JSON"),
    ("too_deep", "nested deeper"),
    ("missing", "a field is missing, unknown or of the wrong kind"),
    ("extra", "a field is missing, unknown or of the wrong kind"),
    ("bool_seq", "a field is missing, unknown or of the wrong kind"),
    ("other_quiz", "not of this quiz"),
    ("foreign_question", "do not belong to its attempt"),
    ("after_deadline", "saved after the attempt"),
])
def test_a_file_that_is_not_right_is_refused_and_nothing_is_received(client, auth, trainee, owner, db, case, words):
    attempt_id, draw, deadline, _token = outage(client, auth, db)
    client.get("/courses/sample/quizzes/check")
    auth.logout()
    auth.login(owner.email)
    attempt = attempt_of(db, attempt_id)
    content = {
        "token": lambda: answer_file(attempt, draw, token="x" * 22),
        "too_big": lambda: b'{"format": "lms-answers/1", "pad": "' + b"x" * (256 * 1024) + b'"}',
        "not_json": lambda: b"{'format': lms-answers/1",
        "too_deep": lambda: b"[" * 5000 + b"]" * 5000,
        "missing": lambda: json.dumps({"format": "lms-answers/1", "attempt": attempt.id}).encode(),
        "extra": lambda: answer_file(attempt, draw, note="edited"),
        "bool_seq": lambda: answer_file(attempt, draw, seq=True),
        "other_quiz": lambda: answer_file(attempt, draw, attempt=attempt.id + 1000),
        "foreign_question": lambda: answer_file(attempt, draw, answers={"f-1": ["true"]}),
        "after_deadline": lambda: answer_file(attempt, draw, saved_at=deadline + timedelta(minutes=5)),
    }[case]()
    response = upload(client, content)
    assert response.status_code == 200 and words in response.get_data(as_text=True)
    assert db.session.scalar(select(LateAnswers)) is None
    assert attempt_of(db, attempt_id).score == 1


def test_a_file_for_an_attempt_still_open_is_saved_into_it_with_the_numbering_rules(client, auth, trainee, owner, db):
    attempt_id, draw, start, token = timed_attempt(client, auth, db)
    send(client, attempt_id, one(draw, "q-tf", right=False), seq=9, saved_at=start, token=token)
    auth.logout()
    auth.login(owner.email)
    response = upload(client, answer_file(attempt_of(db, attempt_id), draw, seq=8))
    assert "still open" in response.get_data(as_text=True)
    answers = stored(db, attempt_id)
    assert answers["q-tf"][1] == 9  # the device's later save stays
    assert answers["q-num"][1] == 8 and db.session.scalar(select(LateAnswers)) is None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "late_answers.file_applied")) is not None


# --- who may judge -----------------------------------------------------------------------------------------

def test_only_the_quizs_editors_see_and_decide(client, auth, trainee, owner, world, db):
    attempt_id, draw, deadline, token = outage(client, auth, db)
    send(client, attempt_id, one(draw, "q-num"), seq=2, saved_at=deadline, token=token)
    item = db.session.scalar(select(LateAnswers))
    stranger = make_user("elsewhere@example.ge", "Other Instructor", "instructor", world["ge"])
    for person in (trainee, world["coordinator"], world["other_coordinator"], stranger):
        auth.logout()
        auth.login(person.email)
        token = csrf_token(client.get("/profile").get_data(as_text=True))
        assert client.get("/author/sample/quizzes/check/late").status_code == 403, person.email
        assert client.post(f"/author/sample/quizzes/check/late/{item.id}",
                           data={"action": "accept", "csrf_token": token}).status_code == 403
        assert client.post("/author/sample/quizzes/check/late/upload", data={"csrf_token": token}).status_code == 403
    db.session.expire_all()
    assert db.session.get(LateAnswers, item.id).status == "pending" and attempt_of(db, attempt_id).score == 1
    # The queue of another quiz does not reach this quiz's answers.
    auth.logout()
    auth.login(owner.email)
    token = csrf_token(client.get("/author/sample/quizzes/final/late").get_data(as_text=True))
    assert client.post(f"/author/sample/quizzes/final/late/{item.id}",
                       data={"action": "accept", "csrf_token": token}).status_code == 404


# --- personal data -----------------------------------------------------------------------------------------

def test_late_answers_join_the_download_anonymisation_and_retention(app, client, auth, trainee, world, db,
                                                                   monkeypatch):
    from lms.privacy.queries import personal_data
    from lms.privacy.services import anonymise_user, prune

    attempt_id, draw, deadline, token = outage(client, auth, db)
    send(client, attempt_id, one(draw, "q-short"), seq=2, saved_at=deadline, token=token)
    rows = personal_data(trainee)["late_answers"]
    assert len(rows) == 1 and rows[0]["question_slug"] == "q-short" and rows[0]["status"] == "pending"
    assert rows[0]["response"] == answers_for(draw)["a-q-short"].strip()
    assert not {"correct", "accepted", "points"} & set(rows[0])  # never the right answers
    assert personal_data(world["other_trainee"])["late_answers"] == []
    # Retention: received longer ago than the answers are kept, they lose their answers and stop waiting.
    monkeypatch.setitem(app.config, "ANSWER_RETENTION_DAYS", 30)
    assert prune(clock.now() + timedelta(days=10), dry_run=True).late_answers_cleared == 0
    assert prune(clock.now() + timedelta(days=31), dry_run=True).late_answers_cleared == 1
    assert prune(clock.now() + timedelta(days=31)).late_answers_cleared == 1
    db.session.expire_all()
    item = db.session.scalar(select(LateAnswers))
    assert item.answers == {} and item.status == "rejected" and item.automatic is True
    # Anonymisation: a new set waits; it is rejected and its answers go.
    send(client, attempt_id, one(draw, "q-num"), seq=3, saved_at=deadline, token=token)
    anonymise_user(db.session.get(User, trainee.id), db.session.get(User, world["admin"].id))
    db.session.expire_all()
    assert all(i.answers == {} and i.status == "rejected" for i in db.session.scalars(select(LateAnswers)))
