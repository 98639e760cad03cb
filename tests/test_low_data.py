"""Low-data mode: images sent as their alternative text and a link that opens them; a profile setting and a
switch in every page's footer, for visitors too (in their session)."""
from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from lms.auth.models import User
from lms.core.lowdata import SESSION_KEY
from lms.core.markdown import ImageSet, render_markdown, without_images
from lms.privacy.queries import personal_data
from tests.helpers import csrf_token

pytestmark = pytest.mark.db

BASE = "/courses/c/assets/m"


def switch(client, mode: str, page: str = "/courses/"):
    """Press the footer's switch on `page`, as a person would."""
    html = client.get(page).get_data(as_text=True)
    form = re.search(r'<form method="post" action="/low-data".*?</form>', html, re.S).group(0)
    assert f'name="mode" value="{mode}"' in form
    return client.post("/low-data", data={"csrf_token": csrf_token(html), "mode": mode, "next": page})


def lesson_image_tags(html: str) -> list[str]:
    lesson = re.search(r'<article class="lesson".*?</article>', html, re.S).group(0)
    return re.findall(r"<img\b[^>]*>", lesson)


@pytest.fixture()
def enrolled(client, auth, world, course):
    auth.login(world["trainee"].email)
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    return world["trainee"]


# --- the rendering ---------------------------------------------------------------------------------------------

def test_images_become_their_alt_text_and_a_link_that_opens_them():
    images = (ImageSet("map.webp", 1200, 800, (("map.w600.webp", 600),)),)
    text = "See ![The river crossing](map.webp) and ![](pixel.png), then <img src=\"raw.png\" alt=\"Raw <b>\">."
    full = str(render_markdown(text, asset_base=BASE, images=images, versions=(("map.webp", "abc123abc123"),),
                               low_data=False))
    assert full.count("<img") == 3 and f'src="{BASE}/map.webp?v=abc123abc123"' in full
    light = str(render_markdown(text, asset_base=BASE, images=images, versions=(("map.webp", "abc123abc123"),),
                                low_data=True))
    assert "<img" not in light and "srcset" not in light
    assert (f'<span class="image-off">The river crossing <a href="{BASE}/map.webp?v=abc123abc123">Show image'
            f'<span class="visually-hidden">: The river crossing</span></a></span>') in light
    assert f'An image without a description. <a href="{BASE}/pixel.png">' in light
    # An alt text holding markup stays text.
    assert "Raw &lt;b&gt;" in light and "<b>" not in light and f'href="{BASE}/raw.png"' in light


def test_an_image_inside_a_link_becomes_its_text_without_a_second_link():
    light = str(render_markdown("[![Logo](logo.png)](https://example.org) after", asset_base=BASE, low_data=True))
    assert "<img" not in light and light.count("<a ") == 1
    assert '<span class="image-off">Logo</span></a> after' in light


def test_text_that_only_looks_like_an_image_is_left_alone():
    text = "Write `<img src=x>` or &lt;img&gt; in code; an <abbr title=\"a > b\">abbr</abbr>."
    assert str(render_markdown(text, low_data=True)) == str(render_markdown(text, low_data=False))


def test_the_replacement_takes_linear_time_on_many_images():
    html = '<p><img alt="x" src="/a.png"></p>' * 20_000
    out = str(without_images(html))
    assert out.count('class="image-off"') == 20_000


def test_outside_a_request_images_are_sent():
    assert "<img" in str(render_markdown("![a](b.png)"))


# --- the switch and the setting ---------------------------------------------------------------------------------

def test_a_visitor_switches_it_on_and_off_in_their_session(app, client):
    page = client.get("/courses/").get_data(as_text=True)
    assert "Low-data mode: off" in page and ">Turn on</button>" in page
    answer = switch(client, "on")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/courses/")
    assert "Low-data mode: on" in client.get("/courses/").get_data(as_text=True)
    with client.session_transaction() as session:
        assert session[SESSION_KEY] is True
    with app.test_request_context():
        from flask import session as request_session

        request_session[SESSION_KEY] = True
        assert "<img" not in str(render_markdown("![a](b.png)"))
    switch(client, "off")
    assert "Low-data mode: off" in client.get("/courses/").get_data(as_text=True)


def test_in_low_data_mode_the_lesson_shows_the_alt_text_and_a_link_instead_of_the_image(client, enrolled, db):
    normal = client.get("/courses/sample/lessons/intro").get_data(as_text=True)
    [img] = lesson_image_tags(normal)
    src = unescape(re.search(r'src="([^"]+)"', img).group(1))
    assert switch(client, "on", "/courses/sample/lessons/intro").status_code == 302
    assert db.session.scalar(select(User.low_data_mode).where(User.id == enrolled.id)) is True
    light = client.get("/courses/sample/lessons/intro").get_data(as_text=True)
    assert lesson_image_tags(light) == []
    link = re.search(r'<span class="image-off">a pixel <a href="([^"]+)">Show image', light)
    assert link and unescape(link.group(1)) == src
    assert client.get(src).status_code == 200  # the link opens the image
    assert len(light) < len(normal) + 200
    switch(client, "off", "/courses/sample/lessons/intro")
    assert db.session.scalar(select(User.low_data_mode).where(User.id == enrolled.id)) is False
    assert len(lesson_image_tags(client.get("/courses/sample/lessons/intro").get_data(as_text=True))) == 1


def test_the_profile_keeps_the_setting_and_it_follows_the_person(app, client, auth, world, db):
    auth.login(world["trainee"].email)
    page = client.get("/profile").get_data(as_text=True)
    assert 'id="low_data_mode"' in page and "Low-data mode" in page
    answer = auth.post("/profile", {"name": "Taras Trainee", "locale": "", "timezone": "", "low_data_mode": "y"})
    assert answer.status_code == 302
    assert db.session.scalar(select(User.low_data_mode).where(User.email == world["trainee"].email)) is True
    box = re.search(r'<input[^>]*id="low_data_mode"[^>]*>', client.get("/profile").get_data(as_text=True)).group(0)
    assert " checked " in box and 'aria-describedby="low_data_mode-hint"' in box
    # Another browser: the same choice, from the profile.
    other = app.test_client()
    from tests.helpers import Auth

    Auth(other).login(world["trainee"].email)
    assert "Low-data mode: on" in other.get("/courses/").get_data(as_text=True)
    auth.post("/profile", {"name": "Taras Trainee", "locale": "", "timezone": ""})
    assert db.session.scalar(select(User.low_data_mode).where(User.email == world["trainee"].email)) is False


def test_the_setting_is_in_the_personal_data_download_and_goes_with_anonymisation(world, db):
    trainee = world["trainee"]
    assert personal_data(trainee)["profile"][0]["low_data_mode"] is False
    trainee.low_data_mode = True
    db.session.commit()
    assert personal_data(trainee)["profile"][0]["low_data_mode"] is True
    from lms.privacy.services import anonymise_user

    anonymise_user(trainee, world["admin"])
    db.session.expire_all()
    assert db.session.get(User, trainee.id).low_data_mode is False
