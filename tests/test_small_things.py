"""Small things a visitor meets on every page: the site's icon, and a course's language named in words.

Browsers ask for /favicon.ico on every page unless a page links an icon; both answer, and both may be
kept by the browser. The catalogue's cards, its language filter and the course page name a course's
language in the interface language ("English", "англійська"), not by its tag ("en").
"""
from __future__ import annotations

import re

import pytest

from tests.helpers import make_course

pytestmark = pytest.mark.db


def icon_links(html: str) -> list[str]:
    """The addresses of the page's <link rel="icon">."""
    return re.findall(r'<link rel="icon" href="([^"]+)"', html)


@pytest.mark.parametrize("role", [None, "trainee"])
def test_the_site_icon_is_served_and_cacheable(client, auth, world, role):
    if role:
        auth.login(world[role].email)
    page = client.get("/courses/").get_data(as_text=True)
    linked = icon_links(page)
    # The SVG is a static file, named with its version (?v=...).
    assert "/favicon.ico" in linked and any(href.split("?")[0].endswith(".svg") for href in linked), linked
    for url in {"/favicon.ico", *linked}:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.mimetype in ("image/vnd.microsoft.icon", "image/x-icon", "image/svg+xml"), url
        assert "no-store" not in response.headers.get("Cache-Control", ""), url  # signed in or not
    ico = client.get("/favicon.ico")
    assert ico.get_data()[:4] == b"\x00\x00\x01\x00"  # an ICO file, not an HTML page
    cache = ico.cache_control
    assert cache.public and cache.max_age >= 86400, ico.headers.get("Cache-Control")
    svg = client.get(next(href for href in linked if href.split("?")[0].endswith(".svg")))
    assert svg.get_data(as_text=True).lstrip().startswith("<svg")


def _card_languages(html: str) -> list[str]:
    return [" ".join(m.split()) for m in re.findall(r'<p class="meta">([^·<]+)', html)]


def _language_options(html: str) -> dict[str, str]:
    select = re.search(r'<select[^>]*name="language".*?</select>', html, re.S).group(0)
    return dict(re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', select))


def test_a_courses_language_is_named_in_the_interface_language(client, db):
    make_course("border-basics", "Border basics", language="en")
    make_course("ukr", "Стратегічне планування", summary="Курс українською", language="uk")
    make_course("ka-course", "საზღვრის მართვა", language="ka")

    english = client.get("/courses/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert sorted(_card_languages(english)) == ["Language: English", "Language: Georgian", "Language: Ukrainian"]
    assert _language_options(english) == {"": "Any language", "en": "English", "ka": "Georgian", "uk": "Ukrainian"}
    course_page = client.get("/courses/ukr", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert re.search(r"<dt>Language</dt><dd>Ukrainian</dd>", course_page)

    ukrainian = client.get("/courses/", headers={"Accept-Language": "uk"}).get_data(as_text=True)
    assert sorted(_card_languages(ukrainian)) == ["Мова: англійська", "Мова: грузинська", "Мова: українська"]
    options = _language_options(ukrainian)
    assert options["en"] == "англійська" and options["uk"] == "українська" and options["ka"] == "грузинська"
    course_page = client.get("/courses/border-basics", headers={"Accept-Language": "uk"}).get_data(as_text=True)
    assert re.search(r"<dt>Мова</dt><dd>англійська</dd>", course_page)
    # The filter still sends the tag.
    filtered = client.get("/courses/?language=ka", headers={"Accept-Language": "uk"}).get_data(as_text=True)
    assert "საზღვრის მართვა" in filtered and "Border basics" not in filtered
