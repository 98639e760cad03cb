"""The second factor (issue 18) in headless Chromium: a person sets it up and signs in with it as they would,
going by the links of the header and of the pages.

The admin sets up an authenticator app (the key read off the page, its code made with pyotp), keeps the ten
recovery codes, adds a passkey held by Chromium's virtual authenticator (the WebAuthn domain of the DevTools
protocol), then signs in three times: with a code of the app, with a recovery code, with the passkey. A
coordinator whose role must have a second factor is held on the set-up page until a passkey is added. With
JavaScript off the sign-in's passkey section stays hidden and the app's code still signs in.

Passkeys are bound to a host name, never an IP address: the browser opens the site at http://localhost:PORT.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.mfa import services as mfa
from lms.mfa.models import RecoveryCode, SecondFactor
from lms.mfa.recovery import code_hash
from lms.mfa.totp import new_secret
from tests.axe import violations
from tests.helpers import PASSWORD
from tests.mfa.helpers import code

pytestmark = pytest.mark.browser  # pages and scripts: on SQLite (docs/development.md, markers)


class Person:
    """One person's browser (JavaScript on or off) on the site at http://localhost:PORT, and what went wrong
    on the way: dialogs, script errors, requests leaving the site, answers of 400 or more."""

    def __init__(self, chromium, live_server: str, javascript: bool = True):
        self.base, self.javascript = live_server.replace("://127.0.0.1:", "://localhost:"), javascript
        self.context = chromium.new_context(java_script_enabled=javascript, bypass_csp=javascript)  # for axe
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.problems: list[str] = []
        self.cdp = None  # the DevTools session holding a virtual authenticator, once plugged in
        self.page.on("dialog", lambda d: (self.problems.append(f"dialog {d.message}"), d.dismiss()))
        self.page.on("pageerror", lambda e: self.problems.append(f"script error {e}"))
        self.page.on("request", lambda r: None if r.url.startswith((self.base, "data:"))
                     else self.problems.append(f"outside {r.url}"))
        self.page.on("response", lambda r: self.problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    def add_authenticator(self) -> str:
        """Plug a virtual security key into this browser (it answers passkey ceremonies at once, with user
        verification); returns its id."""
        self.cdp = self.context.new_cdp_session(self.page)  # kept: the authenticator lives as long as it
        self.cdp.send("WebAuthn.enable")
        return self.cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
            "protocol": "ctap2", "transport": "usb", "hasResidentKey": False, "hasUserVerification": True,
            "isUserVerified": True, "automaticPresenceSimulation": True}})["authenticatorId"]

    def go(self, target) -> None:
        """Click a link or button that leads to another page, and wait until that page has loaded with its
        scripts. A passkey button's script runs the ceremony first and posts its form after the click has
        returned; a page's script reveals the passkey forms only once it has run."""
        with self.page.expect_navigation():
            target.click()

    def password(self, user) -> None:
        """The first step of signing in: the only address typed is the sign-in page's."""
        self.page.goto(f"{self.base}/login")
        self.page.fill("#email", user.email)
        self.page.fill("#password", PASSWORD)
        self.go(self.page.locator("main button[type=submit]"))

    def sign_out(self) -> None:
        """The header's "Sign out" button."""
        self.go(self.page.get_by_role("button", name="Sign out"))
        assert "You have signed out." in self.main()

    def header(self, label: str) -> None:
        """Follow a link of the header's navigation."""
        self.go(self.page.get_by_role("navigation", name="Main").get_by_role("link", name=label, exact=True))

    def link(self, name: str) -> None:
        """Follow the link of that exact name in the page's main part."""
        self.go(self.page.locator("main").get_by_role("link", name=name, exact=True))

    def button(self, name: str) -> None:
        """Press the button of that exact name in the page's main part (its form leads to another page)."""
        self.go(self.page.locator("main").get_by_role("button", name=name, exact=True))

    def main(self) -> str:
        """The text of the page's main part."""
        return self.page.inner_text("main")

    def at(self, path: str) -> bool:
        """Whether the browser is at that path of the site."""
        return self.page.url == f"{self.base}{path}"

    def axe(self, what: str) -> None:
        """axe's WCAG 2.1 A/AA rules on the page as it is now (only with JavaScript: axe is a script)."""
        if self.javascript:
            found = violations(self.page)
            assert not found, f"{what}: {found}"

    def close(self) -> None:
        self.context.close()


