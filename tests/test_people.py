"""Managing people: admins everyone, coordinators their own institution's trainees only."""
from __future__ import annotations

import re

import pytest

from lms.auth.models import User
from lms.people.services import PeopleError, create_user
from lms.audit.models import AuditEvent

pytestmark = pytest.mark.db


def test_trainee_and_instructor_get_403_on_people_pages(client, auth, world):
    for role in ("trainee", "instructor"):
        auth.login(world[role].email)
        for url in ("/people/", "/people/new", f"/people/{world['other_trainee'].id}/edit", "/institutions/"):
            assert client.get(url).status_code == 403, (role, url)
        auth.logout()


def test_admin_lists_and_searches_everyone(client, auth, world):
    auth.login(world["admin"].email)
    page = client.get("/people/").get_data(as_text=True)
    for user in ("admin", "instructor", "coordinator", "trainee", "other_trainee"):
        assert world[user].email in page
    found = auth.post("/people/", {"q": "giorgi"}).get_data(as_text=True)  # the search is posted, never in the URL
    assert world["other_trainee"].email in found and world["trainee"].email not in found
    coordinators = client.get("/people/?role=coordinator").get_data(as_text=True)
    assert world["coordinator"].email in coordinators and world["trainee"].email not in coordinators


def test_coordinator_sees_only_own_institutions_trainees(client, auth, world):
    auth.login(world["coordinator"].email)
    page = client.get("/people/").get_data(as_text=True)
    assert world["trainee"].email in page
    for other in ("other_trainee", "other_coordinator", "instructor", "admin"):
        assert world[other].email not in page
    assert client.get(f"/people/{world['other_trainee'].id}/edit").status_code == 404
    assert client.get(f"/people/{world['instructor'].id}/edit").status_code == 404
    assert client.get(f"/people/{world['trainee'].id}/edit").status_code == 200


def test_coordinator_cannot_edit_another_institutions_trainee_by_post(client, auth, world, db):
    auth.login(world["coordinator"].email)
    other = world["other_trainee"]
    response = auth.post(f"/people/{other.id}/edit", {"email": other.email, "name": "Hacked", "role": "trainee",
                                                       "institution_id": world["ua"].id, "locale": ""},
                         form_page="/people/new")
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(User, other.id).name == "Giorgi Trainee"


def test_coordinator_creates_trainee_in_own_institution_and_gets_a_link(client, auth, world, db):
    auth.login(world["coordinator"].email)
    response = auth.post("/people/new", {"email": "New.Officer@Example.org", "name": "New Officer",
                                         "role": "trainee", "institution_id": world["ua"].id, "locale": "uk"})
    text = response.get_data(as_text=True)
    link = re.search(r'value="(http://[^"]+/set-password/[^"]+)"', text).group(1)
    user = db.session.query(User).filter_by(email="new.officer@example.org").one()
    assert user.institution_id == world["ua"].id and user.password_hash is None
    auth.logout()
    path = link.split("localhost", 1)[1]
    assert client.get(path).status_code == 200


def test_an_account_gets_any_interface_language(client, auth, world, db):
    """Every language of the interface can be an account's own, not only the first two the platform had."""
    auth.login(world["other_coordinator"].email)
    response = auth.post("/people/new", {"email": "nino.officer@example.ge", "name": "Nino Officer",
                                         "role": "trainee", "institution_id": world["ge"].id, "locale": "ka"})
    assert response.status_code == 200 and "Choose a language from the list." not in response.get_data(as_text=True)
    assert db.session.query(User).filter_by(email="nino.officer@example.ge").one().locale == "ka"
    with pytest.raises(PeopleError):
        create_user("other.officer@example.ge", "Other Officer", "trainee", world["ge"].id, locale="xx")


def test_coordinator_cannot_create_coordinator_or_other_institution(client, auth, world, db):
    auth.login(world["coordinator"].email)
    for role, institution in (("coordinator", world["ua"]), ("admin", world["ua"]), ("trainee", world["ge"])):
        response = auth.post("/people/new", {"email": f"{role}-x@example.org", "name": "X", "role": role,
                                             "institution_id": institution.id, "locale": ""})
        assert response.status_code == 200 and "Not a valid choice" in response.get_data(as_text=True)
    assert db.session.query(User).filter(User.email.like("%-x@example.org")).count() == 0


UNUSABLE = "This email address cannot be used here: ask an admin."
TAKEN = "Another account already uses this email address."


