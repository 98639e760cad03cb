"""The public verification page shows only what confirms a certificate, and is never cached; other
pages with personal data are not cached either."""
from __future__ import annotations

import re

import pytest

from lms.privacy.names import holder_for_verification, initials
from tests.helpers import csrf_token
from tests.privacy.conftest import complete_sample

pytestmark = pytest.mark.db


def facts(html: str) -> dict[str, str]:
    """The <dt>/<dd> pairs of the page."""
    return dict(re.findall(r"<dt>([^<]+)</dt><dd>(?:<code>)?([^<]*)", html))


@pytest.fixture()
def code(client, auth, world, course, db):
    from sqlalchemy import select

    from lms.learning.models import Certificate

    complete_sample(client, auth, db, world["trainee"].email)
    return db.session.scalar(select(Certificate.code))


def test_verify_shows_initials_by_default_and_only_the_needed_facts(client, world, code):
    response = client.get(f"/verify/{code}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "This certificate is valid." in html
    shown = facts(html)
    # The sample course's certificates are valid for a period, hence "Valid until".
    assert set(shown) == {"Holder", "Course", "Institution", "Date of completion", "Valid until", "Verification code"}
    assert shown["Holder"] == "T. T." and shown["Course"] == "Sample course" and shown["Verification code"] == code
    for private in ("Taras", "Trainee", world["trainee"].email, "Score", "%", "Feedback"):
        assert private not in html.split("<main", 1)[1].split("</main>", 1)[0], private


def test_operator_may_choose_the_full_name(app, client, world, code, monkeypatch):
    monkeypatch.setitem(app.config, "VERIFY_SHOWS", "name")
    assert facts(client.get(f"/verify/{code}").get_data(as_text=True))["Holder"] == "Taras Trainee"


def test_verify_pages_are_never_cached_even_for_visitors(client, world, code):
    assert client.get(f"/verify/{code}").headers["Cache-Control"] == "no-store"
    unknown = client.get("/verify/no-such-code")
    assert unknown.status_code == 404 and unknown.headers["Cache-Control"] == "no-store"


def test_set_password_page_shows_an_email_and_is_never_cached(client, world, db):
    from lms.auth.services import issue_password_link

    token = issue_password_link(world["trainee"], None)
    page = client.get(f"/set-password/{token}")
    assert world["trainee"].email in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"


def test_pages_with_personal_data_are_not_cached(client, auth, world, code):
    auth.login(world["admin"].email)
    for url in ("/profile", "/people/", f"/people/{world['trainee'].id}/edit", "/admin/personal-data-exports",
                f"/people/{world['trainee'].id}/anonymise", "/my", "/privacy"):
        assert client.get(url).headers.get("Cache-Control") == "no-store", url
    page = client.get("/profile").get_data(as_text=True)
    download = client.post("/profile/data", data={"format": "json", "csrf_token": csrf_token(page)})
    assert download.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(("name", "expected"), [
    ("Taras Trainee", "T. T."),
    ("Тарас Шевченко", "Т. Ш."),
    ("ნინო ბერიძე", "ნ. ბ."),
    ("Maria-Magdalena  Popescu", "M.-M. P."),
    ("anna", "a."),
    ("", None),
    (None, None),
])
def test_initials_in_any_script(name, expected):
    assert initials(name) == expected
    assert holder_for_verification(name, "initials") == expected
    assert holder_for_verification(name, "name") == (name or None)
