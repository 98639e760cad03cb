"""Announcements through the pages, without JavaScript: staff post to a run or to the whole course, and only the
trainees it is for read it (on the course page, the latest few with a link to all, and on the list of all); bad
input comes back with a message and nothing saved; a correction and a withdrawal are audited; a run's trainer
announces to their own run only."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.announcements.models import Announcement
from lms.announcements import services
from lms.audit.models import AuditEvent
from lms.learning import services as learning
from tests.announcements.helpers import a_trainer, form, two_runs
from tests.helpers import csrf_token, make_user

pytestmark = pytest.mark.db


def _course_page(client, auth, person) -> str:
    auth.login(person.email)
    page = client.get("/courses/sample").get_data(as_text=True)
    auth.logout()
    return page


def test_an_instructor_posts_to_a_run_and_only_its_trainees_read_it(client, auth, world, course, db):
    run_a, (first, second), run_b, (other, _) = two_runs(course, world)
    auth.login(world["instructor"].email)
    page = client.get(f"/author/sample/runs/{run_a.id}/announcements").get_data(as_text=True)
    assert f'<option selected value="{run_a.id}">' in page and "Every trainee of the course" in page
    response = auth.post(f"/author/sample/runs/{run_a.id}/announcements", form(run_a.id), follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "The announcement is posted." in text and "Range closed on Friday" in text
    assert "2 trainees" in text  # the run's, not the course's four
    auth.logout()

    stored = db.session.scalar(select(Announcement))
    assert (stored.run_id, stored.author_id, stored.send_mail) == (run_a.id, world["instructor"].id, True)
    for person in (first, second):
        page = _course_page(client, auth, person)
        assert "Range closed on Friday" in page and "<strong>room 4</strong>" in page
        assert "Ivan Instructor" in page and "All 1 announcement" in page
    assert "Range closed on Friday" not in _course_page(client, auth, other)
    outsider = make_user("outsider@example.org", "Olena Outsider", "trainee", world["ua"])
    assert "Range closed on Friday" not in _course_page(client, auth, outsider)

    auth.login(first.email)
    listed = client.get("/courses/sample/announcements")
    assert listed.status_code == 200 and "Range closed on Friday" in listed.get_data(as_text=True)
    auth.logout()
    auth.login(other.email)
    assert "Range closed on Friday" not in client.get("/courses/sample/announcements").get_data(as_text=True)
    auth.logout()
    auth.login(outsider.email)
    assert client.get("/courses/sample/announcements").status_code == 403
    auth.logout()


def test_a_course_wide_announcement_reaches_every_run_but_not_a_withdrawn_enrolment(client, auth, world, course, db):
    run_a, (first, leaver), run_b, (other, _) = two_runs(course, world)
    learning.withdraw(learning_enrolment(leaver, course), "moved to another unit", world["admin"])
    auth.login(world["admin"].email)
    assert auth.post("/author/sample/announcements", form(0, title="New handbook"),
                     form_page="/author/sample/announcements").status_code == 302
    auth.logout()
    for person in (first, other):
        assert "New handbook" in _course_page(client, auth, person)
    assert "New handbook" not in _course_page(client, auth, leaver)
    auth.login(leaver.email)
    assert client.get("/courses/sample/announcements").status_code == 403
    auth.logout()


def learning_enrolment(person, course):
    from lms.learning.queries import enrolment_of

    return enrolment_of(person.id, course.id)


def test_the_course_page_shows_the_latest_three_newest_first_with_a_link_to_all(client, auth, world, course, db):
    run_a, [first], _run_b, _ = two_runs(course, world, per_run=1)
    for n in range(1, 6):
        services.post(course, run_a if n % 2 else None, f"Notice number {n}", f"Text {n}", False, world["admin"])
    page = _course_page(client, auth, first)
    shown = [n for n in range(1, 6) if f"Notice number {n}" in page]
    assert shown == [3, 4, 5] and page.index("Notice number 5") < page.index("Notice number 3")
    assert "All 5 announcements" in page
    auth.login(first.email)
    listed = client.get("/courses/sample/announcements").get_data(as_text=True)
    assert all(f"Notice number {n}" in listed for n in range(1, 6))
    assert listed.index("Notice number 5") < listed.index("Notice number 1")


def test_bad_input_comes_back_with_a_message_and_nothing_is_saved(client, auth, world, course, db):
    run_a, _, _, _ = two_runs(course, world, per_run=1)
    auth.login(world["instructor"].email)
    url = "/author/sample/announcements"
    page = auth.post(url, form(0, title="")).get_data(as_text=True)
    assert "This field is required." in page and "Meet in **room 4** instead." in page
    page = auth.post(url, form(0, body="[" * 100)).get_data(as_text=True)
    assert "Line 1:" in page and 'value="Range closed on Friday"' in page
    page = auth.post(url, form(0, body="x" * 20_001)).get_data(as_text=True)
    assert "Field cannot be longer than 20000 characters." in page
    page = auth.post(url, form(999_999)).get_data(as_text=True)
    assert "Not a valid choice." in page
    assert db.session.scalar(select(Announcement.id)) is None


def test_a_correction_mails_nobody_again_and_a_withdrawal_hides_it_both_audited(client, auth, world, course, db):
    run_a, [first], _, _ = two_runs(course, world, per_run=1)
    announcement = services.post(course, run_a, "Range clsoed", "On Friday.", True, world["instructor"])
    auth.login(world["instructor"].email)
    url = f"/author/sample/announcements/{announcement.id}"
    response = auth.post(url, {"title": "Range closed", "body": "On Friday."}, follow_redirects=True)
    assert "The announcement is saved. Nobody is sent it again." in response.get_data(as_text=True)
    auth.logout()
    assert "Range closed" in _course_page(client, auth, first) and "corrected" in _course_page(client, auth, first)

    auth.login(world["instructor"].email)
    token = csrf_token(client.get("/author/sample/announcements").get_data(as_text=True))
    response = client.post(f"{url}/withdraw", data={"csrf_token": token}, follow_redirects=True)
    assert "The announcement is withdrawn." in response.get_data(as_text=True)
    assert client.post(f"{url}/withdraw", data={}).status_code == 400  # no token: refused
    auth.logout()
    assert "Range closed" not in _course_page(client, auth, first)
    db.session.expire_all()
    actions = [e.action for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.target_type == "announcements").order_by(AuditEvent.id))]
    assert actions == ["announcement.posted", "announcement.edited", "announcement.withdrawn"]
    edited = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "announcement.edited"))
    assert edited.details["was"]["title"] == "Range clsoed"


def test_a_trainer_announces_to_their_own_run_only(client, auth, world, course, db):
    run_a, [first], run_b, [other] = two_runs(course, world, per_run=1)
    trainer = a_trainer(run_a, world)
    everyone = services.post(course, None, "Course news", "For all.", False, world["admin"])
    auth.login(trainer.email)
    page = client.get("/author/sample/announcements").get_data(as_text=True)
    assert f'value="{run_a.id}"' in page and f'value="{run_b.id}"' not in page
    assert "Every trainee of the course" not in page and "Course news" not in page
    assert auth.post("/author/sample/announcements", form(0), form_page="/author/sample/announcements"
                     ).status_code == 200  # not a choice for them
    assert auth.post("/author/sample/announcements", form(run_b.id), form_page="/author/sample/announcements"
                     ).status_code == 200
    assert client.get(f"/author/sample/runs/{run_b.id}/announcements").status_code == 403
    assert client.get(f"/author/sample/announcements/{everyone.id}").status_code == 403
    assert auth.post("/author/sample/announcements", form(run_a.id, title="Bring boots"),
                     form_page="/author/sample/announcements").status_code == 302
    auth.logout()
    assert "Bring boots" in _course_page(client, auth, first)
    assert "Bring boots" not in _course_page(client, auth, other)
    assert [a.title for a in db.session.scalars(select(Announcement).order_by(Announcement.id))] == [
        "Course news", "Bring boots"]
