"""Sign-in sessions end when they should (issue 18): a copied cookie stops working at sign-out, a new
password signs out the other devices, an admin signs an account out everywhere, the idle and absolute
timeouts apply by role, and the person sees and ends their sessions on their profile."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from lms.core import clock
from tests.helpers import PASSWORD, Auth, csrf_token

pytestmark = pytest.mark.db

NEW_PASSWORD = "a much better passphrase 2026"
ENDED = "Your session has ended; please sign in again."


@pytest.fixture(autouse=True)
def _clock():
    yield
    clock.freeze(None)


def _copy(client):
    """A second browser holding a copy of the first one's session cookie."""
    other = client.application.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def _signed_in(client) -> bool:
    return client.get("/profile").status_code == 200


def test_a_copied_cookie_stops_working_after_sign_out(client, auth, world):
    auth.login(world["trainee"].email)
    thief = _copy(client)
    assert _signed_in(thief)  # the copy works while the session is open...
    auth.logout()
    response = thief.get("/profile", follow_redirects=True)  # ...and not after the owner signed out
    assert "/login" in response.request.path
    assert ENDED in response.get_data(as_text=True)
    assert not _signed_in(thief)


def test_a_password_change_ends_the_other_sessions_but_not_this_one(app, client, auth, world):
    email = world["trainee"].email
    auth.login(email)
    laptop = app.test_client()
    Auth(laptop).login(email)
    assert _signed_in(laptop)
    response = auth.post("/profile/password", {"current": PASSWORD, "password": NEW_PASSWORD,
                                               "confirm": NEW_PASSWORD}, form_page="/profile",
                         follow_redirects=True)
    assert "Your password is changed" in response.get_data(as_text=True)
    assert _signed_in(client)
    assert not _signed_in(laptop)


def test_a_reset_through_a_link_ends_every_session(app, client, auth, world):
    from lms.auth.services import issue_password_link

    auth.login(world["trainee"].email)
    token = issue_password_link(world["trainee"], world["admin"])
    stranger = app.test_client()
    Auth(stranger).post(f"/set-password/{token}", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert not _signed_in(client)


def test_an_admin_ends_every_session_of_an_account(app, client, auth, world, db):
    from lms.audit.models import AuditEvent

    trainee = world["trainee"]
    phone, laptop = app.test_client(), app.test_client()
    Auth(phone).login(trainee.email)
    Auth(laptop).login(trainee.email)
    auth.login(world["admin"].email)
    page = client.get(f"/people/{trainee.id}").get_data(as_text=True)
    assert "2 open sign-in sessions." in page
    response = auth.post(f"/people/{trainee.id}/sessions/end", {}, form_page=f"/people/{trainee.id}",
                         follow_redirects=True)
    assert "2 sessions of Taras Trainee ended." in response.get_data(as_text=True)
    assert not _signed_in(phone) and not _signed_in(laptop)
    assert _signed_in(client)  # the admin's own session goes on
    event = db.session.query(AuditEvent).filter_by(action="auth.sessions_ended").one()
    assert event.target_id == trainee.id and event.details["sessions"] == 2


def test_a_coordinator_cannot_end_sessions_of_their_trainee(client, auth, world):
    auth.login(world["coordinator"].email)
    trainee = world["trainee"]
    assert "Sign out everywhere" not in client.get(f"/people/{trainee.id}").get_data(as_text=True)
    response = auth.post(f"/people/{trainee.id}/sessions/end", {}, form_page=f"/people/{trainee.id}")
    assert response.status_code == 403


def test_deactivation_signs_the_account_out(app, client, auth, world):
    from lms.people import services

    trainee = world["trainee"]
    Auth(client).login(trainee.email)
    services.update_user(trainee, world["admin"], email=trainee.email, name=trainee.name, role="trainee",
                         institution_id=trainee.institution_id, locale=None, active=False)
    services.update_user(trainee, world["admin"], email=trainee.email, name=trainee.name, role="trainee",
                         institution_id=trainee.institution_id, locale=None, active=True)
    assert not _signed_in(client)  # reactivated, the old session stays ended


@pytest.mark.parametrize("role, idle, absolute", [("trainee", 480, 168), ("instructor", 60, 12),
                                                  ("coordinator", 60, 12), ("admin", 60, 12)])
def test_idle_timeout_by_role(client, auth, world, role, idle, absolute):
    start = clock.now()
    clock.freeze(start)
    auth.login(world[role].email)
    clock.freeze(start + timedelta(minutes=idle - 1))
    assert _signed_in(client)  # used just in time: the idle clock starts again
    clock.freeze(start + timedelta(minutes=2 * idle - 2))
    assert _signed_in(client)
    clock.freeze(start + timedelta(minutes=3 * idle))
    response = client.get("/profile", follow_redirects=True)
    assert ENDED in response.get_data(as_text=True) and "/login" in response.request.path


@pytest.mark.parametrize("role, absolute", [("trainee", 168), ("coordinator", 12)])
def test_absolute_timeout_by_role_even_when_busy(client, auth, world, role, absolute):
    start = clock.now()
    clock.freeze(start)
    auth.login(world[role].email)
    moment = start
    while moment < start + timedelta(hours=absolute - 1):  # a request every 50 minutes, never idle
        moment += timedelta(minutes=50)
        clock.freeze(moment)
        assert _signed_in(client), moment - start
    clock.freeze(start + timedelta(hours=absolute))
    assert not _signed_in(client)


def test_the_timeouts_follow_the_settings(app, client, auth, world, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES_TRAINEE", 15)
    start = clock.now()
    clock.freeze(start)
    auth.login(world["trainee"].email)
    clock.freeze(start + timedelta(minutes=16))
    assert not _signed_in(client)


def test_last_use_is_written_at_most_every_five_minutes(client, auth, world, db):
    from lms.auth.models import SignInSession

    start = clock.now()
    clock.freeze(start)
    auth.login(world["trainee"].email)
    clock.freeze(start + timedelta(minutes=4))
    client.get("/profile")
    assert db.session.query(SignInSession).one().last_used_at == start
    clock.freeze(start + timedelta(minutes=6))
    client.get("/profile")
    db.session.expire_all()
    assert db.session.query(SignInSession).one().last_used_at == start + timedelta(minutes=6)


def test_keep_me_signed_in_makes_no_remember_cookie_that_could_revive_a_session(client, world):
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"email": world["trainee"].email, "password": PASSWORD, "remember": "y",
                                "csrf_token": csrf_token(page)})
    assert client.get_cookie("remember_token") is None
    assert _signed_in(client)


