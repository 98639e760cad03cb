"""Bulk enrolment from a CSV file: the dry-run preview, confirming, all-or-nothing, scoping."""
from __future__ import annotations

import base64
import html as htmllib
import io
import re

import pytest
from sqlalchemy import func, select

from lms.auth.models import PasswordLink, User
from lms.audit.models import AuditEvent
from lms.learning.models import Enrolment

pytestmark = pytest.mark.db

# What a coordinator reads for an address whose account is another institution's, or not a trainee's.
UNUSABLE = "this email address cannot be used here: ask an admin"


def upload(auth, text: str | bytes, institution: str = "UA-ACAD", due: str = ""):
    content = text.encode("utf-8") if isinstance(text, str) else text
    return auth.post("/enrolments/bulk", {"file": (io.BytesIO(content), "trainees.csv"), "institution": institution,
                                          "due": due}, form_page="/enrolments/bulk")


def hidden_fields(page: str) -> dict:
    fields = dict(re.findall(r'<input id="(\w+)" name="\w+" type="hidden" value="([^"]*)"', page))
    return {k: htmllib.unescape(v) for k, v in fields.items()}


def confirm(client, page: str, **changes):
    return client.post("/enrolments/bulk/confirm", data={**hidden_fields(page), **changes})


def count(db, model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_preview_lists_every_bad_line_with_its_reason_and_writes_nothing(db, client, auth, world, course):
    auth.login(world["coordinator"].email)
    users_before = count(db, User)
    page = upload(auth, "email,name,courses,due\n"
                        "new.one@example.org,New One,sample,\n"  # line 2: fine
                        "not-an-email,Bad Email,sample,\n"  # 3
                        "new.two@example.org,New Two,no-such-course,\n"  # 4
                        "trainee@example.ge,Giorgi,sample,\n"  # 5: another institution's account
                        "new.three@example.org,New Three,sample,31/12/2030\n"  # 6
                        "NEW.ONE@example.org,Again,sample,\n"  # 7: the same address as line 2
                        "coord@example.org,Kateryna,sample,\n"  # 8: not a trainee
                        "new.four@example.org,,sample,\n")  # 9: no name for a new account
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Nothing has been saved yet." in html
    bad = dict(re.findall(r'<tr><th scope="row">(\d+)</th><td>[^<]*</td><td><ul>(.*?)</ul>', html, re.S))
    reasons = {int(k): htmllib.unescape(re.sub(r"<[^>]+>", " ", v).split("  ")[0].strip()) for k, v in bad.items()}
    assert reasons == {
        3: "not a valid email address: not-an-email",
        4: "unknown course: no-such-course",
        5: UNUSABLE,
        6: "the due date 31/12/2030 is not a date in the form YYYY-MM-DD",
        7: "the same email address is already on line 2",
        8: UNUSABLE,
        9: "a name is needed for a new account",
    }
    assert "8 lines cannot be used" not in html and "7 lines cannot be used" in html
    assert "Confirm and apply" not in html
    assert count(db, User) == users_before and count(db, Enrolment) == 0


def line_problems(html: str) -> dict[int, str]:
    """The refused lines of a preview: line number -> the reasons, as a person reads them."""
    bad = dict(re.findall(r'<tr><th scope="row">(\d+)</th><td>[^<]*</td><td><ul>(.*?)</ul>', html, re.S))
    return {int(k): htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", v)).strip()) for k, v in bad.items()}


ACCOUNTS_ELSEWHERE = ("email,name,courses\n"
                      "trainee@example.ge,Giorgi,sample\n"  # line 2: another institution's trainee
                      "coord@example.ge,Nino,sample\n"  # 3: another institution's coordinator
                      "coord@example.org,Kateryna,sample\n"  # 4: this institution's coordinator
                      "instructor@example.org,Ivan,sample\n"  # 5: an instructor of no institution
                      "admin@example.org,Ada,sample\n")  # 6: an admin


def test_a_coordinator_cannot_tell_another_institutions_account_from_staff(db, client, auth, world, course):
    auth.login(world["coordinator"].email)
    html = upload(auth, ACCOUNTS_ELSEWHERE).get_data(as_text=True)
    assert line_problems(html) == {line: UNUSABLE for line in (2, 3, 4, 5, 6)}
    for hidden in ("another institution", "not a trainee", "GE-ACAD", world["ge"].name, "Georgia"):
        assert hidden not in html


def test_an_admins_preview_says_whose_the_account_is(db, client, auth, world, course):
    auth.login(world["admin"].email)
    problems = line_problems(upload(auth, ACCOUNTS_ELSEWHERE).get_data(as_text=True))
    other = "this account belongs to another institution: Border Police Academy of Georgia (GE-ACAD)"
    staff = "this account is not a trainee's"
    assert problems == {2: other, 3: other, 4: staff, 5: staff, 6: staff}


def test_confirming_creates_accounts_enrols_everyone_and_shows_the_links(db, client, auth, world, course):
    auth.login(world["coordinator"].email)
    page = upload(auth, "email;name;courses;due\n"
                        "olena@example.org;Олена Коваленко;sample;2030-06-30\n"
                        "trainee@example.org;Taras;sample;\n", due="2031-01-15")
    html = page.get_data(as_text=True)
    assert "1 account will be created" in html and "2 enrolments will be made" in html
    assert "Confirm and apply" in html and count(db, Enrolment) == 0
    done = confirm(client, html)
    text = done.get_data(as_text=True)
    assert done.status_code == 200 and "2 enrolments made" in text
    links = re.findall(r'value="(http://localhost/set-password/[^"]+)"', text)
    assert len(links) == 1 and "Олена Коваленко" in text
    db.session.expire_all()
    olena = db.session.scalar(select(User).where(User.email == "olena@example.org"))
    assert (olena.role, olena.institution_id, olena.password_hash) == ("trainee", world["ua"].id, None)
    enrolments = {e.user_id: e for e in db.session.scalars(select(Enrolment))}
    assert {e.source for e in enrolments.values()} == {"bulk"}
    assert enrolments[olena.id].due_at.date().isoformat() == "2030-06-30"
    assert enrolments[world["trainee"].id].due_at.date().isoformat() == "2031-01-15"  # the default due date
    assert count(db, PasswordLink, PasswordLink.user_id == olena.id) == 1
    # The link lets the new trainee choose a password.
    assert client.get(links[0].replace("http://localhost", "")).status_code == 200
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "enrolment.bulk"))
    assert event.actor_id == world["coordinator"].id and event.details["accounts_created"] == 1
    # Confirming the same preview again changes nothing: the plan is no longer the one shown.
    again = confirm(client, html).get_data(as_text=True)
    assert "Something changed since the preview" in again and count(db, Enrolment) == 2


