"""Erasure of a departed officer: the name and email disappear from the whole database, sign-in is
gone for good, while the institution's figures and the certificates stay valid."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.api.models import ApiToken
from lms.audit.models import AuditEvent
from lms.auth.models import PasswordLink, User
from lms.core import clock
from lms.learning.models import Certificate, Enrolment, Feedback
from lms.quizzes.models import AttemptAnswer, QuizAttempt
from tests.helpers import PASSWORD

pytestmark = pytest.mark.db


def mentions(db, *needles: str) -> list[str]:
    """Every "table.column" of the whole schema where one of `needles` occurs, in any case.

    Generic through the SQLAlchemy metadata: every text and JSON value of every row of every table.
    """
    needles = [n.lower() for n in needles]
    found = []
    for table in db.metadata.sorted_tables:
        with db.engine.connect() as conn:
            rows = conn.execute(select(table)).mappings().all()
        for row in rows:
            for column, value in row.items():
                if isinstance(value, bytes | bytearray | memoryview) or value is None:
                    continue
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
                if any(n in text.lower() for n in needles):
                    found.append(f"{table.name}.{column}")
    return sorted(set(found))


def completed_per_institution(db) -> dict[int, int]:
    """The figure an institution reports: completed enrolments of its trainees."""
    return dict(db.session.execute(
        select(User.institution_id, func.count(Enrolment.id)).join(User, User.id == Enrolment.user_id)
        .where(Enrolment.status == "completed").group_by(User.institution_id)).all())


def figures(db, world, course):
    """Everything that counts: completions per institution, scores, feedback ratings, and the
    reports package's completion report when it is there."""
    from lms.access import feedback_scope
    from lms.learning.queries import feedback_summary

    summary = feedback_summary(course, feedback_scope(world["admin"]))
    result = {
        "completed": completed_per_institution(db),
        "attempts": sorted(db.session.execute(select(QuizAttempt.id, QuizAttempt.score, QuizAttempt.percent,
                                                     QuizAttempt.passed, QuizAttempt.status)).all()),
        "points": sorted(db.session.execute(select(AttemptAnswer.id, AttemptAnswer.points,
                                                   AttemptAnswer.correct)).all()),
        "ratings": (summary.count, summary.average, summary.distribution),
    }
    try:
        from lms.reports.filters import ReportFilters
        from lms.reports.queries import completion_report
    except ImportError:  # the reports package is another feature's
        return result
    from lms.access import report_scope

    report = completion_report(report_scope(world["admin"]), ReportFilters(), clock.now())
    result["report"] = ([(r.institution_code, r.course_slug, r.enrolled, r.completed, r.final_passed,
                          r.average_best_score) for r in report.rows],
                        (report.totals.enrolled, report.totals.completed, report.totals.final_passed))
    return result


def anonymise(auth, user_id: int):
    return auth.post(f"/people/{user_id}/anonymise", {"confirm": "y"}, form_page=f"/people/{user_id}/anonymise")


def test_after_anonymisation_name_and_email_are_nowhere_and_figures_unchanged(client, auth, world, course,
                                                                             trained, db):
    trainee = world["trainee"]
    name, email, user_id = trainee.name, trainee.email, trainee.id
    # Someone else's free text names the trainee too: a revocation reason in the audit log.
    auth.login(world["admin"].email)
    auth.post(f"/verify/{trained['other_code']}/revoke", {"reason": f"Copied the answers of {name}"},
              form_page=f"/verify/{trained['other_code']}")
    before = mentions(db, name, email)
    assert {"users.name", "users.email", "certificates.holder_name", "certificates.revoked_reason",
            "feedback.comment", "attempt_answers.response", "api_tokens.name", "audit_events.details"} <= set(before)
    counted = figures(db, world, course)
    if Path(__file__).resolve().parents[2].joinpath("lms", "reports", "queries.py").exists():
        assert "report" in counted and counted["report"][1][1] == 2  # both trainees completed

    confirm = client.get(f"/people/{user_id}/anonymise")
    assert confirm.status_code == 200 and "cannot be undone" in confirm.get_data(as_text=True)
    response = anonymise(auth, user_id)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/people/{user_id}/edit")

    db.session.expire_all()
    assert mentions(db, name, email) == []
    assert figures(db, world, course) == counted
    # The other trainee's records are untouched, except where they named the trainee.
    other = db.session.get(User, world["other_trainee"].id)
    assert other.name == "Giorgi Trainee" and other.active
    assert db.session.scalar(select(Feedback.comment).join(Enrolment).where(Enrolment.user_id == other.id)) \
        == "Thanks to [anonymised] for the notes"
    assert db.session.scalar(select(ApiToken.name).where(ApiToken.user_id == other.id)) == "Giorgi desk"

    page = client.get(f"/people/{user_id}/edit").get_data(as_text=True)
    assert "This account was anonymised" in page and 'name="email"' not in page


def test_anonymised_account_cannot_sign_in_in_any_way(client, auth, world, trained, db):
    from lms.auth.services import issue_password_link

    trainee = world["trainee"]
    email, user_id = trainee.email, trainee.id
    link = issue_password_link(trainee, world["coordinator"])
    auth.login(world["coordinator"].email)
    assert anonymise(auth, user_id).status_code == 302
    auth.logout()

    db.session.expire_all()
    user = db.session.get(User, user_id)
    assert user.password_hash is None and not user.active and user.anonymised_at is not None
    assert "not right" in auth.login(email, PASSWORD).get_data(as_text=True)
    assert client.get(f"/set-password/{link}").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(PasswordLink).where(PasswordLink.user_id == user_id)) == 0
    assert all(t.revoked_at is not None for t in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user_id)))
    # Nobody brings it back through the people pages either.
    auth.login(world["admin"].email)
    revived = auth.post(f"/people/{user_id}/edit", {"email": "back@example.org", "name": "Back", "role": "trainee",
                                                    "institution_id": world["ua"].id, "locale": "", "active": "y"},
                        form_page="/people/new")
    assert revived.status_code == 403
    assert auth.post(f"/people/{user_id}/password-link", {}, form_page="/people/new").status_code == 403
    assert client.get(f"/people/{user_id}/anonymise").status_code == 403  # once is enough


