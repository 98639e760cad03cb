"""Translation: every interface string is in every catalogue, the languages are the catalogues present, the
locale is chosen well, and the two texts outside the catalogues (the default privacy notice, the page nginx
serves when an app server dies) exist in every language (the catalogues' own checks: tests/test_translations.py)."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "lms" / "translations"
CATALOGUES = sorted(p.name for p in TRANSLATIONS.iterdir() if (p / "LC_MESSAGES" / "messages.po").is_file())


def interface_strings() -> set[tuple[str | None, str]]:
    """Every translatable string in the code and templates, as (context, text), extracted as `make
    extract-messages` does: a text with a context ("person status", "Active") is a message of its own."""
    method_map = [("lms/**.py", "python"), ("lms/**/templates/**.html", "jinja2")]
    options = {"lms/**/templates/**.html": {"extensions": "jinja2.ext.do"}}
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
                "pgettext": ((1, "c"), 2), "npgettext": ((1, "c"), 2, 3), "lazy_pgettext": ((1, "c"), 2)}
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map=options, keywords=keywords):
        found.add((context, message[0] if isinstance(message, tuple) else message))
    return found


@pytest.mark.parametrize("language", CATALOGUES)
def test_every_interface_string_has_a_translation_in_every_catalogue(language):
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalogue = read_po(f)
    translated = {}
    for message in catalogue:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        translated[(message.context, key)] = all(strings) and not message.fuzzy
    strings = interface_strings()
    assert len(strings) > 100
    missing = sorted(s for s in strings if not translated.get(s))
    assert not missing, f"{len(missing)} strings lack a {language} translation, e.g. {missing[:5]} (run make extract-messages)"


def test_browser_language_is_used_when_signed_out(client):
    html = client.get("/login", headers={"Accept-Language": "uk-UA,uk;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert 'lang="uk"' in html and "Увійти" in html


def test_english_is_the_default(client):
    html = client.get("/login", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
    assert 'lang="en"' in html and "Sign in" in html


def test_switcher_changes_language_and_profile_keeps_it(client, auth, world, db):
    from lms.auth.models import User

    auth.post("/language", {"locale": "uk", "next": "/login"}, form_page="/login")
    assert "Увійти" in client.get("/login").get_data(as_text=True)
    auth.login(world["trainee"].email)
    auth.post("/language", {"locale": "en", "next": "/"}, form_page="/")
    db.session.expire_all()
    assert db.session.get(User, world["trainee"].id).locale == "en"
    html = client.get("/profile", headers={"Accept-Language": "uk"}).get_data(as_text=True)
    assert 'lang="en"' in html  # the profile's choice wins over the browser


def test_ukrainian_pages_render_for_each_role(client, auth, world):
    for role in ("trainee", "coordinator", "admin"):
        auth.login(world[role].email)
        auth.post("/language", {"locale": "uk", "next": "/"}, form_page="/")
        for url in ("/", "/profile", "/people/", "/institutions/", "/people/new"):
            response = client.get(url)
            if response.status_code == 200:
                html = response.get_data(as_text=True)
                assert 'lang="uk"' in html and "Вийти" in html, (role, url)
        auth.logout()


def test_the_languages_are_the_catalogues_present_each_under_its_own_name(app, client):
    assert list(app.config["LANGUAGES"]) == ["en", *[c for c in CATALOGUES if c != "en"]]
    assert {"uk", "ro", "ka", "hy", "ru", "pl", "bg", "hu", "sk"} <= set(CATALOGUES)
    html = client.get("/login").get_data(as_text=True)
    for code, name in (("ka", "ქართული"), ("hy", "Հայերեն"), ("ro", "Română"), ("uk", "Українська"),
                       ("pl", "Polski"), ("hu", "Magyar")):
        assert f'<option value="{code}" lang="{code}">{name}</option>' in html


@pytest.mark.parametrize("language, words", [
    ("ka", "შესვლა"), ("hy", "Մուտք"), ("ro", "Autentificare"), ("ru", "Войти"), ("pl", "Zaloguj"),
    ("bg", "Вход"), ("hu", "Bejelentkezés"), ("sk", "Prihlásiť"),
])
def test_each_language_follows_the_browser_before_sign_in(client, language, words):
    html = client.get("/login", headers={"Accept-Language": f"{language},en;q=0.5"}).get_data(as_text=True)
    assert f'<html lang="{language}">' in html and words in html


def test_georgian_and_armenian_pages_load_their_script_font_and_no_other_page_does(client):
    english = client.get("/login").get_data(as_text=True)
    assert "georgian.css" not in english and "armenian.css" not in english
    for language, sheet, font in (("ka", "georgian.css", "noto-sans-georgian-georgian-400-normal.woff2"),
                                  ("hy", "armenian.css", "noto-sans-armenian-armenian-400-normal.woff2")):
        html = client.get("/login", headers={"Accept-Language": language}).get_data(as_text=True)
        assert f"/static/css/{sheet}" in html
        css = client.get(f"/static/css/{sheet}").get_data(as_text=True)
        assert font in css and "unicode-range" in css
        woff = client.get(f"/static/fonts/{font}")
        assert woff.status_code == 200 and woff.data[:4] == b"wOF2" and len(woff.data) < 20_000


# --- the texts outside the catalogues: the privacy notice and the page of a dead app server -----------------------

NOTICE_DIR = ROOT / "lms" / "privacy" / "notice"
UNAVAILABLE_PAGE = ROOT / "lms" / "static" / "errors" / "unavailable.html"
# English is the source: notice.md, and the body of the page outside its sections.
TRANSLATED = [c for c in CATALOGUES if c != "en"]


class _Sections(HTMLParser):
    """The `<section lang="...">` blocks of a page: for each language, its h2's text, its text, and its links."""

    def __init__(self):
        super().__init__()
        self.sections: dict[str, dict] = {}
        self._current: dict | None = None
        self._in_h2 = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and attrs.get("lang"):
            self._current = self.sections.setdefault(attrs["lang"], {"h2": "", "text": "", "links": []})
        elif self._current is not None and tag == "h2":
            self._in_h2 = True
        elif self._current is not None and tag == "a":
            self._current["links"].append(attrs.get("href"))

    def handle_endtag(self, tag):
        if tag == "section":
            self._current = None
        elif tag == "h2":
            self._in_h2 = False

    def handle_data(self, data):
        if self._current is not None:
            self._current["text"] += data
            if self._in_h2:
                self._current["h2"] += data


