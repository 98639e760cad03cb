"""Data for the privacy tests: two trainees of two institutions who each completed the sample course,
with feedback, typed answers, API tokens, one-time links, calendar addresses and audit events."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.core import clock
from tests.helpers import answers_for, start_attempt, take_quiz
from tests.images import diagram
from tests.practicals.records import signed_record


def complete_sample(client, auth, db, email: str, typed: str | None = None, comment: str = "") -> None:
    """Sign in, enrol, read both lessons, fail "check" once (typing `typed` into the short answer), pass
    both quizzes, and leave feedback; then sign out."""
    from lms.quizzes.models import QuizAttempt

    auth.login(email)
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    client.get("/courses/sample/lessons/intro")
    client.get("/courses/sample/lessons/second")
    attempt_id = start_attempt(auth, "sample", "check")
    db.session.expire_all()
    draw = db.session.get(QuizAttempt, attempt_id).draw
    data = answers_for(draw, right=False)
    if typed:
        short = next(item["slug"] for item in draw if item["kind"] == "short_text")
        data[f"a-{short}"] = typed
    auth.post(f"/attempts/{attempt_id}", {**data, "action": "finish"}, form_page=f"/attempts/{attempt_id}")
    auth.post(f"/attempts/{attempt_id}/submit", {}, form_page=f"/attempts/{attempt_id}/submit")
    take_quiz(auth, db, "sample", "check")
    take_quiz(auth, db, "sample", "final")
    auth.post("/courses/sample/feedback", {"rating": "4", "comment": comment or "Useful"})
    auth.logout()


def add_token(db, user, name: str):
    """An API token row (the API package makes them through its own pages)."""
    from lms.api.models import ApiToken
    from lms.core.security import new_token

    _token, token_hash = new_token()
    token = ApiToken(user_id=user.id, name=name, token_hash=token_hash, prefix=token_hash[:8])
    db.session.add(token)
    db.session.commit()
    return token


@pytest.fixture()
def trained(client, auth, world, course, db):
    """Both trainees completed the sample course; everything about them is in the database.

    The trainee wrote their own name in a quiz answer and the other trainee mentioned the trainee by
    name in feedback, as people do.
    """
    import pyotp

    from lms.auth.services import issue_password_link
    from lms.calendar.services import renew_feed
    from lms.learning.models import Certificate, Enrolment
    from lms.mfa import services as mfa
    from lms.mfa import totp

    trainee, other = world["trainee"], world["other_trainee"]
    complete_sample(client, auth, db, trainee.email, typed=trainee.name, comment="Ask me: trainee@example.org")
    complete_sample(client, auth, db, other.email, comment=f"Thanks to {trainee.name} for the notes")
    add_token(db, trainee, f"{trainee.name} laptop")
    add_token(db, other, "Giorgi desk")
    issue_password_link(trainee, world["coordinator"])
    issue_password_link(other, world["other_coordinator"])
    secrets = {}
    for person, label in ((trainee, "Taras phone"), (other, "Giorgi phone")):  # an authenticator app each
        secrets[person.id] = totp.new_secret()
        mfa.add_totp(person, secrets[person.id], pyotp.TOTP(secrets[person.id]).at(clock.now()), label)
    feeds = {person.id: renew_feed(person, person)[1] for person in (trainee, other)}  # a calendar address each
    for person in (trainee, other):  # a practical assessment each, signed off with a comment and a photo
        enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == person.id))
        signed_record(course, enrolment, world["admin"], f"Calm with {person.name}", diagram(20, 10))
    db.session.expire_all()
    certificates = {c.user_id: c.code for c in db.session.scalars(select(Certificate))}
    return {"trainee_code": certificates[trainee.id], "other_code": certificates[other.id], "now": clock.now(),
            "trainee_secret": secrets[trainee.id], "trainee_feed": feeds[trainee.id], "other_feed": feeds[other.id]}
