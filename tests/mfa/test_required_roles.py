"""Roles that must have a second factor (LMS_MFA_REQUIRED_ROLES): such a person without one is signed in
only to set one up, after a set-password link too; an admin resets a lost factor (audited), and so does
`lms users reset-mfa`; personal access tokens work as before."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from config import ConfigError, load_config
from lms.audit.models import AuditEvent
from lms.auth.services import issue_password_link
from lms.mfa.models import SecondFactor
from tests.helpers import PASSWORD, Auth, csrf_token
from tests.mfa.helpers import code, enrol_app, sign_in_with_code

pytestmark = pytest.mark.db

NEEDS_ONE = "Your role needs a second factor at sign-in. Set one up to go on."


@pytest.fixture()
def required(app, monkeypatch):
    monkeypatch.setitem(app.config, "MFA_REQUIRED_ROLES", ("admin", "coordinator"))


def test_the_default_asks_admins_and_coordinators_in_production_only(monkeypatch, tmp_path):
    monkeypatch.delenv("LMS_MFA_REQUIRED_ROLES", raising=False)
    monkeypatch.setenv("LMS_SECRET_KEY", "x" * 40)
    assert load_config(INSTANCE_PATH=str(tmp_path))["MFA_REQUIRED_ROLES"] == ()
    assert load_config(ENV="production", INSTANCE_PATH=str(tmp_path))["MFA_REQUIRED_ROLES"] == ("admin",
                                                                                               "coordinator")
    monkeypatch.setenv("LMS_MFA_REQUIRED_ROLES", "none")
    assert load_config(ENV="production", INSTANCE_PATH=str(tmp_path))["MFA_REQUIRED_ROLES"] == ()
    monkeypatch.setenv("LMS_MFA_REQUIRED_ROLES", "admin, Instructor")
    assert load_config(INSTANCE_PATH=str(tmp_path))["MFA_REQUIRED_ROLES"] == ("admin", "instructor")
    monkeypatch.setenv("LMS_MFA_REQUIRED_ROLES", "admins")
    with pytest.raises(ConfigError, match="unknown role 'admins'"):
        load_config(INSTANCE_PATH=str(tmp_path))


def test_a_coordinator_without_one_sets_it_up_before_anything_else(client, auth, world, db, required):
    response = auth.login(world["coordinator"].email)
    assert response.headers["Location"].endswith("/profile/second-factor")
    page = client.get("/profile/second-factor").get_data(as_text=True)
    assert "Your role needs a second factor at sign-in" in page and "Your role must have one." in page
    for path in ("/", "/people/", "/reports/", "/profile", "/profile/tokens"):
        refused = client.get(path, follow_redirects=True)
        assert refused.request.path == "/profile/second-factor", path
        assert NEEDS_ONE in refused.get_data(as_text=True)
    enrol_app(client)
    assert client.get("/people/").status_code == 200
    # The last factor of a role that needs one cannot be removed.
    factor_id = db.session.scalar(select(SecondFactor.id))
    page = client.get("/profile/second-factor").get_data(as_text=True)
    kept = client.post(f"/profile/second-factor/{factor_id}/remove",
                       data={"csrf_token": csrf_token(page), "password": PASSWORD}, follow_redirects=True)
    assert "add another one before you remove this one" in kept.get_data(as_text=True)


def test_a_trainee_is_not_asked(client, auth, world, required):
    assert "Welcome" in auth.login(world["trainee"].email, follow=True).get_data(as_text=True)


def test_after_a_set_password_link_the_admin_sets_up_the_factor_too(app, client, world, db, required):
    token = issue_password_link(world["admin"], None)
    page = client.get(f"/set-password/{token}").get_data(as_text=True)
    new = "a new passphrase for the admin"
    client.post(f"/set-password/{token}", data={"csrf_token": csrf_token(page), "password": new, "confirm": new})
    response = Auth(client).login(world["admin"].email, new, follow=True)
    assert response.request.path == "/profile/second-factor" and NEEDS_ONE in response.get_data(as_text=True)


def test_an_admin_resets_a_lost_factor_and_the_person_is_signed_out(app, client, auth, world, db, required):
    phone = app.test_client()
    Auth(phone).login(world["coordinator"].email)
    enrol_app(phone)
    assert phone.get("/profile").status_code == 200
    # A coordinator may not reset anyone's, not even their own institution's.
    other = app.test_client()
    Auth(other).login(world["other_coordinator"].email)
    enrol_app(other)
    person = f"/people/{world['coordinator'].id}"
    refused = Auth(other).post(f"{person}/second-factor/reset", {}, form_page="/profile")
    assert refused.status_code == 404
    Auth(client).login(world["admin"].email)
    enrol_app(client)
    page = client.get(person).get_data(as_text=True)
    assert "Second factor:" in page and "authenticator app (Work phone)" in page and "10 recovery codes unused" in page
    done = client.post(f"{person}/second-factor/reset", data={"csrf_token": csrf_token(page)}, follow_redirects=True)
    assert "1 second factor of Kateryna Coordinator removed" in done.get_data(as_text=True)
    assert "No second factor." in done.get_data(as_text=True)
    assert phone.get("/profile").status_code == 302  # signed out everywhere
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "mfa.reset"))
    assert event.actor_id == world["admin"].id and event.target_id == world["coordinator"].id
    # Back with the password only, the coordinator is asked to set one up again.
    assert Auth(phone).login(world["coordinator"].email).headers["Location"].endswith("/profile/second-factor")


def test_the_command_line_resets_a_sole_admins_factor(app, client, auth, world, db):
    auth.login(world["admin"].email)
    enrol_app(client)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "reset-mfa", "--email", "ADMIN@example.org"])
    assert result.exit_code == 0, result.output
    assert "Removed 1 second factor(s) of admin@example.org" in result.output
    assert db.session.scalar(select(func.count()).select_from(SecondFactor)) == 0
    assert db.session.scalar(select(AuditEvent.actor_id).where(AuditEvent.action == "mfa.reset")) is None
    unknown = runner.invoke(args=["users", "reset-mfa", "--email", "nobody@example.org"])
    assert unknown.exit_code != 0 and "no account with the email" in unknown.output
    assert "Welcome" in Auth(app.test_client()).login(world["admin"].email, follow=True).get_data(as_text=True)


def test_personal_access_tokens_work_as_before(app, client, auth, world, db, required):
    auth.login(world["admin"].email)
    secret, _ = enrol_app(client)
    auth.logout()
    sign_in_with_code(client, world["admin"].email, secret)
    page = client.get("/profile/tokens").get_data(as_text=True)
    made = client.post("/profile/tokens", data={"csrf_token": csrf_token(page), "name": "reports"})
    text = made.get_data(as_text=True)
    token = re.search(r'id="new-token"[^>]*value="([^"]+)"', text).group(1)
    api = app.test_client()
    response = api.get("/api/v1/courses", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert code(secret) not in text