def test_all_or_nothing_when_something_fails_midway(db, client, auth, world, course, monkeypatch):
    from lms.enrolments import batch

    original = batch.add_enrolments

    def failing(*args, **kwargs):
        original(*args, **kwargs)  # the accounts, links and enrolments are written, then it fails
        raise RuntimeError("disk full")

    auth.login(world["coordinator"].email)
    page = upload(auth, "email,name,courses\nfirst@example.org,First,sample\nsecond@example.org,Second,sample\n")
    monkeypatch.setattr(batch, "add_enrolments", failing)
    response = confirm(client, page.get_data(as_text=True))
    assert response.status_code == 500
    db.session.expire_all()
    assert count(db, User, User.email.in_(["first@example.org", "second@example.org"])) == 0
    assert count(db, Enrolment) == 0 and count(db, AuditEvent, AuditEvent.action == "enrolment.bulk") == 0
    assert count(db, PasswordLink) == 0


def test_a_tampered_confirmation_is_checked_again(db, client, auth, world, course):
    auth.login(world["coordinator"].email)
    page = upload(auth, "email,name,courses\nfirst@example.org,First,sample\n").get_data(as_text=True)
    forged = base64.b64encode(b"email,name,courses\ntrainee@example.ge,Giorgi,sample\n").decode()
    response = confirm(client, page, content=forged)
    text = response.get_data(as_text=True)
    assert "Something changed since the preview" in text and UNUSABLE in text
    assert count(db, Enrolment) == 0
    # Another institution in the confirmation is not the coordinator's to use.
    assert confirm(client, page, institution="GE-ACAD").status_code == 404
    assert confirm(client, page, content="%%%not base64").status_code == 400
    assert count(db, User, User.email == "first@example.org") == 0


def test_a_coordinator_cannot_pick_another_institution(db, client, auth, world, course):
    auth.login(world["coordinator"].email)
    html = upload(auth, "email,name,courses\nx@example.org,X,sample\n", institution="GE-ACAD").get_data(as_text=True)
    assert "Not a valid choice" in html and "Nothing has been saved yet." not in html


def test_an_admin_enrols_into_any_institution(db, client, auth, world, course):
    auth.login(world["admin"].email)
    page = upload(auth, "email,name,courses\ntrainee@example.ge,Giorgi,sample\nnew@example.ge,Nino,sample\n",
                  institution="GE-ACAD").get_data(as_text=True)
    assert "1 account will be created" in page
    assert confirm(client, page).status_code == 200
    assert db.session.scalar(select(User.institution_id).where(User.email == "new@example.ge")) == world["ge"].id


@pytest.mark.parametrize("content,message", [
    (b"\xff\xfeb\x00a\x00d\x00", "The file is not in UTF-8"),
    (b"", "The file is empty."),
    (b"mail,fullname\nx@example.org,X\n", "missing: email, courses"),
])
def test_unusable_files_get_a_clear_message(db, client, auth, world, course, content, message):
    auth.login(world["coordinator"].email)
    html = htmllib.unescape(upload(auth, content).get_data(as_text=True))
    assert message in html and "Nothing has been saved yet." not in html