def test_certificate_of_an_anonymised_holder_still_verifies_without_a_name(app, client, auth, world, trained, db,
                                                                          tmp_path):
    code = trained["trainee_code"]
    auth.login(world["admin"].email)
    anonymise(auth, world["trainee"].id)
    page = client.get(f"/verify/{code}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "This certificate is valid." in text
    assert "Holder" not in text and "T. T." not in text and "Sample course" in text
    app.config["VERIFY_SHOWS"] = "name"
    try:
        assert "Holder" not in client.get(f"/verify/{code}").get_data(as_text=True)
    finally:
        app.config["VERIFY_SHOWS"] = "initials"
    certificate = db.session.scalar(select(Certificate).where(Certificate.code == code))
    assert certificate.holder_name is None and certificate.status(clock.now()) == "valid"
    pdf = client.get(f"/certificates/{code}.pdf")  # the admin may still print it: no name on it
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    if shutil.which("pdftotext"):
        (tmp_path / "c.pdf").write_bytes(pdf.data)
        printed = subprocess.run(["pdftotext", str(tmp_path / "c.pdf"), "-"], capture_output=True, text=True).stdout
        assert "Taras" not in printed and "Sample course" in printed


def test_the_audit_record_of_an_anonymisation_holds_no_personal_data(client, auth, world, trained, db):
    auth.login(world["admin"].email)
    anonymise(auth, world["trainee"].id)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.anonymised"))
    assert (event.actor_id, event.target_type, event.target_id) == (world["admin"].id, "users", world["trainee"].id)
    assert event.details == {} and event.institution_id == world["ua"].id
    # The trainee's own sign-in records lose their network address.
    logins = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.login",
                                                         AuditEvent.target_id == world["trainee"].id)).all()
    assert logins and all("ip" not in e.details for e in logins)
    admin_logins = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.login",
                                                               AuditEvent.target_id == world["admin"].id)).all()
    assert admin_logins and all("ip" in e.details for e in admin_logins)


def test_only_admins_and_the_trainees_coordinator_anonymise_after_confirming(client, auth, world, db):
    trainee, other = world["trainee"], world["other_trainee"]
    auth.login(world["trainee"].email)
    assert client.get(f"/people/{other.id}/anonymise").status_code == 403
    auth.logout()
    auth.login(world["coordinator"].email)
    assert client.get(f"/people/{other.id}/anonymise").status_code == 404  # another institution's
    assert client.get(f"/people/{world['instructor'].id}/anonymise").status_code == 404
    assert 'href="/people/%d/anonymise"' % trainee.id in client.get(f"/people/{trainee.id}/edit").get_data(as_text=True)
    unconfirmed = auth.post(f"/people/{trainee.id}/anonymise", {}, form_page=f"/people/{trainee.id}/anonymise")
    assert unconfirmed.status_code == 200 and "Tick the box to confirm." in unconfirmed.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, trainee.id).anonymised_at is None
    auth.logout()
    auth.login(world["admin"].email)
    assert client.get(f"/people/{world['admin'].id}/anonymise").status_code == 403  # not oneself
    assert 'anonymise"' not in client.get(f"/people/{world['admin'].id}/edit").get_data(as_text=True)
    assert anonymise(auth, world["coordinator"].id).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, world["coordinator"].id).anonymised_at is not None


def test_people_list_shows_the_account_as_anonymised(client, auth, world, db):
    auth.login(world["admin"].email)
    anonymise(auth, world["trainee"].id)
    page = client.get("/people/").get_data(as_text=True)
    assert "Anonymised" in page and world["trainee"].email not in page and "Taras" not in page


def test_command_line_anonymises_with_confirmation(app, world, db):
    runner = app.test_cli_runner()
    user_id = world["trainee"].id
    refused = runner.invoke(args=["data", "anonymise", "--id", str(user_id)], input="n\n")
    assert refused.exit_code != 0
    db.session.expire_all()
    assert db.session.get(User, user_id).anonymised_at is None
    done = runner.invoke(args=["data", "anonymise", "--email", "trainee@example.org", "--yes"])
    assert done.exit_code == 0 and f"account {user_id} is anonymised" in done.output
    again = runner.invoke(args=["data", "anonymise", "--id", str(user_id), "--yes"])
    assert again.exit_code != 0 and "already anonymised" in again.output
    db.session.expire_all()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.anonymised"))
    assert event.actor_id is None and event.target_id == user_id


def test_an_open_session_ends_when_the_account_is_anonymised(app, client, world, db):
    from lms.privacy.services import anonymise_user
    from tests.helpers import Auth

    trainee_browser = app.test_client()  # a second browser, beside `client`
    Auth(trainee_browser).login(world["trainee"].email)
    assert trainee_browser.get("/profile").status_code == 200
    anonymise_user(world["trainee"], world["admin"])
    assert trainee_browser.get("/profile").status_code == 302  # signed out: back to the sign-in page