def test_a_coordinator_is_not_told_whose_an_address_is(client, auth, world, db):
    """Another institution's account and a staff account read the same; the coordinator's own trainee is named."""
    auth.login(world["coordinator"].email)
    before = db.session.query(User).count()
    for email in ("trainee@example.ge", "coord@example.ge", "coord@example.org", "instructor@example.org",
                  "admin@example.org"):
        page = auth.post("/people/new", {"email": email, "name": "Probe Person", "role": "trainee",
                                         "institution_id": world["ua"].id, "locale": ""})
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and UNUSABLE in text and 'value="Probe Person"' in text, email
        assert TAKEN not in text and "GE-ACAD" not in text and world["ge"].name not in text
    own = auth.post("/people/new", {"email": world["trainee"].email, "name": "Probe Person", "role": "trainee",
                                    "institution_id": world["ua"].id, "locale": ""}).get_data(as_text=True)
    assert TAKEN in own and UNUSABLE not in own  # an account the coordinator manages anyway
    # Changing a trainee's address to another institution's account reads the same.
    edit = auth.post(f"/people/{world['trainee'].id}/edit",
                     {"email": "trainee@example.ge", "name": world["trainee"].name, "role": "trainee",
                      "institution_id": world["ua"].id, "locale": "", "active": "y"},
                     form_page=f"/people/{world['trainee'].id}/edit").get_data(as_text=True)
    assert UNUSABLE in edit and TAKEN not in edit
    assert db.session.query(User).count() == before


def test_an_admin_is_told_the_address_is_taken(client, auth, world, db):
    auth.login(world["admin"].email)
    page = auth.post("/people/new", {"email": "trainee@example.ge", "name": "Probe Person", "role": "trainee",
                                     "institution_id": world["ua"].id, "locale": ""}).get_data(as_text=True)
    assert TAKEN in page and UNUSABLE not in page


def test_bad_input_gets_a_clear_message_and_keeps_what_was_typed(client, auth, world, db):
    auth.login(world["admin"].email)
    before = db.session.query(User).count()
    taken = auth.post("/people/new", {"email": world["trainee"].email.upper(), "name": "Duplicate Person",
                                      "role": "trainee", "institution_id": world["ua"].id, "locale": ""})
    text = taken.get_data(as_text=True)
    assert "Another account already uses this email address." in text and 'value="Duplicate Person"' in text
    no_institution = auth.post("/people/new", {"email": "x@example.org", "name": "X", "role": "trainee",
                                               "institution_id": "", "locale": ""})
    assert "Trainees and coordinators belong to an institution" in no_institution.get_data(as_text=True)
    bad_email = auth.post("/people/new", {"email": "not-an-email", "name": "X", "role": "instructor",
                                          "institution_id": "", "locale": ""})
    assert "Enter a valid email address." in bad_email.get_data(as_text=True)
    assert db.session.query(User).count() == before


def test_role_and_institution_changes_are_audited(client, auth, world, db):
    auth.login(world["admin"].email)
    target = world["trainee"]
    response = auth.post(f"/people/{target.id}/edit", {"email": target.email, "name": target.name,
                                                        "role": "coordinator", "institution_id": world["ge"].id,
                                                        "locale": "", "active": "y"})
    assert response.status_code == 302
    event = db.session.query(AuditEvent).filter_by(action="user.access_changed").one()
    assert event.actor_id == world["admin"].id and event.target_id == target.id
    assert event.details["changes"]["role"] == ["trainee", "coordinator"]
    assert event.details["changes"]["institution_id"] == [world["ua"].id, world["ge"].id]


def test_coordinator_deactivates_own_trainee_who_then_cannot_sign_in(client, auth, world, db):
    auth.login(world["coordinator"].email)
    target = world["trainee"]
    auth.post(f"/people/{target.id}/edit", {"email": target.email, "name": target.name, "role": "trainee",
                                             "institution_id": world["ua"].id, "locale": ""})
    auth.logout()
    assert "not active" in auth.login(target.email).get_data(as_text=True)


def test_admin_cannot_demote_or_deactivate_themselves(client, auth, world):
    auth.login(world["admin"].email)
    me = world["admin"]
    response = auth.post(f"/people/{me.id}/edit", {"email": me.email, "name": me.name, "role": "trainee",
                                                    "institution_id": world["ua"].id, "locale": "", "active": "y"})
    assert "You cannot change your own role" in response.get_data(as_text=True)


def test_password_link_for_forgotten_password(client, auth, world):
    auth.login(world["coordinator"].email)
    response = auth.post(f"/people/{world['trainee'].id}/password-link", {},
                         form_page=f"/people/{world['trainee'].id}/edit")
    assert "/set-password/" in response.get_data(as_text=True)
    other = auth.post(f"/people/{world['other_trainee'].id}/password-link", {},
                      form_page=f"/people/{world['trainee'].id}/edit")
    assert other.status_code == 404


def test_a_trainees_page_links_to_enrolling_them_and_no_other_account_does(client, auth, world):
    enrol = f'href="/people/{world["trainee"].id}/enrol"'
    auth.login(world["coordinator"].email)
    page = client.get(f"/people/{world['trainee'].id}/edit").get_data(as_text=True)
    assert enrol in page and "Enrol Taras Trainee in a course" in page
    auth.logout()
    auth.login(world["admin"].email)
    assert enrol in client.get(f"/people/{world['trainee'].id}/edit").get_data(as_text=True)
    for other in ("instructor", "coordinator"):  # only trainees are enrolled by others
        page = client.get(f"/people/{world[other].id}/edit").get_data(as_text=True)
        assert f'/people/{world[other].id}/enrol"' not in page, other