@pytest.fixture()
def browse(chromium, live_server):
    """Opens browsers (`browse(javascript=False)`), closed after the test."""
    opened: list[Person] = []

    def open_one(javascript: bool = True) -> Person:
        opened.append(Person(chromium, live_server, javascript))
        return opened[-1]

    yield open_one
    for person in opened:
        person.close()


def fresh(db, model, *where):
    """What the server stored, read anew."""
    db.session.expire_all()
    return db.session.scalars(select(model).where(*where)).all()


def test_admin_sets_up_an_app_and_a_passkey_and_signs_in_with_each(browse, db, world):
    admin = world["admin"]
    visit = browse()
    page = visit.page

    # No second factor yet: the password alone signs in.
    visit.password(admin)
    assert f"Welcome, {admin.name}" in visit.main()
    visit.header("Profile")
    visit.link("Manage your second factor")
    assert visit.at("/profile/second-factor")
    assert "You have no second factor yet" in visit.main()
    visit.axe("second-factor page, no factor yet")

    # An authenticator app: the key read off the page, its current code typed back.
    visit.link("Set up an authenticator app")
    expect(page.locator("main img.qr")).to_be_visible()
    secret = page.inner_text("code[data-secret-key]").replace(" ", "")
    assert len(secret) == 32
    visit.axe("authenticator app set-up")
    page.fill("#code", code(secret))
    page.fill("#name", "Work phone")
    visit.button("Turn on")
    codes = page.locator("ol.recovery-codes li code").all_inner_texts()
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "Your second factor is on." in visit.main()
    visit.axe("recovery codes")
    [app_factor] = fresh(db, SecondFactor, SecondFactor.user_id == admin.id)
    assert (app_factor.kind, app_factor.name) == ("totp", "Work phone")
    enrolled_step = app_factor.last_step
    assert len(fresh(db, RecoveryCode, RecoveryCode.user_id == admin.id, RecoveryCode.used_at.is_(None))) == 10
    visit.link("I have kept them: continue")
    assert visit.at("/profile/second-factor")
    assert "Work phone" in page.inner_text("section:has(#factors-heading) table")
    assert "10 of your recovery codes are unused." in visit.main()
    assert "Set up an authenticator app" not in visit.main()  # one app per person

    # A passkey, made by the virtual security key (the page's script runs the ceremony).
    visit.add_authenticator()
    visit.axe("second-factor page with an app")
    form = page.locator("form[data-passkey=create]")
    expect(form).to_be_visible()
    form.locator("#name").fill("Desk key")
    visit.button("Add a passkey")
    assert "Your passkey is added." in visit.main()
    factors = page.locator("section:has(#factors-heading) tbody th").all_inner_texts()
    assert factors == ["Work phone", "Desk key"]
    [passkey] = fresh(db, SecondFactor, SecondFactor.user_id == admin.id, SecondFactor.kind == "passkey")
    assert passkey.name == "Desk key" and passkey.credential_id and passkey.last_used_at is None
    assert len(fresh(db, RecoveryCode, RecoveryCode.user_id == admin.id)) == 10  # the same ten codes

    # Signed in with the password and a code of the app (a later one: the code used to enrol is spent).
    visit.sign_out()
    visit.password(admin)
    assert visit.at("/login/second-factor")
    expect(page.locator("section:has(#passkey-heading)")).to_be_visible()
    visit.axe("sign-in's second step")
    page.fill("#code", code(secret, 1))
    visit.button("Confirm")
    assert f"Welcome, {admin.name}" in visit.main()
    assert fresh(db, SecondFactor, SecondFactor.id == app_factor.id)[0].last_step > enrolled_step  # spent

    # Signed in with a recovery code: it is spent, and the person told how many are left.
    visit.sign_out()
    visit.password(admin)
    page.locator("main summary", has_text="Use one of your recovery codes").click()
    page.fill("#recovery_code", codes[0].upper())  # as someone might copy it
    visit.button("Use this recovery code")
    main = visit.main()
    assert "You signed in with a recovery code; 9 are left." in main and f"Welcome, {admin.name}" in main
    [used] = fresh(db, RecoveryCode, RecoveryCode.user_id == admin.id, RecoveryCode.used_at.is_not(None))
    assert used.code_hash == code_hash(codes[0])

    # Signed in with the passkey: the virtual key answers the ceremony.
    visit.sign_out()
    visit.password(admin)
    visit.button("Use my passkey")
    assert visit.at("/")
    assert f"Welcome, {admin.name}" in visit.main()
    [passkey] = fresh(db, SecondFactor, SecondFactor.id == passkey.id)
    assert passkey.last_used_at is not None and passkey.sign_count > 0
    visit.header("Profile")
    visit.link("Manage your second factor")
    assert "9 of your recovery codes are unused." in visit.main()
    assert visit.problems == []


