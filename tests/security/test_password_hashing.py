"""Passwords are stored as argon2id at OWASP's cost or more; hashes of before are replaced at sign-in."""
from __future__ import annotations

import pytest
from werkzeug.security import generate_password_hash

from config import ARGON2_FLOOR, ConfigError, load_config
from lms.core.security import check_password, hash_password
from tests.helpers import PASSWORD, make_user

pytestmark = pytest.mark.db

OWASP = "$argon2id$v=19$m=19456,t=2,p=1$"


def test_the_default_cost_is_owasps_argon2id(app, db, monkeypatch, tmp_path):
    defaults = load_config(INSTANCE_PATH=str(tmp_path), SECRET_KEY="x")
    for key in ARGON2_FLOOR:
        monkeypatch.setitem(app.config, key, defaults[key])
    stored = hash_password(PASSWORD)
    assert stored.startswith(OWASP) and PASSWORD not in stored
    assert check_password(stored, PASSWORD) and not check_password(stored, PASSWORD + "x")


@pytest.mark.parametrize("setting, value", [("LMS_PASSWORD_HASH_MEMORY_KIB", "8192"),
                                            ("LMS_PASSWORD_HASH_TIME_COST", "1")])
def test_production_refuses_to_start_below_the_floor(monkeypatch, tmp_path, setting, value):
    monkeypatch.setenv(setting, value)
    with pytest.raises(ConfigError, match=setting):
        load_config(ENV="production", INSTANCE_PATH=str(tmp_path), SECRET_KEY="x" * 40)
    assert load_config(INSTANCE_PATH=str(tmp_path), SECRET_KEY="x")[setting[4:]] == int(value)  # elsewhere allowed


def test_production_refuses_a_cheap_override_too(tmp_path):
    with pytest.raises(ConfigError, match="LMS_PASSWORD_HASH_TIME_COST"):
        load_config(ENV="production", INSTANCE_PATH=str(tmp_path), SECRET_KEY="x" * 40, PASSWORD_HASH_TIME_COST=1)
    assert load_config(ENV="production", INSTANCE_PATH=str(tmp_path), SECRET_KEY="x" * 40,
                       PASSWORD_HASH_MEMORY_KIB=64 * 1024)["PASSWORD_HASH_MEMORY_KIB"] == 64 * 1024


@pytest.mark.parametrize("old", ["scrypt", "pbkdf2:sha256:1000"])
def test_a_hash_of_before_signs_in_and_is_replaced_by_argon2id(client, auth, db, world, old):
    trainee = world["trainee"]
    trainee.password_hash = generate_password_hash(PASSWORD, method=old)
    db.session.commit()
    assert auth.login(trainee.email).headers["Location"] == "/"
    db.session.refresh(trainee)
    assert trainee.password_hash.startswith("$argon2id$")
    auth.logout()
    assert auth.login(trainee.email).headers["Location"] == "/"  # the new hash opens the account


def test_a_wrong_password_never_replaces_the_hash(client, auth, db, world):
    trainee = world["trainee"]
    old = trainee.password_hash = generate_password_hash(PASSWORD, method="scrypt")
    db.session.commit()
    assert auth.login(trainee.email, "not-the-password").status_code == 200
    db.session.refresh(trainee)
    assert trainee.password_hash == old


def test_a_raised_cost_reaches_the_hash_at_the_next_sign_in(app, client, auth, db, world, monkeypatch):
    trainee = world["trainee"]
    cheap = trainee.password_hash
    monkeypatch.setitem(app.config, "PASSWORD_HASH_MEMORY_KIB", 16)
    assert auth.login(trainee.email).headers["Location"] == "/"
    db.session.refresh(trainee)
    assert trainee.password_hash != cheap and "$m=16,t=1,p=1$" in trainee.password_hash
    auth.logout()
    current = trainee.password_hash
    assert auth.login(trainee.email).headers["Location"] == "/"
    db.session.refresh(trainee)
    assert trainee.password_hash == current  # at the configured cost already: left as it is


def test_every_way_of_setting_a_password_stores_argon2id(client, auth, db, world):
    from lms.auth.services import issue_password_link
    from lms.people.services import set_password

    made = make_user("new@example.org", "New Person", "trainee", world["ua"])  # the CLI's and demo's create_user
    assert made.password_hash.startswith("$argon2id$")
    set_password(world["instructor"], "another-long-secret")  # `lms users set-password`
    assert world["instructor"].password_hash.startswith("$argon2id$")
    token = issue_password_link(world["other_trainee"], world["admin"])
    auth.post(f"/set-password/{token}", {"password": "a-brand-new-secret", "confirm": "a-brand-new-secret"})
    db.session.refresh(world["other_trainee"])
    assert world["other_trainee"].password_hash.startswith("$argon2id$")


def test_an_unknown_account_costs_a_check_at_the_same_cost(app, db, monkeypatch):
    from lms.core import security

    costs = []
    real = security._verify_argon2
    monkeypatch.setattr(security, "_verify_argon2", lambda cost, stored, password: costs.append(stored)
                        or real(cost, stored, password))
    assert not check_password(None, PASSWORD)
    assert costs and costs[0].startswith(f"$argon2id$v=19$m={app.config['PASSWORD_HASH_MEMORY_KIB']},t="
                                         f"{app.config['PASSWORD_HASH_TIME_COST']},p=1$")
