"""Security mail: "Forgot your password?" (the same answer whether or not the address has an account, throttled
per address and per client, a one-time link by mail, audited when asked for and used), and the set-password
link of an account staff made, mailed from the people pages, the command line and bulk enrolment."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.auth.models import PasswordLink
from lms.extensions import db as _db
from lms.mail.delivery import WIPED
from lms.mail.models import Notification, OutboxMessage
from tests.helpers import csrf_token, statements
from tests.mailserver import html_of, text_of

pytestmark = pytest.mark.db

LINK = re.compile(r"http://localhost(/set-password/[A-Za-z0-9_-]+)")
SENT = "If an account has this address, a link to choose a new password is on its way to it."


def _ask(client, email, ip="192.0.2.7"):
    page = client.get("/forgot-password", environ_base={"REMOTE_ADDR": ip})
    return client.post("/forgot-password", data={"email": email, "csrf_token": csrf_token(page.get_data(as_text=True))},
                       environ_base={"REMOTE_ADDR": ip})


def _actions():
    return [a for a in _db.session.execute(select(AuditEvent.action).order_by(AuditEvent.id)).scalars()]


def test_a_forgotten_password_is_reset_by_mail(db, world, client, auth, smtp_server, run_jobs):
    login = client.get("/login").get_data(as_text=True)
    assert 'href="/forgot-password">Forgot your password?</a>' in login
    known = _ask(client, "Trainee@Example.org")
    unknown = _ask(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    assert SENT in known.get_data(as_text=True)
    # Nothing tells which address exists (but the CSRF tokens, which carry the second they were made in).
    token = re.compile(r'(name="csrf_token" (?:type="hidden" )?value=)"[^"]+"')
    assert token.sub(r"\1", known.get_data(as_text=True)) == token.sub(r"\1", unknown.get_data(as_text=True))
    run_jobs()
    [mail] = smtp_server.messages
    assert mail["To"] == "trainee@example.org" and mail["Subject"] == "Choose a new password"
    assert "List-Unsubscribe" not in mail
    path = LINK.search(text_of(mail)).group(1)
    assert path in html_of(mail)
    stored = _db.session.execute(select(OutboxMessage)).scalar_one()
    assert stored.status == "sent" and stored.text_body == stored.html_body == WIPED  # the link is not kept
    assert _db.session.execute(select(Notification)).first() is None
    link = _db.session.execute(select(PasswordLink)).scalar_one()
    assert link.purpose == "reset" and link.created_by_id is None
    assert "auth.password_reset_requested" in _actions()

    assert client.get(path).status_code == 200
    done = auth.post(path, {"password": "a-brand-new-secret", "confirm": "a-brand-new-secret"})
    assert done.status_code == 302
    assert client.get(path).status_code == 404  # once only
    assert auth.login("trainee@example.org", "a-brand-new-secret").headers["Location"] == "/"
    assert "auth.password_reset_used" in _actions()


def test_deactivated_accounts_get_no_reset_mail(db, world, client, smtp_server, run_jobs):
    world["trainee"].active = False
    _db.session.commit()
    assert SENT in _ask(client, "trainee@example.org").get_data(as_text=True)
    run_jobs()
    assert smtp_server.messages == [] and _db.session.execute(select(PasswordLink)).first() is None


def test_the_request_does_the_same_work_whether_or_not_the_address_has_an_account(db, world, client, smtp_server,
                                                                                  run_jobs):
    """The request's time must not tell whether an account exists: it only counts and queues a job, the same
    statements for a known, an unknown and a deactivated address (the job looks the address up)."""
    world["coordinator"].active = False
    _db.session.commit()
    sent = {}
    for email in ("trainee@example.org", "nobody@example.org", world["coordinator"].email):
        page = client.get("/forgot-password").get_data(as_text=True)
        with statements(_db) as sent[email]:
            answer = client.post("/forgot-password", data={"email": email, "csrf_token": csrf_token(page)})
        assert SENT in answer.get_data(as_text=True)
    assert len({tuple(s) for s in sent.values()}) == 1, sent
    assert _db.session.execute(select(PasswordLink)).first() is None  # nothing written before the job runs
    run_jobs()
    assert [m["To"] for m in smtp_server.messages] == ["trainee@example.org"]


def test_requests_are_throttled_per_address_typed_and_per_client(db, world, client, app, smtp_server, run_jobs):
    for n in range(5):  # 3 an hour for one address; the answer stays the same after
        assert SENT in _ask(client, "trainee@example.org", ip=f"192.0.2.{n}").get_data(as_text=True)
    run_jobs()
    assert len(smtp_server.messages) == 3
    saved = app.config["RESET_LIMIT_PER_ADDRESS"]
    app.config["RESET_LIMIT_PER_ADDRESS"] = "2 per hour"
    try:
        for n in range(2):
            assert _ask(client, f"x{n}@example.org", ip="198.51.100.9").status_code == 200
        refused = _ask(client, "coord@example.org", ip="198.51.100.9")
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
        assert "Too many password reset requests from your network" in refused.get_data(as_text=True)
        assert _ask(client, "coord@example.org", ip="198.51.100.10").status_code == 200  # another network
    finally:
        app.config["RESET_LIMIT_PER_ADDRESS"] = saved


def test_an_account_made_on_the_people_page_gets_its_link_by_mail(db, world, client, auth, smtp_server, run_jobs):
    auth.login(world["admin"].email)
    page = client.get("/people/new")
    made = client.post("/people/new", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "email": "new.officer@example.org",
        "name": "New Officer", "role": "trainee", "institution_id": str(world["ua"].id), "locale": "uk",
        "timezone": ""})
    assert made.status_code == 200
    shown = LINK.search(made.get_data(as_text=True)) or re.search(r"(/set-password/[A-Za-z0-9_-]+)",
                                                                  made.get_data(as_text=True))
    run_jobs()
    [mail] = smtp_server.messages
    assert mail["To"] == "new.officer@example.org"
    assert mail["Subject"] == "Ваш обліковий запис на навчальній платформі"  # in the new person's language
    assert shown.group(1) in text_of(mail)  # the same link as shown to the admin


def test_the_command_line_and_bulk_enrolment_mail_the_links(db, world, course, app, smtp_server, run_jobs):
    from lms.enrolments import services as bulk

    result = app.test_cli_runner().invoke(args=["users", "create", "--email", "cli@example.org", "--name", "Cli",
                                                "--role", "instructor"])
    assert result.exit_code == 0, result.output
    content = b"email,name,courses\nbulk1@example.org,Bulk One,sample\nbulk2@example.org,Bulk Two,sample\n"
    plan = bulk.plan(world["coordinator"], world["ua"], content)
    bulk.apply(world["coordinator"], world["ua"], content, plan.digest)
    run_jobs()
    # Beside them, the bulk enrolment's confirmations (lms.messages), which carry no link to set a password.
    links = [m for m in smtp_server.messages if not str(m["Subject"]).startswith("You are enrolled")]
    assert sorted(m["To"] for m in links) == ["bulk1@example.org", "bulk2@example.org", "cli@example.org"]
    assert all(LINK.search(text_of(m)) for m in links)
