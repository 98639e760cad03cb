"""Sign-in, sign-out, one-time set-password links, profile and password rules."""
from __future__ import annotations

from datetime import timedelta

import pytest

from lms.core import clock
from tests.helpers import PASSWORD, csrf_token

pytestmark = pytest.mark.db

WRONG = "The email or password is not right, or the account is not active."


def test_each_role_signs_in_and_sees_its_name(client, auth, world):
    for role in ("trainee", "instructor", "coordinator", "admin"):
        user = world[role]
        response = auth.login(user.email.upper())  # emails are case-insensitive
        assert response.status_code == 302 and response.headers["Location"] == "/"
        assert f"Welcome, {user.name}" in client.get("/").get_data(as_text=True)
        auth.logout()


def test_unknown_email_and_wrong_password_get_the_same_message(client, auth, world):
    unknown = auth.login("nobody@example.org").get_data(as_text=True)
    wrong = auth.login(world["trainee"].email, "not-the-password").get_data(as_text=True)
    assert WRONG in unknown and WRONG in wrong
    assert "Welcome" not in client.get("/").get_data(as_text=True)


def test_inactive_account_is_refused(client, auth, world, db):
    world["trainee"].active = False
    db.session.commit()
    assert WRONG in auth.login(world["trainee"].email).get_data(as_text=True)


def test_sign_in_is_recorded_in_the_audit_log(auth, world, db):
    from lms.audit.models import AuditEvent

    auth.login(world["trainee"].email)
    auth.logout()
    auth.login("nobody@example.org")
    actions = [e.action for e in db.session.query(AuditEvent).order_by(AuditEvent.id)]
    assert "auth.login" in actions and "auth.login_failed" in actions


def test_next_redirects_only_within_the_site(client, world):
    for target, expected in [("/profile", "/profile"), ("https://evil.example/x", "/"), ("//evil.example", "/"),
                             ("/\\evil.example", "/")]:
        page = client.get("/login")
        response = client.post("/login?next=" + target, data={
            "email": world["admin"].email, "password": PASSWORD, "csrf_token": csrf_token(page.get_data(as_text=True))})
        assert response.headers["Location"] == expected, target
        client.post("/logout", data={"csrf_token": csrf_token(client.get("/profile").get_data(as_text=True))})


def test_form_without_csrf_token_is_refused(client, world):
    response = client.post("/login", data={"email": world["admin"].email, "password": PASSWORD})
    assert response.status_code == 400
    assert "The form had expired" in response.get_data(as_text=True)


def test_pages_ask_for_sign_in(client, db):
    response = client.get("/profile")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


def test_sign_out_needs_post_and_ends_the_session(client, auth, world):
    auth.login(world["trainee"].email)
    assert client.get("/logout").status_code == 405
    auth.logout()
    assert client.get("/profile").status_code == 302


def test_set_password_link_works_once(client, auth, world, db):
    from lms.auth.services import issue_password_link

    token = issue_password_link(world["trainee"], world["coordinator"])
    page = client.get(f"/set-password/{token}")
    assert page.status_code == 200 and world["trainee"].email in page.get_data(as_text=True)
    weak = auth.post(f"/set-password/{token}", {"password": "password123", "confirm": "password123"})
    assert "too easy to guess" in weak.get_data(as_text=True)
    done = auth.post(f"/set-password/{token}", {"password": "a-new-long-secret", "confirm": "a-new-long-secret"})
    assert done.status_code == 302
    assert client.get(f"/set-password/{token}").status_code == 404
    assert auth.login(world["trainee"].email, "a-new-long-secret").headers["Location"] == "/"


def test_expired_link_and_superseded_link_do_not_work(client, world, db):
    from lms.auth.services import issue_password_link

    first = issue_password_link(world["trainee"], None)
    second = issue_password_link(world["trainee"], None)
    assert client.get(f"/set-password/{first}").status_code == 404
    clock.freeze(clock.now() + timedelta(hours=73))
    try:
        assert client.get(f"/set-password/{second}").status_code == 404
    finally:
        clock.freeze(None)


def test_profile_changes_name_and_language(client, auth, world, db):
    auth.login(world["trainee"].email)
    response = auth.post("/profile", {"name": "Тарас Григорович", "locale": "uk"}, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "Тарас Григорович" in text and 'lang="uk"' in text


def test_password_change_checks_current_password_and_rules(client, auth, world):
    auth.login(world["trainee"].email)
    wrong = auth.post("/profile/password", {"current": "nope", "password": "another-long-secret",
                                            "confirm": "another-long-secret"}, form_page="/profile")
    assert "The current password is not right." in wrong.get_data(as_text=True)
    short = auth.post("/profile/password", {"current": PASSWORD, "password": "short", "confirm": "short"},
                      form_page="/profile")
    assert "Use at least 10 characters." in short.get_data(as_text=True)
    same_as_email = auth.post("/profile/password", {"current": PASSWORD, "password": world["trainee"].email,
                                                    "confirm": world["trainee"].email}, form_page="/profile")
    assert "Do not use your email address" in same_as_email.get_data(as_text=True)
    ok = auth.post("/profile/password", {"current": PASSWORD, "password": "another-long-secret",
                                         "confirm": "another-long-secret"}, form_page="/profile")
    assert ok.status_code == 302
    auth.logout()
    assert auth.login(world["trainee"].email, "another-long-secret").headers["Location"] == "/"


def test_passwords_are_stored_as_argon2id_hashes(world):
    assert world["trainee"].password_hash.startswith("$argon2id$")
    assert PASSWORD not in world["trainee"].password_hash
