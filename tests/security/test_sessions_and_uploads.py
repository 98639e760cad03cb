"""Sessions renewed at sign-in and cleared at sign-out; uploads limited in size and checked for bombs."""
from __future__ import annotations

import io
import re
import zipfile

import pytest

from tests.helpers import make_staff

pytestmark = pytest.mark.db


def session_cookie(client) -> str | None:
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def test_the_session_is_renewed_at_sign_in_and_cleared_at_sign_out(client, auth, world):
    client.get("/login")
    before = session_cookie(client)
    auth.login(world["trainee"].email)
    during = session_cookie(client)
    assert before and during and before != during
    # The pre-sign-in session cannot be replayed to act as the user.
    other = client.application.test_client()
    other.set_cookie("session", before)
    assert other.get("/profile").status_code == 302
    auth.logout()
    assert client.get("/profile").status_code == 302


def test_cookies_are_secure_in_production(tmp_path, monkeypatch):
    from config import load_config

    monkeypatch.setenv("LMS_ENV", "production")
    monkeypatch.setenv("LMS_SECRET_KEY", "x" * 40)
    config = load_config(INSTANCE_PATH=str(tmp_path))
    assert config["SESSION_COOKIE_SECURE"] and config["SESSION_COOKIE_HTTPONLY"]
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax" and config["REMEMBER_COOKIE_SECURE"]


def _upload(client, data: bytes):
    page = client.get("/author/upload").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    return client.post("/author/upload", data={"csrf_token": token, "file": (io.BytesIO(data), "course.zip")},
                       content_type="multipart/form-data")


def test_zip_bomb_is_refused(client, auth, world, course):
    make_staff(course, world["instructor"])
    auth.login(world["instructor"].email)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("sample/course.yaml", b"slug: sample\n")
        archive.writestr("sample/01-a/01-big.md", b"a" * 50_000_000)  # 50 MB of one letter: ~50 KB zipped
    response = _upload(client, buffer.getvalue())
    assert response.status_code == 400 and "zip bomb" in response.get_data(as_text=True)


def test_too_large_an_upload_is_refused_back_on_its_form(app, client, auth, world, monkeypatch):
    """Refused before it is read (Werkzeug's 413), and answered on the form with the limit, not an error page
    (tests/test_upload_limit.py covers every upload form)."""
    from lms.catalog.models import Course

    auth.login(world["instructor"].email)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024 * 1024)
    response = _upload(client, b"x" * (2 * 1024 * 1024))
    assert response.status_code == 303 and response.headers["Location"] == "/author/upload"
    assert "more than 1 MB" in client.get("/author/upload").get_data(as_text=True)
    assert Course.query.count() == 0
