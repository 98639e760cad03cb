"""A second factor at sign-in (issue 18): a person sets up an authenticator app from a QR code and gets ten
recovery codes; from then on the password alone signs nobody in, a code of the app does (once), a recovery
code does (once); the secret is stored sealed; wrong codes are throttled like passwords."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.core import clock
from lms.mfa.models import RecoveryCode, SecondFactor
from tests.helpers import PASSWORD, Auth, csrf_token
from tests.mfa.helpers import (
    code,
    codes_on_page,
    enrol_app,
    key_on_page,
    second_step,
)

pytestmark = pytest.mark.db


@pytest.fixture(autouse=True)
def _clock():
    yield
    clock.freeze(None)


def _signed_in(client) -> bool:
    return client.get("/profile").status_code == 200


def test_setting_up_an_app_shows_a_qr_code_and_ten_recovery_codes_once(client, auth, world, db):
    auth.login(world["instructor"].email)
    page = client.get("/profile/second-factor/app").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page and "QR code for your authenticator app" in page
    secret = key_on_page(page)
    # A wrong code is refused, and the same key is shown again (the phone already scanned it).
    wrong = client.post("/profile/second-factor/app", data={"csrf_token": csrf_token(page), "code": "000000"})
    assert "That code is not right" in wrong.get_data(as_text=True)
    assert key_on_page(wrong.get_data(as_text=True)) == secret
    assert db.session.scalar(select(func.count()).select_from(SecondFactor)) == 0
    done = client.post("/profile/second-factor/app", data={"csrf_token": csrf_token(page), "code": code(secret),
                                                         "name": "Work phone"})
    codes = codes_on_page(done.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert done.headers["Cache-Control"] == "no-store"
    factor = db.session.scalar(select(SecondFactor))
    assert (factor.kind, factor.name, factor.user_id) == ("totp", "Work phone", world["instructor"].id)
    assert secret not in factor.secret  # sealed, not the key itself
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not {c.replace("-", "") for c in codes} & set(stored)
    listing = client.get("/profile/second-factor").get_data(as_text=True)
    assert "Work phone" in listing and "10 of your recovery codes are unused." in listing
    assert codes[0] not in listing  # shown once only
    assert "mfa.added" in db.session.scalars(select(AuditEvent.action)).all()


def test_the_password_alone_no_longer_signs_in_a_code_does_once(app, client, auth, world, db):
    auth.login(world["coordinator"].email)
    secret, _ = enrol_app(client)
    auth.logout()
    logins = select(AuditEvent).where(AuditEvent.action == "auth.login").order_by(AuditEvent.id)
    before = len(db.session.scalars(logins).all())
    response = Auth(client).login(world["coordinator"].email, PASSWORD)
    assert response.headers["Location"].endswith("/login/second-factor")
    assert not _signed_in(client)  # the password was right, but nobody is signed in yet
    assert len(db.session.scalars(logins).all()) == before  # nor recorded as signed in
    page = client.get("/login/second-factor").get_data(as_text=True)
    assert "Code from your authenticator app" in page and "recovery code" in page
    wrong = second_step(client, "code", "123456")
    assert "That code is not right, or it was used already." in wrong.get_data(as_text=True)
    assert not _signed_in(client)
    used = code(secret, 1)
    response = second_step(client, "code", used)
    assert f"Welcome, {world['coordinator'].name}" in response.get_data(as_text=True)
    assert _signed_in(client)
    db.session.expire_all()
    assert db.session.scalars(logins).all()[-1].details.get("factor") == "totp"
    # The same code, a moment later in another browser, is refused: it was spent.
    other = app.test_client()
    Auth(other).login(world["coordinator"].email, PASSWORD)
    again = second_step(other, "code", used)
    assert "That code is not right, or it was used already." in again.get_data(as_text=True)
    assert not _signed_in(other)
    failures = db.session.scalars(select(AuditEvent.details).where(AuditEvent.action == "auth.mfa_failed")).all()
    assert len(failures) == 2


def test_a_code_a_step_off_is_accepted_two_steps_off_is_not(client, auth, world):
    auth.login(world["admin"].email)
    secret, _ = enrol_app(client)
    auth.logout()
    Auth(client).login(world["admin"].email, PASSWORD)
    assert "That code is not right" in second_step(client, "code", code(secret, 3)).get_data(as_text=True)
    assert "Welcome" in second_step(client, "code", code(secret, 1)).get_data(as_text=True)


def test_a_recovery_code_signs_in_once(app, client, auth, world, db):
    auth.login(world["admin"].email)
    _, codes = enrol_app(client)
    auth.logout()
    Auth(client).login(world["admin"].email, PASSWORD)
    response = second_step(client, "recovery_code", codes[3].upper().replace("-", " "))  # as typed, roughly
    text = response.get_data(as_text=True)
    assert "You signed in with a recovery code; 9 are left." in text and _signed_in(client)
    other = app.test_client()
    Auth(other).login(world["admin"].email, PASSWORD)
    again = second_step(other, "recovery_code", codes[3])
    assert "That code is not right, or it was used already." in again.get_data(as_text=True)
    assert not _signed_in(other)
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode)
                             .where(RecoveryCode.used_at.is_not(None))) == 1


def test_new_recovery_codes_replace_the_old_after_the_password(client, auth, world):
    auth.login(world["instructor"].email)
    _, old = enrol_app(client)
    page = client.get("/profile/second-factor").get_data(as_text=True)
    refused = client.post("/profile/second-factor/recovery-codes",
                          data={"csrf_token": csrf_token(page), "password": "not it"}, follow_redirects=True)
    assert "The password is not right." in refused.get_data(as_text=True)
    fresh = codes_on_page(client.post("/profile/second-factor/recovery-codes", data={
        "csrf_token": csrf_token(page), "password": PASSWORD}).get_data(as_text=True))
    assert len(fresh) == 10 and not set(fresh) & set(old)
    auth.logout()
    Auth(client).login(world["instructor"].email, PASSWORD)
    assert "That code is not right" in second_step(client, "recovery_code", old[0]).get_data(as_text=True)
    assert "Welcome" in second_step(client, "recovery_code", fresh[0]).get_data(as_text=True)


def test_a_sign_in_halfway_expires_and_can_be_cancelled(client, auth, world):
    auth.login(world["instructor"].email)
    enrol_app(client)
    auth.logout()
    clock.freeze(clock.now())
    Auth(client).login(world["instructor"].email, PASSWORD)
    clock.freeze(clock.now() + timedelta(minutes=11))
    response = client.get("/login/second-factor", follow_redirects=True)
    assert "Sign in with your email and password first." in response.get_data(as_text=True)
    clock.freeze(None)
    Auth(client).login(world["instructor"].email, PASSWORD)
    page = client.get("/login/second-factor").get_data(as_text=True)
    client.post("/login/second-factor/cancel", data={"csrf_token": csrf_token(page)})
    assert client.get("/login/second-factor").headers["Location"].endswith("/login")


def test_wrong_codes_are_throttled_like_passwords(app, client, auth, world):
    auth.login(world["admin"].email)
    secret, _ = enrol_app(client)
    auth.logout()
    Auth(client).login(world["admin"].email, PASSWORD)
    for _ in range(5):
        assert second_step(client, "code", "111111").status_code == 200
    refused = second_step(client, "code", code(secret, 1), follow=False)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Too many wrong codes for this account" in refused.get_data(as_text=True)
    # From another address the account waits too; the right code after the delay signs in.
    other = app.test_client()
    Auth(other).login(world["admin"].email, PASSWORD)
    page = other.get("/login/second-factor").get_data(as_text=True)
    elsewhere = other.post("/login/second-factor", data={"csrf_token": csrf_token(page), "code": code(secret, 1)},
                           environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert elsewhere.status_code == 429
    clock.freeze(clock.now() + timedelta(seconds=app.config["LOGIN_DELAY_FIRST_SECONDS"] + 1))
    Auth(other).login(world["admin"].email, PASSWORD)
    assert "Welcome" in second_step(other, "code", code(secret, 1)).get_data(as_text=True)


def test_removing_a_factor_asks_the_password_and_takes_the_codes_with_the_last(client, auth, world, db):
    auth.login(world["trainee"].email)
    enrol_app(client)
    factor = db.session.scalar(select(SecondFactor))
    page = client.get("/profile/second-factor").get_data(as_text=True)
    wrong = client.post(f"/profile/second-factor/{factor.id}/remove",
                        data={"csrf_token": csrf_token(page), "password": "nope"}, follow_redirects=True)
    assert "The password is not right." in wrong.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SecondFactor)) == 1
    done = client.post(f"/profile/second-factor/{factor.id}/remove",
                       data={"csrf_token": csrf_token(page), "password": PASSWORD}, follow_redirects=True)
    assert "The second factor is removed." in done.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SecondFactor)) == 0
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    auth.logout()
    assert "Welcome" in Auth(client).login(world["trainee"].email, PASSWORD, follow=True).get_data(as_text=True)


def test_another_persons_factor_cannot_be_removed(app, client, auth, world, db):
    other = app.test_client()
    Auth(other).login(world["admin"].email)
    enrol_app(other)
    factor = db.session.scalar(select(SecondFactor))
    auth.login(world["trainee"].email)
    page = client.get("/profile/second-factor").get_data(as_text=True)
    response = client.post(f"/profile/second-factor/{factor.id}/remove",
                           data={"csrf_token": csrf_token(page), "password": PASSWORD})
    assert response.status_code == 404
    assert db.session.scalar(select(func.count()).select_from(SecondFactor)) == 1


def test_a_new_secret_key_makes_the_app_fail_and_says_so_in_the_log(app, client, auth, world, caplog):
    auth.login(world["instructor"].email)
    secret, codes = enrol_app(client)
    auth.logout()
    app.config["SECRET_KEY"] = "another-secret"
    try:
        Auth(client).login(world["instructor"].email, PASSWORD)
        assert "That code is not right" in second_step(client, "code", code(secret, 1)).get_data(as_text=True)
        assert "enrolled under another LMS_SECRET_KEY" in caplog.text
        assert "Welcome" in second_step(client, "recovery_code", codes[0]).get_data(as_text=True)
    finally:
        app.config["SECRET_KEY"] = "test-secret"
