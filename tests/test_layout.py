"""The base layout: small, accessible, no inline script, security headers, friendly error pages."""
from __future__ import annotations

import re

import pytest
from sqlalchemy.exc import OperationalError

from lms.core.counters import Counters
from lms.core.headers import CSP
from tests.helpers import make_user


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


def test_the_outage_page_needs_no_database_and_speaks_the_persons_language(client, auth, db, monkeypatch, caplog):
    """The database stops answering when a signed-in person's account is read: the 503 page is made without
    it (no account, no menu), in the language of their profile (kept in their session), not their browser's."""
    import lms.auth.views as auth_views

    make_user("olena@example.org", "Olena", "instructor", locale="uk")
    auth.login("olena@example.org")
    assert 'lang="uk"' in client.get("/profile", headers={"Accept-Language": "en"}).get_data(as_text=True)

    def unreachable(*_args):
        raise OperationalError("SELECT users", {}, Exception("connection failed: Connection refused"))

    monkeypatch.setattr(auth_views, "signed_in_user", unreachable)
    page = client.get("/profile", headers={"Accept-Language": "en"})
    body = page.get_data(as_text=True)
    assert page.status_code == 503 and page.headers["Retry-After"] == "30"
    assert '<html lang="uk">' in body and "Тимчасово недоступно" in body and "Olena" not in body
    reference = re.search(r"Код помилки: ([0-9a-f]{12})", body).group(1)
    assert f"error {reference} on GET /profile: the database does not answer" in caplog.text
    assert page.headers["Cache-Control"] == "no-store" and "Connection refused" not in body
    missing = client.get("/no-such-page")  # an error page of the frame, which reads the account: made bare
    assert missing.status_code == 404 and "Сторінку не знайдено" in missing.get_data(as_text=True)


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok", "database": "ok"}


def test_readyz_checks_the_database_and_redis_when_it_is_used(app, client, monkeypatch):
    """/readyz: Redis is "not used" while the sign-in counts are kept in memory; pointed at a port where
    nothing listens, it is named as what failed (a real outage: tests/faults)."""
    ready = client.get("/readyz")
    assert (ready.status_code, ready.json) == (200, {"database": "ok", "redis": "not used", "status": "ok"})
    assert ready.headers["Cache-Control"] == "no-store"
    monkeypatch.setitem(app.extensions, "lms.counters", Counters("redis://127.0.0.1:1/0"))
    ready = client.get("/readyz")
    assert (ready.status_code, ready.json) == (503, {"database": "ok", "redis": "unreachable", "status": "error"})
    assert client.get("/healthz").status_code == 200  # the site itself still works without Redis


HEADER_LINKS = {  # link text -> its address, as the header shows them in English
    "Home": "/", "Courses": "/courses/", "My learning": "/my", "Authoring": "/author/", "People": "/people/",
    "Institutions": "/institutions/", "Audit log": "/admin/audit/", "Reports": "/reports/", "Profile": "/profile",
    "Sign in": "/login",
}
EXPECTED_LINKS = {
    None: {"Home", "Courses", "Sign in"},
    "trainee": {"Home", "Courses", "My learning", "Profile"},
    "instructor": {"Home", "Courses", "My learning", "Authoring", "Profile"},
    "coordinator": {"Home", "Courses", "My learning", "People", "Reports", "Profile"},
    "admin": {"Home", "Courses", "My learning", "Authoring", "People", "Institutions", "Audit log", "Reports",
              "Profile"},
}


def _header(html: str) -> str:
    return html[html.index("<header"):html.index("</header>")]


def test_header_and_footer_links_follow_each_visitors_rights(client, auth, world):
    """The frame is rendered once per set of rights and language: visitors taking turns (and the
    same visitor twice) each see their own links, never those of the visitor before."""
    for _round in range(2):
        for role, expected in EXPECTED_LINKS.items():
            if role:
                auth.login(world[role].email)
            html = client.get("/courses/").get_data(as_text=True)
            header = _header(html)
            shown = {text for text, url in HEADER_LINKS.items() if f'<a href="{url}">{text}</a>' in header}
            assert shown == expected, role
            assert ("Sign out" in header) is bool(role)
            footer = html[html.index("<footer"):]
            assert '<a href="/privacy">Privacy notice</a>' in footer
            assert ("Personal data exports" in footer) is (role == "admin")
            assert (f"Signed in as {world[role].name}." in footer) if role else ("Signed in as" not in footer)
            if role:
                auth.logout()


def test_language_switcher_marks_the_language_in_use(client, auth, world):
    for language, other in (("uk", "en"), ("en", "uk"), ("uk", "en")):
        header = _header(client.get("/", headers={"Accept-Language": language}).get_data(as_text=True))
        assert f'<option value="{language}" lang="{language}" selected>' in header
        assert f'<option value="{other}" lang="{other}">' in header
        home = "Головна" if language == "uk" else "Home"
        assert f'<a href="/">{home}</a>' in header
