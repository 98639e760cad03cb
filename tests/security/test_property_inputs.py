"""Property tests: forms and commands given empty, huge, wrong-type and Unicode edge values answer
with a clear message (never a server error) and change nothing they should not."""
from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from lms.auth.models import User
from lms.institutions.models import Institution

pytestmark = pytest.mark.db

EDGE = st.one_of(
    st.just(""), st.just(" "), st.just("\x00"), st.just("\u202e\u200b"), st.just("ĳ\u0301"), st.just("🛂" * 300),
    st.just("a" * 5000), st.just("-1"), st.just("1e309"), st.just("NaN"), st.just("[]"), st.just("{}"),
    st.just("' OR 1=1 --"), st.just("<script>"), st.text(max_size=300),
)
SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def nul_refused(response, *values) -> bool:
    """Input with a NUL character is refused whole with a clear 400 page."""
    if any("\x00" in (v if isinstance(v, str) else "".join(v)) for v in values):
        assert response.status_code == 400
        assert "not allowed (NUL)" in response.get_data(as_text=True)
        return True
    return False


def token(client, url):
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)


@SETTINGS
@given(email=EDGE, name=EDGE, role=EDGE, institution=EDGE)
def test_people_form_never_fails_and_bad_input_creates_nothing(client, auth, world, db, email, name, role, institution):
    if not client.get("/people/new").status_code == 200:
        auth.login(world["admin"].email)
    before = db.session.scalar(select(func.count()).select_from(User))
    response = client.post("/people/new", data={"email": email, "name": name, "role": role,
                                                 "institution_id": institution, "locale": "",
                                                 "csrf_token": token(client, "/people/new")})
    if nul_refused(response, email, name, role, institution):
        assert db.session.scalar(select(func.count()).select_from(User)) == before
        return
    assert response.status_code in (200, 400), response.status_code
    text = response.get_data(as_text=True)
    created = db.session.scalar(select(func.count()).select_from(User)) - before
    if created:
        assert "/set-password/" in text
    else:
        assert "Please correct the marked fields." in text or 'class="error"' in text


@SETTINGS
@given(code=EDGE, name=EDGE, country=EDGE)
def test_institution_form_never_fails(client, auth, world, db, code, name, country):
    if not client.get("/institutions/new").status_code == 200:
        auth.login(world["admin"].email)
    before = db.session.scalar(select(func.count()).select_from(Institution))
    response = client.post("/institutions/new", data={"code": code, "name": name, "country": country,
                                                      "csrf_token": token(client, "/institutions/new")})
    if nul_refused(response, code, name, country):
        return
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert db.session.scalar(select(func.count()).select_from(Institution)) == before


@SETTINGS
@given(email=EDGE, password=EDGE)
def test_sign_in_never_fails(client, world, email, password):
    response = client.post("/login", data={"email": email, "password": password, "csrf_token": token(client, "/login")})
    if not nul_refused(response, email, password):
        assert response.status_code in (200, 302, 429)


@SETTINGS
@given(q=EDGE, language=EDGE, topic=EDGE, page=EDGE)
def test_catalogue_and_searches_never_fail(client, course, q, language, topic, page):
    response = client.get("/courses/", query_string={"q": q, "language": language, "topic": topic, "page": page})
    if not nul_refused(response, q, language, topic, page):
        assert response.status_code == 200


@SETTINGS
@given(values=st.lists(EDGE, max_size=4), slug=st.sampled_from(["q-single", "q-multi", "q-tf", "q-short", "q-num",
                                                                "nope"]))
def test_quiz_answers_never_fail(client, auth, world, course, db, values, slug):
    if client.get("/my").status_code != 200:
        auth.login(world["trainee"].email)
        auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    from tests.helpers import start_attempt

    attempt_id = start_attempt(auth, "sample", "check")
    response = client.post(f"/attempts/{attempt_id}", data={"questions": [slug], f"a-{slug}": values,
                                                            "csrf_token": token(client, f"/attempts/{attempt_id}")})
    if not nul_refused(response, values):
        assert response.status_code in (302, 400)


@SETTINGS
@given(code=EDGE, name=EDGE, country=EDGE)
def test_cli_input_gives_an_error_not_a_crash(app, db, code, name, country):
    import click

    result = app.test_cli_runner().invoke(args=["institutions", "add", "--code", code, "--name", name,
                                                "--country", country])
    assert result.exception is None or isinstance(result.exception, (SystemExit, click.ClickException)), \
        repr(result.exception)
