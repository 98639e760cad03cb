"""Translation: every interface string is in the Ukrainian catalogue, and the locale is chosen well."""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "lms" / "translations" / "uk" / "LC_MESSAGES" / "messages.po"


def interface_strings() -> set[str]:
    """Every translatable string in the code and templates, extracted as `make extract-messages` does."""
    method_map = [("lms/**.py", "python"), ("lms/**/templates/**.html", "jinja2")]
    options = {"lms/**/templates/**.html": {"extensions": "jinja2.ext.do"}}
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map=options, keywords=keywords):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_interface_string_has_a_ukrainian_translation():
    with CATALOGUE.open("rb") as f:
        catalogue = read_po(f)
    translated = {}
    for message in catalogue:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        translated[key] = all(strings) and not message.fuzzy
    strings = interface_strings()
    assert len(strings) > 100
    missing = sorted(s for s in strings if not translated.get(s))
    assert not missing, f"{len(missing)} strings lack a Ukrainian translation, e.g. {missing[:5]} (run make extract-messages)"


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