def test_an_old_remember_cookie_brings_nothing_back(app, client, world):
    from flask_login.utils import encode_cookie

    with app.test_request_context():
        value = encode_cookie(str(world["trainee"].id))
    client.set_cookie("remember_token", value)
    response = client.get("/profile")
    assert response.status_code == 302  # sent to sign in: no session record stands behind the cookie


def test_the_profile_lists_the_sessions_and_ends_one(app, client, auth, world):
    email = world["trainee"].email
    laptop = app.test_client()
    laptop.environ_base["HTTP_USER_AGENT"] = "Laptop browser 1.0"
    laptop.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    Auth(laptop).login(email)
    auth.login(email)
    page = client.get("/profile").get_data(as_text=True)
    assert "2 open sessions" in page and "Laptop browser 1.0" in page and "192.0.2.7" in page
    assert "this browser" in page
    ids = re.findall(r'/profile/sessions/(\d+)/end', page)
    assert len(ids) == 2
    laptop_id = ids[1] if "this browser" in page.split(f"/profile/sessions/{ids[0]}/end")[0].rsplit("<tr>", 1)[1] \
        else ids[0]
    response = auth.post(f"/profile/sessions/{laptop_id}/end", {}, form_page="/profile", follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "That session has ended." in text and "1 open session" in text and "Laptop browser 1.0" not in text
    assert not _signed_in(laptop) and _signed_in(client)


def test_nobody_ends_another_persons_session(app, client, auth, world, db):
    from lms.auth.models import SignInSession

    other = app.test_client()
    Auth(other).login(world["other_trainee"].email)
    theirs = db.session.query(SignInSession).one().id
    auth.login(world["trainee"].email)
    response = auth.post(f"/profile/sessions/{theirs}/end", {}, form_page="/profile")
    assert response.status_code == 404
    assert _signed_in(other)


def test_ending_this_browsers_session_signs_out(client, auth, world):
    auth.login(world["trainee"].email)
    page = client.get("/profile").get_data(as_text=True)
    (only,) = re.findall(r'/profile/sessions/(\d+)/end', page)
    response = auth.post(f"/profile/sessions/{only}/end", {}, form_page="/profile", follow_redirects=True)
    assert "You have signed out." in response.get_data(as_text=True)
    assert not _signed_in(client)