def test_a_byte_order_mark_and_a_header_in_capitals_are_fine(db, client, auth, world, course):
    auth.login(world["coordinator"].email)
    html = upload(auth, "\ufeffEmail,Name,Course\nnew@example.org,New,sample\n").get_data(as_text=True)
    assert "1 account will be created" in html and "Confirm and apply" in html


def test_only_coordinators_and_admins(db, client, auth, world):
    auth.login(world["trainee"].email)
    assert client.get("/enrolments/bulk").status_code == 403
    assert client.post("/enrolments/bulk/confirm", data={}).status_code in (400, 403)
    auth.logout()
    auth.login(world["instructor"].email)
    assert client.get("/enrolments/bulk").status_code == 403


def test_enrol_still_commits_for_its_callers(db, world, course):
    """Factoring out prepare_enrolment kept `enrol` as it was: it commits, and twice is harmless."""
    from lms.learning.services import enrol

    enrolment, created = enrol(world["trainee"], course)
    db.session.rollback()
    assert created and db.session.get(Enrolment, enrolment.id) is not None
    assert enrol(world["trainee"], course) == (enrolment, False)


def test_already_enrolled_trainees_keep_their_enrolment_and_may_get_a_due_date(db, client, auth, world, course):
    from lms.learning.services import enrol

    first, _ = enrol(world["trainee"], course)
    other = make_second_trainee(world)
    enrol(other, course)
    auth.login(world["coordinator"].email)
    html = upload(auth, "email,name,courses,due\ntrainee@example.org,,sample,2031-05-01\nsecond@example.org,,sample,\n"
                  ).get_data(as_text=True)
    assert "0 enrolments will be made" in html and "1 due date will change" in html
    assert "due date will change" in html and "already enrolled" in html
    text = confirm(client, html).get_data(as_text=True)
    assert "0 enrolments made, 1 due date changed, 1 was already enrolled" in text
    db.session.expire_all()
    assert db.session.get(Enrolment, first.id).due_at.date().isoformat() == "2031-05-01"
    assert count(db, Enrolment) == 2


def make_second_trainee(world):
    from tests.helpers import make_user

    return make_user("second@example.org", "Second Trainee", "trainee", world["ua"])


def test_a_file_that_is_not_text_is_refused(db, client, auth, world, course):
    auth.login(world["coordinator"].email)
    html = htmllib.unescape(upload(auth, b"email,name,courses\nx\x00@example.org,X,sample\n").get_data(as_text=True))
    assert "The file is not in UTF-8" in html


def test_a_withdrawn_enrolment_in_the_file_is_restored_not_started_again(db, client, auth, world, course):
    from lms.learning.services import enrol, withdraw

    first, _ = enrol(world["trainee"], course)
    withdraw(first, "On leave", world["coordinator"])
    auth.login(world["coordinator"].email)
    html = upload(auth, "email,name,courses,due\ntrainee@example.org,,sample,\n").get_data(as_text=True)
    assert "1 withdrawn enrolment will be restored" in html and "withdrawn: will be restored" in html
    text = confirm(client, html).get_data(as_text=True)
    assert "1 withdrawn enrolment restored" in text
    db.session.expire_all()
    restored = db.session.get(Enrolment, first.id)
    assert (restored.status, restored.cycle, restored.withdrawal_reason) == ("active", 1, None)
    assert count(db, Enrolment) == 1
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "enrolment.restored"))
    assert event.target_id == first.id and event.actor_id == world["coordinator"].id


def test_a_coordinators_file_cannot_restore_a_completed_enrolment_an_admin_withdrew(db, client, auth, world, course):
    """Enrolling again restores a withdrawn enrolment, so the file follows the rule of restoring by hand: a
    completed one is an admin's decision. The coordinator's line is refused and nothing changes; the
    admin's same file restores it, completed as before."""
    from lms.core import clock
    from lms.learning.services import enrol, withdraw

    first, _ = enrol(world["trainee"], course)
    first.status, first.completed_at = "completed", clock.now()
    db.session.commit()
    withdraw(first, "Enrolled by mistake", world["admin"])
    auth.login(world["coordinator"].email)
    html = upload(auth, "email,name,courses,due\ntrainee@example.org,,sample,\n").get_data(as_text=True)
    assert "was completed and withdrawn: only an admin can restore it" in html
    db.session.expire_all()
    assert db.session.get(Enrolment, first.id).status == "withdrawn"
    auth.logout()
    auth.login(world["admin"].email)
    html = upload(auth, "email,name,courses,due\ntrainee@example.org,,sample,\n",
                  ).get_data(as_text=True)
    assert "1 withdrawn enrolment will be restored" in html
    confirm(client, html)
    db.session.expire_all()
    assert db.session.get(Enrolment, first.id).status == "completed"