def _outline(markdown: str) -> tuple[int, int, int]:
    """What a translation of the notice keeps from the original: its headings, its list items, its menu path."""
    lines = markdown.splitlines()
    return (sum(line.startswith("## ") for line in lines), sum(line.startswith("- ") for line in lines),
            markdown.count("→"))


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_interface_language_has_the_privacy_notice_and_the_page_of_a_dead_server(language):
    notice = NOTICE_DIR / f"notice.{language}.md"
    assert notice.is_file(), f"lms/privacy/notice/{notice.name} is missing: {language} readers get the English notice"
    assert _outline(notice.read_text(encoding="utf-8")) == _outline((NOTICE_DIR / "notice.md").read_text(encoding="utf-8"))

    page = _Sections()
    page.feed(UNAVAILABLE_PAGE.read_text(encoding="utf-8"))
    section = page.sections.get(language)
    assert section, f'lms/static/errors/unavailable.html has no <section lang="{language}">'
    assert section["h2"].strip() and len(section["text"]) > len(section["h2"]) + 40 and section["links"] == ["/"]


@pytest.mark.parametrize("language, heading", [("ka", "რას ვინახავთ"), ("pl", "Jakie dane są przechowywane")])
def test_privacy_notice_follows_the_browser_language(client, language, heading):
    html = client.get("/privacy", headers={"Accept-Language": f"{language},en;q=0.5"}).get_data(as_text=True)
    assert f'<html lang="{language}">' in html and f"<h2>{heading}</h2>" in html
    assert "What we keep" not in html


@pytest.mark.parametrize("language", TRANSLATED)
def test_privacy_notice_is_shown_in_each_language_the_browser_asks_for(client, language):
    first_heading = next(line[3:] for line in (NOTICE_DIR / f"notice.{language}.md").read_text(encoding="utf-8")
                         .splitlines() if line.startswith("## "))
    html = client.get("/privacy", headers={"Accept-Language": language}).get_data(as_text=True)
    assert f"<h2>{first_heading}</h2>" in html


