"""The trainee is told a practical assessment's result once they can read it: a notification and a mail of the
kind "practical" (in their language, which they may turn off), once per record, and for a held-back record
only when it is released."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms.extensions import db as _db
from lms.mail.models import Notification, OutboxMessage
from tests.practicals.conftest import sign_off_data

pytestmark = pytest.mark.db


def _url(drill):
    return f"/courses/drill/practicals/{drill['practical'].slug}/assess/{drill['enrolment'].id}"


def _told(user_id=None):
    """(notifications, mails) of the kind "practical", of one person when given."""
    where = [] if user_id is None else [Notification.user_id == user_id]
    notes = _db.session.scalar(select(func.count()).select_from(Notification)
                               .where(Notification.kind == "practical", *where))
    where = [] if user_id is None else [OutboxMessage.user_id == user_id]
    mails = _db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "practical", *where)
                                .order_by(OutboxMessage.id)).all()
    return notes, mails


def test_a_sign_off_released_at_once_is_told_once(client, auth, db, world, drill):
    from lms.checklists import notices
    from lms.practicals.models import Record

    auth.login("assessor@example.org")
    assert auth.post(_url(drill), sign_off_data(drill["practical"], ["met", "met", "not_observed"])).status_code == 302
    record = db.session.scalar(select(Record))
    notes, mails = _told(world["trainee"].id)
    assert notes == 1 and len(mails) == 1
    assert mails[0].key == f"practical:{record.id}" and mails[0].subject == "Passed: Seal check"
    assert "Your practical assessment Seal check (Border drill)" in mails[0].text_body
    assert "66.67% of the criteria met, passed." in mails[0].text_body
    assert f"/courses/drill/practicals/{drill['practical'].slug}" in mails[0].text_body
    assert "Results of practical assessments" in mails[0].text_body  # the kind, to unsubscribe from
    # A retry of the same record tells nobody again.
    assert notices.tell_results([record.id]) == 0
    db.session.commit()
    assert _told() == (1, mails)
    # The trainee reads it among their notifications.
    auth.logout()
    auth.login("trainee@example.org")
    assert "Passed: Seal check" in client.get("/notifications").get_data(as_text=True)


def test_a_new_assessment_is_a_new_result_told_again(client, auth, db, world, drill):
    auth.login("assessor@example.org")
    auth.post(_url(drill), sign_off_data(drill["practical"], ["not_met", "met", "met"]))
    auth.post(_url(drill), sign_off_data(drill["practical"], ["met", "met", "met"]))
    notes, mails = _told(world["trainee"].id)
    assert notes == 2 and [m.subject for m in mails] == ["Not yet competent: Seal check", "Passed: Seal check"]
    assert "not passed yet" in mails[0].text_body


def test_held_results_are_told_only_when_released(client, auth, db, world, drill):
    from lms.checklists import services

    drill["practical"].hold_marks = True
    db.session.commit()
    auth.login("assessor@example.org")
    auth.post(_url(drill), sign_off_data(drill["practical"], ["met"] * 3))
    assert _told() == (0, [])
    auth.logout()
    auth.login("instructor@example.org")
    listing = f"/courses/drill/practicals/{drill['practical'].slug}/assess"
    response = auth.post(f"/courses/drill/practicals/{drill['practical'].slug}/release", {"run": "all"},
                         form_page=listing)
    assert response.status_code == 302
    notes, mails = _told(world["trainee"].id)
    assert notes == 1 and len(mails) == 1 and mails[0].subject == "Passed: Seal check"
    # Released again: nothing is held any more, nobody is told twice.
    assert services.release(drill["practical"], None, world["instructor"]) == 0
    assert _told()[0] == 1 and len(_told()[1]) == 1


def test_the_mail_is_in_ukrainian_for_a_ukrainian_trainee_and_can_be_turned_off(client, auth, db, world, drill):
    from lms.mail.models import MailPreference

    world["trainee"].locale = "uk"
    db.session.commit()
    auth.login("assessor@example.org")
    auth.post(_url(drill), sign_off_data(drill["practical"], ["met", "met", "met"]))
    _notes, mails = _told(world["trainee"].id)
    assert mails[0].subject == "Складено: Seal check"
    assert "Ваше практичне оцінювання Seal check (Border drill)" in mails[0].text_body
    # Turned off: the notification still comes, the mail does not.
    db.session.add(MailPreference(user_id=world["trainee"].id, muted=["practical"]))
    db.session.commit()
    auth.post(_url(drill), sign_off_data(drill["practical"], ["met", "met", "not_met"]))
    notes, mails = _told(world["trainee"].id)
    assert notes == 2 and len(mails) == 1


def test_the_kind_is_on_the_preferences_page(client, auth, world):
    auth.login("trainee@example.org")
    page = client.get("/profile/notifications").get_data(as_text=True)
    assert "Results of practical assessments" in page
