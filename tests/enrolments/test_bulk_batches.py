"""Bulk enrolment writes in batches: the statements do not grow with the file, and the rows are those
the one-at-a-time services write (accounts that can set a password, new cycles, due dates, audit)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.auth.models import PasswordLink, User
from lms.core import clock
from lms.audit.models import AuditEvent
from lms.core.security import hash_token
from lms.enrolments import services
from lms.learning.models import Enrolment
from tests.helpers import make_course, make_user, statements

pytestmark = pytest.mark.db

DUE = "2031-05-01"




def bulk_file(prefix: str, rows: int, courses: str = "sample") -> bytes:
    """New trainees, every other one with a due date."""
    lines = ["email,name,courses,due"] + [f"{prefix}{n:04d}@example.org,Trainee {n},{courses},{DUE if n % 2 else ''}"
                                          for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def apply_file(db, world, content: bytes, due=None):
    """Preview, then apply as the confirmation does; returns the plan, the result and the statements of apply."""
    plan = services.plan(world["coordinator"], world["ua"], content, due)
    assert plan.can_apply, plan.bad[:1]
    with statements(db) as sent:
        result = services.apply(world["coordinator"], world["ua"], content, plan.digest, due)
    return plan, result, sent


def test_the_statements_do_not_grow_with_the_rows(db, world, course):
    # Fewer than a thousand rows per table: drivers may send a longer executemany in pages of rows.
    _plan, small, small_sent = apply_file(db, world, bulk_file("small", 3))
    _plan, large, large_sent = apply_file(db, world, bulk_file("large", 300))
    assert (len(large.new_accounts), large.enrolled) == (300, 300)
    # 12, and the enrolments' confirmations, written in the unit of work: one read of them, then lms.mail's bulk
    # write (lms.messages).
    assert len(large_sent) == len(small_sent) <= 19, large_sent
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 303


def test_new_accounts_can_set_their_password_and_sign_in(db, client, auth, world, course):
    make_course("second", "Second course")
    plan, result, _sent = apply_file(db, world, bulk_file("pw", 3, "sample second"))
    assert (plan.accounts_to_create, plan.enrolments_to_create) == (3, 6) and result.enrolled == 6
    # The accounts come back loaded: listing them with their links sends nothing more.
    with statements(db) as sent:
        listed = [(user.name, user.email) for user, _token in result.new_accounts]
    assert sent == [] and listed == [(f"Trainee {n}", f"pw{n:04d}@example.org") for n in range(3)]
    coordinator_id = world["coordinator"].id
    for user, token in result.new_accounts:
        assert (user.role, user.institution_id, user.active, user.password_hash, user.locale) == (
            "trainee", world["ua"].id, True, None, None)
        assert user.created_at is not None
        link = db.session.scalar(select(PasswordLink).where(PasswordLink.user_id == user.id))
        assert (link.token_hash, link.used_at, link.created_by_id) == (hash_token(token), None, coordinator_id)
        assert link.expires_at - link.created_at == timedelta(hours=72)
        enrolments = db.session.scalars(select(Enrolment).where(Enrolment.user_id == user.id)).all()
        # The due date ends at midnight at its end in the institution's zone (Kyiv, summer time).
        due = f"{DUE}T21:00:00+00:00" if user.name in ("Trainee 1", "Trainee 3") else None
        assert sorted((e.course.slug, e.cycle, e.is_current, e.status, e.source, e.enrolled_by_id,
                       e.due_at and e.due_at.isoformat()) for e in enrolments) == [
            (slug, 1, True, "active", "bulk", coordinator_id, due) for slug in ("sample", "second")]
    user, token = result.new_accounts[1]
    email = user.email
    assert client.get(f"/set-password/{token}").status_code == 200
    done = auth.post(f"/set-password/{token}", {"password": "a-new-long-secret", "confirm": "a-new-long-secret"})
    assert done.status_code == 302
    assert client.get(f"/set-password/{token}").status_code == 404  # one use only
    assert auth.login(email, "a-new-long-secret").headers["Location"] == "/"


def test_new_cycles_due_dates_and_audit_events_as_one_by_one(db, world, course):
    from lms.learning.services import complete_enrolment, enrol

    course.certificate_validity_months = 12
    second_course = make_course("second", "Second course")
    second = make_user("second@example.org", "Second Trainee", "trainee", world["ua"])
    third = make_user("third@example.org", "Third Trainee", "trainee", world["ua"])
    expired, _ = enrol(world["trainee"], course)
    complete_enrolment(expired, course, when=clock.now() - timedelta(days=800))
    valid, _ = enrol(second, course)
    complete_enrolment(valid, course)
    active, _ = enrol(third, course)
    db.session.commit()
    ids = {"trainee": world["trainee"].id, "second": second.id, "third": third.id, "course": second_course.id,
           "expired": expired.id, "valid": valid.id, "active": active.id, "coordinator": world["coordinator"].id}
    content = ("email,name,courses,due\n"
               "trainee@example.org,,sample,\n"  # the certificate expired: a second cycle
               "second@example.org,,sample second,2031-05-01\n"  # a due date moves; a new enrolment
               "third@example.org,,sample,\n"  # already enrolled: nothing
               "new@example.org,New Person,sample,\n").encode()
    before = db.session.scalar(select(func.max(AuditEvent.id)))
    plan, result, _sent = apply_file(db, world, content)
    assert [[(e.course.slug, e.action) for e in r.enrolments] for r in plan.rows] == [
        [("sample", "enrol")], [("sample", "due"), ("second", "enrol")], [("sample", "already")], [("sample", "enrol")]]
    assert (result.enrolled, result.due_changed, result.unchanged) == (3, 1, 1)
    db.session.expire_all()
    current = {(e.user_id, e.course.slug): e for e in db.session.scalars(select(Enrolment).where(
        Enrolment.is_current.is_(True)))}
    new_id = db.session.scalar(select(User.id).where(User.email == "new@example.org"))
    renewed = current[(ids["trainee"], "sample")]
    assert (renewed.cycle, renewed.id != ids["expired"]) == (2, True)
    assert db.session.get(Enrolment, ids["expired"]).is_current is False  # kept as history
    assert current[(ids["second"], "sample")].id == ids["valid"]
    assert current[(ids["second"], "sample")].due_at.isoformat() == "2031-05-01T21:00:00+00:00"
    assert current[(ids["third"], "sample")].id == ids["active"]
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.id > before).order_by(AuditEvent.id)).all()
    ua = world["ua"].id
    bulk = {"source": "bulk"}
    assert [(e.action, e.actor_id, e.target_type, e.target_id, e.institution_id, e.details) for e in events] == [
        ("enrolment.created", ids["coordinator"], "enrolments", renewed.id, ua,
         {"course": "sample", **bulk, "cycle": 2}),
        ("enrolment.due_changed", ids["coordinator"], "enrolments", ids["valid"], ua,
         {"due_on": "2031-05-01"}),
        ("enrolment.created", ids["coordinator"], "enrolments", current[(ids["second"], "second")].id, ua,
         {"course": "second", **bulk, "cycle": 1}),
        ("user.created", ids["coordinator"], "users", new_id, ua, {"role": "trainee"}),
        ("auth.password_link_issued", ids["coordinator"], "users", new_id, ua, {}),
        ("enrolment.created", ids["coordinator"], "enrolments", current[(new_id, "sample")].id, ua,
         {"course": "sample", **bulk, "cycle": 1}),
        ("enrolment.bulk", ids["coordinator"], None, None, ua,
         {"rows": 4, "accounts_created": 1, "enrolments_created": 3, "due_changed": 1}),
    ]
    assert all(e.created_at is not None for e in events)


def test_a_name_the_accounts_page_would_refuse_stops_the_whole_file(db, world, course):
    from lms.people.services import PeopleError

    content = "email,name,courses\nfine@example.org,Fine,sample\nodd@example.org,Odd\x01Name,sample\n".encode()
    plan = services.plan(world["coordinator"], world["ua"], content)
    with pytest.raises(PeopleError):
        services.apply(world["coordinator"], world["ua"], content, plan.digest)
    assert db.session.scalar(select(func.count()).select_from(User).where(User.email.like("%@example.org"))) == 4
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 0