def test_templates_translate_with_a_context_and_plural_forms(app):
    """pgettext and npgettext in a template: the context's translation, the language's plural form for the
    number, the variables escaped and the result safe under autoescaping, as gettext and ngettext do."""
    from flask import render_template_string

    source = ('{{ pgettext("enrol oneself", "Enrol") }}|{{ pgettext("enrol someone", "Enrol") }}|'
              '{% for n in (1, 3, 5, 21) %}{{ npgettext("in a sentence", "%(num)d enrolment made", '
              '"%(num)d enrolments made", n) }};{% endfor %}|{{ pgettext("person status", "Active") }}|'
              '{{ _("Welcome, %(name)s", name="<b>") }}')
    with app.test_request_context(headers={"Accept-Language": "uk"}):
        text = render_template_string(source)
    enrol_self, enrol_someone, made, active, welcome = text.split("|")
    assert (enrol_self, enrol_someone) == ("Зарахуватися", "Зарахувати")
    assert made.split(";")[:-1] == ["виконано 1 зарахування", "виконано 3 зарахування", "виконано 5 зарахувань",
                                    "виконано 21 зарахування"]
    assert active == "Активний" and "&lt;b&gt;" in welcome
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert render_template_string('{{ npgettext("in a sentence", "%(num)d enrolment made", '
                                      '"%(num)d enrolments made", 1, x="<i>") }}') == "1 enrolment made"


def test_a_ukrainian_page_counts_minutes_with_the_right_plural_form(client, auth, world, course, db):
    """The quiz page's time limit in Ukrainian: 1 хвилина, 3 хвилини, 5 хвилин, 21 хвилина (one English
    "%(num)d minutes" could not say them all); in English 1 minute, 5 minutes."""
    from lms.quizzes.models import Quiz

    auth.login(world["trainee"].email)
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    quiz = db.session.query(Quiz).filter_by(slug="check").one()
    shown = {}
    for locale in ("uk", "en"):
        auth.post("/language", {"locale": locale, "next": "/"}, form_page="/")
        for minutes in (1, 3, 5, 21):
            quiz.time_limit_minutes = minutes
            db.session.commit()
            html = client.get("/courses/sample/quizzes/check").get_data(as_text=True)
            shown[locale, minutes] = re.search(r"<dd>(\d+ \w+)</dd>", html).group(1)
    assert [shown["uk", n] for n in (1, 3, 5, 21)] == ["1 хвилина", "3 хвилини", "5 хвилин", "21 хвилина"]
    assert [shown["en", n] for n in (1, 5)] == ["1 minute", "5 minutes"]


def test_wtforms_own_messages_come_in_the_viewers_language_from_a_catalogue_read_once(client, auth, world, db):
    """A field left empty is refused with WTForms' own message in the reader's language, and in another
    reader's own: the catalogue of WTForms' messages is read once per language, not on every request
    (lms.core.forms.Form)."""
    from sqlalchemy import func, select

    from lms.core.forms import wtforms_catalogue
    from lms.institutions.models import Institution
    from tests.helpers import make_user

    auth.login(make_user("olha.admin@example.org", "Olha Admin", "admin", locale="uk").email)
    wtforms_catalogue.cache_clear()
    for _ in range(3):
        page = auth.post("/institutions/new", {"code": "", "name": "New academy", "country": "UA"}).get_data(
            as_text=True).replace("&#39;", "'")
        assert "Це поле є обов'язковим." in page and "This field is required." not in page
        assert 'value="New academy"' in page  # what was typed comes back
    auth.logout()
    auth.login(world["admin"].email)
    page = auth.post("/institutions/new", {"code": "", "name": "New academy", "country": "UA"}).get_data(as_text=True)
    page = page.replace("&#39;", "'")
    assert "This field is required." in page and "обов'язковим" not in page
    assert wtforms_catalogue.cache_info().misses == 2  # Ukrainian once, English once
    stored = select(func.count()).select_from(Institution).where(Institution.name == "New academy")
    assert db.session.scalar(stored) == 0  # nothing added on the way


def test_every_form_of_the_platform_is_built_on_the_one_form_base(app):
    """Every form class (all imported by the app's views) is a `lms.core.forms.Form`, so none goes back to
    reading WTForms' catalogue on every request."""
    from flask_wtf import FlaskForm

    from lms.core.forms import Form

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ours = [c for c in subclasses(FlaskForm) if c.__module__.startswith("lms.") and c is not Form]
    assert len(ours) > 50  # the forms of every feature are imported by now
    assert [f"{c.__module__}.{c.__name__}" for c in ours if not issubclass(c, Form)] == []
