"""Personal data never travels in a URL: the people search is posted, and no link or form address on
the pages that show people carries a name or an email."""
from __future__ import annotations

import re
from urllib.parse import unquote_plus

import pytest

from tests.helpers import make_user

pytestmark = pytest.mark.db


def addresses(html: str) -> list[str]:
    """Every URL a page links to or submits to, decoded."""
    return [unquote_plus(u) for u in re.findall(r'(?:href|action|src)="([^"]*)"', html)]


def test_people_search_is_posted_and_a_name_in_the_url_does_nothing(client, auth, world):
    auth.login(world["admin"].email)
    page = client.get("/people/").get_data(as_text=True)
    assert re.search(r'<form method="post" action="/people/" class="filters" role="search"', page)
    found = auth.post("/people/", {"q": "Giorgi"}).get_data(as_text=True)
    assert world["other_trainee"].email in found and world["trainee"].email not in found
    ignored = client.get("/people/?q=Giorgi").get_data(as_text=True)
    assert world["trainee"].email in ignored  # not filtered: the search only comes by POST


def test_posted_search_pages_without_putting_the_search_in_a_url(client, auth, world, db):
    for i in range(55):
        make_user(f"officer{i:02d}@example.org", f"Officer Petrenko {i:02d}", "trainee", world["ua"], password=None)
    auth.login(world["admin"].email)
    first = auth.post("/people/", {"q": "Petrenko"}).get_data(as_text=True)
    assert "55 accounts" in first and "Page 1 of 2" in first
    assert not [u for u in addresses(first) if "Petrenko" in u]
    second = auth.post("/people/", {"q": "Petrenko", "page": "2"}).get_data(as_text=True)
    assert "Page 2 of 2" in second and "officer54@example.org" in second and world["trainee"].email not in second
    assert 'name="q" value="Petrenko"' in second  # the next page is posted with the search


def test_no_link_or_form_address_carries_a_name_or_email(client, auth, world, course, db):
    from tests.privacy.conftest import complete_sample

    complete_sample(client, auth, db, world["trainee"].email)
    trainee = world["trainee"]
    for who, urls in [
        ("admin", ["/", "/people/", f"/people/{trainee.id}/edit", f"/people/{trainee.id}/anonymise",
                   "/admin/personal-data-exports", "/courses/sample/feedback"]),
        ("coordinator", ["/people/", f"/people/{trainee.id}/edit", f"/people/{trainee.id}/enrol"]),
        ("trainee", ["/", "/my", "/profile", "/privacy", "/courses/sample"]),
    ]:
        auth.login(world[who].email)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (who, url)
            for address in addresses(response.get_data(as_text=True)):
                for private in (trainee.email, trainee.name, "Taras", world[who].email, world[who].name):
                    assert private.lower() not in address.lower(), (who, url, address)
        auth.logout()
