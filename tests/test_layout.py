"""The base layout: small, accessible, no inline script, security headers, friendly error pages."""
from __future__ import annotations

import re

import pytest

from lms.core.headers import CSP


def test_home_page_is_small_with_its_css(client):
    html = client.get("/").data
    css = client.get("/static/css/site.css").data
    assert len(html) + len(css) < 30 * 1024, (len(html), len(css))


def test_pages_have_landmarks_skip_link_and_language(client):
    html = client.get("/login").get_data(as_text=True)
    assert re.search(r'<html lang="en">', html)
    assert '<a class="skip-link" href="#main">' in html and '<main id="main"' in html
    assert "<header" in html and "<nav aria-label=" in html and "<footer" in html
    for field_id in ("email", "password"):  # every input has a label
        assert f'<label for="{field_id}">' in html


def test_no_inline_script_or_style_and_no_outside_requests(client):
    html = client.get("/login").get_data(as_text=True)
    assert "<script" not in html and "style=" not in html and "<style" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_security_headers_on_every_response(client):
    for url in ("/", "/login", "/static/css/site.css", "/does-not-exist"):
        headers = client.get(url).headers
        assert headers["Content-Security-Policy"] == CSP
        assert "frame-ancestors 'none'" in CSP and "script-src 'self'" in CSP and "unsafe-inline" not in CSP
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in headers  # only in production


def test_signed_in_pages_are_not_cached(client, auth, world):
    auth.login(world["trainee"].email)
    assert client.get("/profile").headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("url,method,code,text", [
    ("/no-such-page", "get", 404, "Page not found"),
    ("/logout", "get", 405, "Not allowed"),
    ("/login", "post", 400, "Bad request"),
])
def test_error_pages_are_friendly(client, url, method, code, text):
    response = getattr(client, method)(url)
    body = response.get_data(as_text=True)
    assert response.status_code == code and text in body and "Traceback" not in body
    assert '<a href="/">' in body


def test_403_and_413_and_500_pages(app, client, auth, world):
    auth.login(world["trainee"].email)
    forbidden = client.get("/people/")
    assert forbidden.status_code == 403 and "Access denied" in forbidden.get_data(as_text=True)
    big = client.post("/login", data=b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1),
                      content_type="application/octet-stream")
    assert big.status_code == 413 and "File too large" in big.get_data(as_text=True)


def test_unexpected_error_shows_reference_not_traceback(app, client, caplog, monkeypatch):
    import lms.main.views as views

    def broken():
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "published_courses", broken)
    response = client.get("/")
    body = response.get_data(as_text=True)
    assert response.status_code == 500 and "Something went wrong" in body
    assert "boom" not in body and "Traceback" not in body
    reference = re.search(r"Error reference: ([0-9a-f]{12})", body).group(1)
    assert reference in caplog.text


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok", "database": "ok"}
