"""The privacy notice: linked from every page, the operator's own text, and shown after the first
sign-in until the user says they have read it."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.auth.models import User
from tests.helpers import PASSWORD, csrf_token

pytestmark = pytest.mark.db


@pytest.fixture()
def notice_at_sign_in(app, monkeypatch):
    """Sign-in as in production: the notice comes first (the other test modules turn it off)."""
    monkeypatch.setitem(app.config, "PRIVACY_NOTICE_AT_SIGN_IN", True)


def sign_in(client, email: str, next_url: str | None = None):
    page = client.get("/login")
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": email, "password": PASSWORD,
                                  "csrf_token": csrf_token(page.get_data(as_text=True))})


def test_every_page_links_the_notice(client, auth, world, course):
    for url in ("/", "/login", "/courses/", "/courses/sample", "/verify/unknown", "/no-such-page"):
        assert 'href="/privacy"' in client.get(url).get_data(as_text=True), url
    auth.login(world["trainee"].email)
    for url in ("/my", "/profile"):
        assert 'href="/privacy"' in client.get(url).get_data(as_text=True), url


def test_default_notice_says_what_is_kept_and_the_rights_in_both_languages(client, db):
    english = client.get("/privacy").get_data(as_text=True)
    assert "<h2>What we keep</h2>" in english and "Your rights" in english
    assert "I have read it" not in english  # nothing to acknowledge for visitors
    ukrainian = client.get("/privacy", headers={"Accept-Language": "uk"}).get_data(as_text=True)
    assert "<h2>Що ми зберігаємо</h2>" in ukrainian


def test_operator_notice_from_a_markdown_file(app, client, db, tmp_path, monkeypatch):
    own = tmp_path / "notice.md"
    own.write_text("## Our academy's notice\n\nWrite to <script>x</script>**dpo@academy.example**.\n")
    (tmp_path / "notice.uk.md").write_text("## Повідомлення академії\n")
    monkeypatch.setitem(app.config, "PRIVACY_NOTICE_FILE", str(own))
    page = client.get("/privacy").get_data(as_text=True)
    assert "<h2>Our academy&#39;s notice</h2>" in page or "<h2>Our academy's notice</h2>" in page
    assert "<strong>dpo@academy.example</strong>" in page and "<script>x" not in page  # sanitised
    assert "Повідомлення академії" in client.get("/privacy", headers={"Accept-Language": "uk"}).get_data(as_text=True)
    monkeypatch.setitem(app.config, "PRIVACY_NOTICE_FILE", str(tmp_path / "missing.md"))
    assert "What we keep" in client.get("/privacy").get_data(as_text=True)  # the shipped text, not an error


def test_first_sign_in_shows_the_notice_then_goes_where_the_user_was_going(client, world, db, notice_at_sign_in):
    response = sign_in(client, world["trainee"].email, next_url="/profile")
    assert response.status_code == 302 and response.headers["Location"] == "/privacy?next=/profile"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "I have read it" in page and 'name="next" type="hidden" value="/profile"' in page
    done = client.post("/privacy/acknowledge", data={"next": "/profile", "csrf_token": csrf_token(page)})
    assert done.status_code == 302 and done.headers["Location"] == "/profile"
    db.session.expire_all()
    user = db.session.get(User, world["trainee"].id)
    assert user.privacy_acknowledged_at is not None
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "privacy.notice_acknowledged"))
    assert "You confirmed that you read this notice" in client.get("/privacy").get_data(as_text=True)

    client.post("/logout", data={"csrf_token": csrf_token(client.get("/profile").get_data(as_text=True))})
    again = sign_in(client, world["trainee"].email)
    assert again.headers["Location"] == "/"  # once acknowledged, never again


def test_notice_is_shown_again_at_sign_in_until_acknowledged(client, world, db, notice_at_sign_in):
    assert sign_in(client, world["admin"].email).headers["Location"] == "/privacy?next=/"
    client.get("/people/")  # the user went elsewhere without confirming
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/profile").get_data(as_text=True))})
    assert sign_in(client, world["admin"].email).headers["Location"] == "/privacy?next=/"


def test_acknowledgement_never_redirects_off_the_site(client, auth, world, db):
    auth.login(world["trainee"].email)
    page = client.get("/privacy?next=https://evil.example/").get_data(as_text=True)
    assert 'name="next" type="hidden" value=""' in page  # the form drops an outside address
    done = client.post("/privacy/acknowledge", data={"next": "//evil.example", "csrf_token": csrf_token(page)})
    assert done.headers["Location"] == "/"
    assert client.post("/privacy/acknowledge", data={"next": "/"}).status_code == 400  # no form token
