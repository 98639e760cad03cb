"""The signed-in account is read once per request: the trainee's journey through a course (enrol, a
lesson's first and later views, a quiz started, saved, submitted and reviewed, the catalogue, my learning,
the profile) never reads the `users` table twice in one request, even when the request commits (a write
expires what the session loaded, and a careless read of the account afterwards would fetch it again)."""
from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select, text, update

from tests.helpers import answers_for, csrf_token

pytestmark = pytest.mark.db

# A statement that reads the accounts table for its own rows (the loader's statement, or a reload of the
# account): `SELECT ... FROM users`. Statements that join `users` to read another thing (an enrolment's
# person, for a message) are not the account's reload.
_READS_USERS = re.compile(r"^\s*SELECT\b.*\bFROM\s+users\b", re.IGNORECASE | re.DOTALL)


@contextmanager
def statements(engine):
    """The SQL statements the engine sends while the block runs."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


class Journey:
    """The client's requests, each with the statements it sent and how often it read `users`."""

    def __init__(self, client, engine):
        self.client, self.engine = client, engine
        self.seen: list[tuple[str, int, list[str]]] = []

    def _send(self, label: str, send):
        with statements(self.engine) as sent:
            response = send()
        self.seen.append((label, sum(1 for s in sent if _READS_USERS.search(s)), sent))
        return response

    def get(self, url: str):
        response = self._send(f"GET {url}", lambda: self.client.get(url))
        assert response.status_code in (200, 302), (url, response.status_code)
        return response

    def post(self, url: str, data: dict, form_page: str):
        token = csrf_token(self.get(form_page).get_data(as_text=True))
        response = self._send(f"POST {url}", lambda: self.client.post(url, data={**data, "csrf_token": token}))
        assert response.status_code == 302, (url, response.status_code, response.get_data(as_text=True)[-300:])
        return response

    def twice(self) -> list[str]:
        """The requests that read `users` more than once, with what they sent."""
        return [f"{label}: {count} reads of users in {sent}" for label, count, sent in self.seen if count > 1]


def test_no_request_reads_the_signed_in_account_twice(client, auth, world, course, db):
    from lms.quizzes.models import QuizAttempt

    auth.login(world["trainee"].email)
    db.session.remove()
    journey = Journey(client, db.engine)
    journey.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    journey.get("/courses/sample/lessons/intro")  # the first view writes the progress, then shows the page
    journey.get("/courses/sample/lessons/intro")
    journey.get("/courses/")
    journey.get("/my")
    journey.get("/profile")
    started = journey.post("/courses/sample/quizzes/check/start", {}, form_page="/courses/sample/quizzes/check")
    attempt_id = int(started.headers["Location"].rsplit("/", 1)[1])
    draw = db.session.get(QuizAttempt, attempt_id).draw
    db.session.remove()
    journey.post(f"/attempts/{attempt_id}", {**answers_for(draw), "action": "save"}, form_page=f"/attempts/{attempt_id}")
    journey.post(f"/attempts/{attempt_id}/submit", {}, form_page=f"/attempts/{attempt_id}/submit")
    journey.get(f"/attempts/{attempt_id}/review")
    journey.get("/courses/sample/quizzes/check")

    assert not journey.twice(), "\n".join(journey.twice())
    # Every signed-in request above read the account exactly once (the loader's statement).
    assert all(count == 1 for _label, count, _sent in journey.seen), [(label, count) for label, count, _ in journey.seen]
    assert db.session.get(QuizAttempt, attempt_id).status == "submitted"
    counts = {label: len(sent) for label, _count, sent in journey.seen if label.startswith("POST")}
    assert counts == PINNED_POSTS[db.engine.dialect.name], counts


# The statements of the quiz's POSTs in the journey above (the sample course's check quiz, five questions),
# on each database (the five new answers of a save are inserted in one statement on PostgreSQL, one each on
# SQLite). Starting: the account, the course with the quiz and the enrolment (one statement since 2026-12-07, three
# before), the tally of its attempts, the questions with their choices (one statement since 2026-12-07, one per
# question's choices before issue 25, then two), the attempt, the quiz's row of kept figures, the enrolment's figures
# with the trainee's activity (one UPDATE since 2026-12-07, two before): 7, whatever the number of questions (it was
# 17); whether the quiz has conditions is asked in the course's statement since 2026-12-08 (a statement of its own
# before, 8), and the conditions are read only when it has some.
# Submitting adds the closed attempt to the enrolment's figures that the reports read, with the trainee's activity
# (`lms.learning.adding.count_closed_attempt`: one UPDATE of the enrolment, one of the quiz's row): 12 (14 when the
# activity had an UPDATE of its own and the figures were counted again from every attempt; submitting no longer
# reads the attempt again for its redirect: the address holds its id). Since the attempt comes with its quiz,
# enrolment and course in one statement (`lms.learning.queries.attempt_visit`: the quiz and the enrolment's status
# were two more, and a pass read the enrolment and the course again), a submission is 8 and a save two fewer.
# Enrolling keeps the new enrolment's figures from the start (its course's final, earlier cycles' certificates): 18
# (19 until the account's institution came with the account: enrolling reads the trainee's time zone).
PINNED_POSTS = {
    "sqlite": {"POST /courses/sample/enrol": 18, "POST /courses/sample/quizzes/check/start": 7,
               "POST /attempts/1": 10, "POST /attempts/1/submit": 8},
    "postgresql": {"POST /courses/sample/enrol": 18, "POST /courses/sample/quizzes/check/start": 7,
                   "POST /attempts/1": 6, "POST /attempts/1/submit": 8},
}


def _kept_trainee(db, world):
    from lms.auth.models import User
    from lms.core.db import keep_through_commits

    user_id = world["trainee"].id
    db.session.remove()
    user = db.session.get(User, user_id)
    keep_through_commits(db.session, user)
    return user


def test_the_kept_account_holds_its_own_committed_changes_without_reading_them_again(world, db):
    user = _kept_trainee(db, world)
    user.locale = "uk"
    db.session.commit()
    with statements(db.engine) as sent:
        assert (user.name, user.locale, user.is_active) == ("Taras Trainee", "uk", True)
    assert sent == []
    assert db.session.execute(text("SELECT locale FROM users WHERE id = :id"), {"id": user.id}).scalar() == "uk"


def test_the_kept_account_is_read_again_after_a_bulk_write_of_accounts(world, db):
    """A bulk UPDATE may have changed the row behind the object (the unread count is kept that way)."""
    from lms.auth.models import User

    user = _kept_trainee(db, world)
    db.session.execute(update(User).where(User.id == user.id).values(unread_notifications=User.unread_notifications + 3)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    with statements(db.engine) as sent:
        assert user.unread_notifications == 3
    assert len(sent) == 1
    # The next commit without a bulk write keeps it again.
    db.session.execute(select(User.id)).all()
    db.session.commit()
    with statements(db.engine) as sent:
        assert user.unread_notifications == 3
    assert sent == []
