"""In headless Chromium: a trainee who forgot their password asks for a link on the sign-in page, reads the mail
from the test SMTP server, chooses a new password through the link and signs in with it; then finds the
notification of an announcement in the menu and their mail preferences. Every page passes axe's WCAG 2.1 AA
checks."""
from __future__ import annotations

import re

import pytest

from lms.extensions import db as database
from lms.mail import services
from tests.axe import violations
from tests.helpers import PASSWORD
from tests.mailserver import text_of

pytestmark = pytest.mark.browser  # pages and scripts: on SQLite (docs/development.md, markers)

NEW_PASSWORD = "a-fresh-long-passphrase"


def test_a_trainee_resets_a_forgotten_password_by_mail(chromium, live_server, world, db, smtp_server, run_jobs, app,
                                                       monkeypatch):
    # The mail is written by a job, outside any request: its links are on LMS_PUBLIC_URL, as in production.
    monkeypatch.setitem(app.config, "PUBLIC_URL", live_server)
    trainee = world["trainee"]
    context = chromium.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.click("main >> text=Forgot your password?")
    assert page.url.endswith("/forgot-password")
    assert violations(page) == []
    page.fill("#email", trainee.email)
    page.click("main button[type=submit]")
    assert "Check your mail" in page.inner_text("h1")
    assert violations(page) == []

    run_jobs()  # the worker delivers the mail to the test SMTP server
    [mail] = smtp_server.to(trainee.email)
    assert mail["Subject"] == "Choose a new password"
    link = re.search(r"https?://\S+/set-password/\S+", text_of(mail)).group(0)
    assert link.startswith(live_server)

    page.goto(link)
    assert trainee.email in page.inner_text("main")
    assert violations(page) == []
    page.fill("#password", NEW_PASSWORD)
    page.fill("#confirm", NEW_PASSWORD)
    page.click("main button[type=submit]")
    assert "Your password is set. You can sign in now." in page.inner_text("main")
    page.fill("#email", trainee.email)
    page.fill("#password", NEW_PASSWORD)
    page.click("main button[type=submit]")
    assert "Sign out" in page.inner_text("header")

    page.goto(link)  # the link worked once
    assert page.inner_text("h1") != "Choose your password"

    # An announcement: the menu counts it, the list shows it, the preferences are a link away.
    services.send(trainee, "announcement", "welcome", "password_reset",
                  {"reset_url": f"{live_server}/courses/", "expires_at": mail_date(mail)}, link="/courses/")
    database.session.commit()
    page.goto(f"{live_server}/courses/")
    menu = page.get_by_role("link", name="Notifications 1 unread")  # the count, and what it counts, read aloud
    menu.click()
    assert "Choose a new password" in page.inner_text("main")
    assert violations(page) == []
    page.click("main >> text=Choose which mails you receive")
    assert violations(page) == []
    context.close()


def mail_date(mail):
    """The date of a mail, as an aware datetime."""
    return mail["Date"].datetime


def test_the_outbox_page_passes_axe(chromium, live_server, world, db, run_jobs):
    services.send(world["trainee"], "announcement", "a1", "password_reset",
                  {"reset_url": f"{live_server}/", "expires_at": None}, link="/courses/")
    database.session.commit()
    run_jobs()  # development: written to instance/mail/<id>.eml
    context = chromium.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("#email", world["admin"].email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.goto(f"{live_server}/admin/mail")
    assert "trainee@example.org" in page.inner_text("main")
    assert violations(page) == []
    page.click("main >> text=Choose a new password")
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in page.inner_text("body")
    context.close()