def test_without_javascript_the_passkey_waits_and_the_app_signs_in(browse, db, world):
    admin = world["admin"]
    secret = new_secret()
    mfa.add_totp(admin, secret, code(secret), "Work phone")
    # A passkey made elsewhere, with JavaScript: its key is never checked here.
    db.session.add(SecondFactor(user_id=admin.id, kind="passkey", name="Desk key", credential_id=b"\x01" * 16,
                                public_key=b"\x02" * 77))
    db.session.commit()
    visit = browse(javascript=False)
    page = visit.page

    visit.password(admin)
    assert visit.at("/login/second-factor")
    assert page.locator("section:has(#passkey-heading)").is_hidden()
    assert "Passkeys need JavaScript, which is off in this browser" in visit.main()
    page.fill("#code", code(secret, 1))
    visit.button("Confirm")
    assert f"Welcome, {admin.name}" in visit.main()
    visit.header("Profile")
    visit.link("Manage your second factor")
    assert page.locator("form[data-passkey=create]").is_hidden()
    assert "Passkeys need JavaScript" in visit.main()
    assert page.locator("section:has(#factors-heading) tbody th").all_inner_texts() == ["Work phone", "Desk key"]
    assert visit.problems == []


@pytest.fixture()
def coordinators_need_one(app, monkeypatch):
    """Coordinators (and admins) must have a second factor, for this test only (monkeypatch restores it)."""
    monkeypatch.setitem(app.config, "MFA_REQUIRED_ROLES", ("admin", "coordinator"))


def test_a_coordinator_must_add_a_second_factor_first_a_passkey(browse, db, world, coordinators_need_one):
    coordinator = world["coordinator"]
    visit = browse()
    page = visit.page

    visit.password(coordinator)
    assert visit.at("/profile/second-factor")
    assert "Your role needs a second factor at sign-in. Set up an authenticator app or a passkey" in visit.main()
    visit.header("People")  # nothing else opens yet
    assert visit.at("/profile/second-factor")
    assert "Your role must have one." in visit.main()
    visit.axe("second-factor page of a role that must have one")

    visit.add_authenticator()
    page.locator("form[data-passkey=create] #name").fill("Office key")
    visit.button("Add a passkey")
    codes = page.locator("ol.recovery-codes li code").all_inner_texts()
    assert len(codes) == 10 and "Your second factor is on." in visit.main()
    visit.axe("recovery codes after the first passkey")
    [factor] = fresh(db, SecondFactor, SecondFactor.user_id == coordinator.id)
    assert (factor.kind, factor.name) == ("passkey", "Office key")
    assert len(fresh(db, RecoveryCode, RecoveryCode.user_id == coordinator.id)) == 10
    visit.link("I have kept them: continue")
    assert f"Welcome, {coordinator.name}" in visit.main()

    visit.header("People")  # the site opens again
    assert visit.at("/people/")
    assert "Trainees of Border Academy of Ukraine." in visit.main()
    assert visit.problems == []
