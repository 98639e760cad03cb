"""The documented deployment: gunicorn behind nginx, with LMS_TRUSTED_PROXIES=1.

A real nginx (Debian's, started as the current user with its files in the test's folder) forwards to
a real gunicorn. Two clients are told apart by their loopback source addresses (127.0.0.2 and
127.0.0.3): one of them exhausting its sign-in limit must not lock the other out, the audit log must
name each client's address rather than the proxy's, and a session cookie replayed from another
address is signed out whatever X-Forwarded-For that client sends. Without nginx the test skips,
except with CI set, where that is a failure (`make system-deps` installs it).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from requests.adapters import HTTPAdapter

from config import ConfigError, load_config
from tests.faults.servers import Gunicorn, Nginx
from tests.helpers import PASSWORD

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ADMIN = "admin@example.org"

# The server block of the reverse-proxy step of the operator's guide, in front of one gunicorn.
SITE = """
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
"""


class FromAddress(HTTPAdapter):
    """Connections from a chosen loopback address: a second client on the same machine."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


class Browser:
    """A person's browser, connecting from `address` to the site at `base`."""

    def __init__(self, base: str, address: str):
        self.base = base
        self.session = requests.Session()
        self.session.mount("http://", FromAddress(address))
        self.session.headers["User-Agent"] = "test-browser"

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.session.get(self.base + path, allow_redirects=False, timeout=10, **kwargs)

    def sign_in(self, email: str, password: str) -> requests.Response:
        page = self.get("/login").text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        return self.session.post(self.base + "/login", data={"email": email, "password": password,
                                                             "csrf_token": token},
                                 allow_redirects=False, timeout=10)


@pytest.fixture()
def site_behind_nginx(tmp_path):
    """gunicorn serving the app with LMS_TRUSTED_PROXIES=1, nginx in front; yields nginx's address."""
    env = {**os.environ, "LMS_ENV": "production", "LMS_SECRET_KEY": "x" * 40, "LMS_INSTANCE_PATH": str(tmp_path),
           "LMS_DATABASE_URL": f"sqlite:///{tmp_path}/prod.sqlite3", "LMS_SECURE_COOKIES": "0",
           "LMS_TRUSTED_PROXIES": "1", "LMS_LOGIN_LIMIT_PER_ADDRESS": "3 per 10 minutes",
           "LMS_PRIVACY_NOTICE_AT_SIGN_IN": "0", "LMS_LOG_LEVEL": "WARNING",
           # Production asks admins for a second factor (tests/mfa); here the admin's pages show the addresses.
           "LMS_MFA_REQUIRED_ROLES": "none"}
    subprocess.run([str(BIN / "lms"), "init", "--no-courses"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run([str(BIN / "lms"), "users", "create", "--email", ADMIN, "--name", "Site Admin", "--role", "admin",
                    "--password", PASSWORD], env=env, cwd=ROOT, check=True, capture_output=True)
    gunicorn = Gunicorn(env, tmp_path)
    try:
        proxy = Nginx(tmp_path / "nginx", lambda port: SITE.format(port=port, upstream=gunicorn.port))
        try:
            yield proxy.url
        finally:
            proxy.stop()
    finally:
        gunicorn.stop()


@pytest.mark.slow
def test_behind_nginx_each_client_has_its_own_address(site_behind_nginx):
    first, second = Browser(site_behind_nginx, "127.0.0.2"), Browser(site_behind_nginx, "127.0.0.3")
    # The first client uses up the limit of its address (3 failures) ...
    for n in range(3):
        assert first.sign_in(f"nobody{n}@example.org", "wrong-password").status_code == 200
    blocked = first.sign_in(ADMIN, PASSWORD)
    assert blocked.status_code == 429 and "from your network" in blocked.text
    # ... and only its own: the admin signs in from the second address with the right password.
    assert second.sign_in(ADMIN, PASSWORD).status_code == 302
    # The audit log names each client's address, never the proxy's.
    log = second.get("/admin/audit/")
    assert log.status_code == 200
    assert "127.0.0.3" in log.text and "127.0.0.2" in log.text
    assert "127.0.0.1" not in log.text


@pytest.mark.slow
def test_behind_nginx_a_stolen_session_is_refused_whatever_address_it_claims(site_behind_nginx):
    owner = Browser(site_behind_nginx, "127.0.0.2")
    assert owner.sign_in(ADMIN, PASSWORD).status_code == 302
    assert owner.get("/admin/audit/").status_code == 200
    thief = Browser(site_behind_nginx, "127.0.0.3")
    thief.session.cookies.update(owner.session.cookies)
    # Claiming to be the owner's address: nginx appends the real one, and only that is believed.
    stolen = thief.get("/admin/audit/", headers={"X-Forwarded-For": "127.0.0.2"})
    assert stolen.status_code == 302 and "/login" in stolen.headers["Location"]


def test_trusted_proxies_is_a_count_of_zero_or_more(tmp_path, monkeypatch):
    monkeypatch.delenv("LMS_TRUSTED_PROXIES", raising=False)
    assert load_config(INSTANCE_PATH=str(tmp_path))["TRUSTED_PROXIES"] == 0
    monkeypatch.setenv("LMS_TRUSTED_PROXIES", "2")
    assert load_config(INSTANCE_PATH=str(tmp_path))["TRUSTED_PROXIES"] == 2
    for wrong in ("-1", "nginx"):
        monkeypatch.setenv("LMS_TRUSTED_PROXIES", wrong)
        with pytest.raises(ConfigError, match="LMS_TRUSTED_PROXIES"):
            load_config(INSTANCE_PATH=str(tmp_path))
