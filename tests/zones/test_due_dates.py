"""Time zones: a due date typed by a coordinator is the same date for everyone, and ends at midnight at the
end of that date in the trainee's zone (Kyiv with its summer time, Tbilisi without), across both clock changes
of 2027; report periods are whole days in the viewer's zone; the institution form names its zone."""
from __future__ import annotations

import csv
import io
import os
import time
from datetime import UTC, datetime, timedelta

import pytest

from lms.api.services import create_token
from lms.audit.models import AuditEvent
from lms.core import clock
from lms.institutions.models import Institution
from lms.learning.models import Enrolment

pytestmark = pytest.mark.db


@pytest.fixture()
def kyiv_platform(app):
    """LMS_TIMEZONE=Europe/Kyiv (the platform's default zone), restored after."""
    before = app.config.get("BABEL_DEFAULT_TIMEZONE")
    app.config["BABEL_DEFAULT_TIMEZONE"] = "Europe/Kyiv"
    clock.freeze(datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    yield
    clock.freeze(None)
    app.config["BABEL_DEFAULT_TIMEZONE"] = before


@pytest.fixture()
def machine_in_kyiv():
    """The machine's own zone is Kyiv (TZ and tzset), restored after: nothing may read it."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Europe/Kyiv"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def enrol(auth, coordinator, trainee, course, due: str):
    auth.login(coordinator.email)
    response = auth.post(f"/people/{trainee.id}/enrol", {"course": course.slug, "due": due})
    assert response.status_code == 302, response.get_data(as_text=True)[-800:]
    auth.logout()


def current(db, trainee, course) -> Enrolment:
    db.session.expire_all()
    return db.session.query(Enrolment).filter_by(user_id=trainee.id, course_id=course.id, is_current=True).one()


@pytest.mark.parametrize(("due", "shown", "kyiv_end", "tbilisi_end"), [
    ("2027-03-28", "March 28, 2027", datetime(2027, 3, 28, 21, 0, tzinfo=UTC), datetime(2027, 3, 28, 20, 0, tzinfo=UTC)),
    ("2027-10-31", "October 31, 2027", datetime(2027, 10, 31, 22, 0, tzinfo=UTC),
     datetime(2027, 10, 31, 20, 0, tzinfo=UTC)),
])
def test_a_typed_due_date_is_that_date_for_everyone_and_ends_at_midnight_there(
        client, auth, world, course, db, kyiv_platform, due, shown, kyiv_end, tbilisi_end):
    assert world["ua"].timezone == "Europe/Kyiv" and world["ge"].timezone == "Asia/Tbilisi"
    enrol(auth, world["coordinator"], world["trainee"], course, due)
    enrol(auth, world["other_coordinator"], world["other_trainee"], course, due)
    kyiv, tbilisi = current(db, world["trainee"], course), current(db, world["other_trainee"], course)
    assert (kyiv.due_on.isoformat(), kyiv.due_at) == (due, kyiv_end)
    assert (tbilisi.due_on.isoformat(), tbilisi.due_at) == (due, tbilisi_end)

    for person in (world["trainee"], world["other_trainee"]):
        auth.login(person.email)
        assert f"Due by {shown}" in client.get("/my").get_data(as_text=True)
        assert f"Due by {shown}" in client.get(f"/courses/{course.slug}").get_data(as_text=True)
        auth.logout()

    # The coordinator's export and the API say the same date.
    auth.login(world["coordinator"].email)
    rows = list(csv.DictReader(io.StringIO(client.get("/reports/enrolments/export.csv").get_data(as_text=True))))
    assert [r["due_on"] for r in rows if r["trainee_email"] == world["trainee"].email] == [due]
    auth.logout()
    _token_row, token = create_token(world["other_trainee"], "t", None)
    answer = client.get(f"/api/v1/trainees/{world['other_trainee'].id}/enrolments",
                        headers={"Authorization": f"Bearer {token}"}).get_json()
    assert answer["items"][0]["due_on"] == due
    assert answer["items"][0]["due_at"] == (tbilisi_end + timedelta(hours=4)).strftime("%Y-%m-%dT00:00:00+04:00")


def test_an_xlsx_export_has_the_typed_date(client, auth, world, course, db, kyiv_platform):
    import openpyxl

    enrol(auth, world["coordinator"], world["trainee"], course, "2027-03-28")
    auth.login(world["coordinator"].email)
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/reports/enrolments/export.xlsx").get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    due_column = list(rows[0]).index("due_on")
    assert rows[1][due_column] == datetime(2027, 3, 28)


def test_a_new_zone_moves_the_end_of_open_due_dates(client, auth, world, course, db, kyiv_platform):
    enrol(auth, world["coordinator"], world["trainee"], course, "2027-10-31")
    auth.login(world["trainee"].email)
    page = client.get("/profile").get_data(as_text=True)
    assert "My institution's zone (Europe/Kyiv, UTC+02:00)" in page
    saved = auth.post("/profile", {"name": "Taras Trainee", "locale": "", "timezone": "Asia/Tbilisi"})
    assert saved.status_code == 302
    enrolment = current(db, world["trainee"], course)
    assert enrolment.due_on.isoformat() == "2027-10-31"
    assert enrolment.due_at == datetime(2027, 10, 31, 20, 0, tzinfo=UTC)
    assert "Due by October 31, 2027" in client.get("/my").get_data(as_text=True)
    auth.logout()

    # Back to the institution's, then the institution moves: its people's due dates follow, in one go.
    auth.login(world["trainee"].email)
    auth.post("/profile", {"name": "Taras Trainee", "locale": "", "timezone": ""})
    auth.logout()
    auth.login(world["admin"].email)
    edited = auth.post(f"/institutions/{world['ua'].id}/edit", {
        "code": "UA-ACAD", "name": "Border Academy of Ukraine", "country": "UA", "timezone": "Europe/Warsaw",
        "expiry_notice_days": "90", "active": "y"})
    assert edited.status_code == 302, edited.get_data(as_text=True)[-600:]
    institution = db.session.get(Institution, world["ua"].id)
    enrolment = current(db, world["trainee"], course)
    assert institution.timezone == "Europe/Warsaw"
    assert enrolment.due_at == datetime(2027, 10, 31, 23, 0, tzinfo=UTC)  # midnight in Warsaw (UTC+1 then)
    assert institution.expiry_notice_days == 90
    event = db.session.query(AuditEvent).filter_by(action="institution.updated").one()
    assert "timezone" in event.details["changes"] and "expiry_notice_days" in event.details["changes"]


def test_the_institution_form_refuses_a_country_of_several_zones_without_a_choice(client, auth, world, db):
    auth.login(world["admin"].email)
    refused = auth.post("/institutions/new", {"code": "AU-BF", "name": "Border Force College", "country": "AU",
                                              "expiry_notice_days": "60", "active": "y"})
    assert refused.status_code == 200
    page = refused.get_data(as_text=True)
    assert "AU has several time zones: choose the institution's." in page
    assert 'value="Border Force College"' in page  # nothing typed is lost
    assert db.session.query(Institution).filter_by(code="AU-BF").count() == 0
    chosen = auth.post("/institutions/new", {"code": "AU-BF", "name": "Border Force College", "country": "AU",
                                             "timezone": "Australia/Perth", "expiry_notice_days": "60", "active": "y"})
    assert chosen.status_code == 302
    assert db.session.query(Institution).filter_by(code="AU-BF").one().timezone == "Australia/Perth"
    # A country of one zone gets it without asking.
    auth.post("/institutions/new", {"code": "MD-BPC", "name": "Border Police College", "country": "MD",
                                    "expiry_notice_days": "60", "active": "y"})
    assert db.session.query(Institution).filter_by(code="MD-BPC").one().timezone == "Europe/Chisinau"
    bad = auth.post("/institutions/new", {"code": "MD-2", "name": "X", "country": "MD", "expiry_notice_days": "0"})
    assert "Enter a number of days from 1 to 730." in bad.get_data(as_text=True)


def test_report_periods_are_whole_days_in_the_viewers_zone(client, auth, world, course, db):
    from lms.learning.services import enrol as enrol_service

    inside, _ = enrol_service(world["trainee"], course, actor=world["admin"], source="admin")
    late = world["other_trainee"]
    outside, _ = enrol_service(late, course, actor=world["admin"], source="admin")
    inside.enrolled_at = datetime(2027, 3, 27, 22, 30, tzinfo=UTC)   # 28 March, 00:30 in Kyiv
    outside.enrolled_at = datetime(2027, 3, 28, 21, 30, tzinfo=UTC)  # 29 March, 00:30 in Kyiv (summer time)
    db.session.commit()
    auth.login(world["admin"].email)
    auth.post("/profile", {"name": "Ada Admin", "locale": "", "timezone": "Europe/Kyiv"})
    url = "/reports/enrolments/export.csv?enrolled_from=2027-03-28&enrolled_to=2027-03-28"
    emails = [r["trainee_email"] for r in csv.DictReader(io.StringIO(client.get(url).get_data(as_text=True)))]
    assert emails == [world["trainee"].email]
    page = client.get("/reports/?enrolled_from=2027-03-28&enrolled_to=2027-03-28").get_data(as_text=True)
    assert "Dates are whole days in Europe/Kyiv" in page
    # The API: an explicit zone or offset, else the token owner's.
    _row, token = create_token(world["admin"], "t", None)
    headers = {"Authorization": f"Bearer {token}"}
    base = f"/api/v1/reports/completion/UA-ACAD/{course.slug}?enrolled_from=2027-03-28&enrolled_to=2027-03-28"
    assert client.get(base, headers=headers).get_json()["total"] == 1
    assert client.get(base + "&tz=UTC", headers=headers).get_json()["total"] == 0
    assert client.get(base + "&utc_offset=%2B03:00", headers=headers).get_json()["total"] == 1
    assert client.get(base + "&tz=Mars/Olympus", headers=headers).status_code == 400


def test_a_machine_in_kyiv_shows_the_same_pages_as_one_in_utc(client, auth, world, course, db, kyiv_platform):
    enrol(auth, world["coordinator"], world["trainee"], course, "2027-03-28")
    auth.login(world["trainee"].email)
    in_utc = [client.get(url).get_data(as_text=True) for url in ("/my", f"/courses/{course.slug}")]
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Europe/Kyiv"
    time.tzset()
    try:
        in_kyiv = [client.get(url).get_data(as_text=True) for url in ("/my", f"/courses/{course.slug}")]
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()
    strip = __import__("re").compile(r'name="csrf_token"[^>]*>|nonce="[^"]+"')
    assert [strip.sub("", p) for p in in_kyiv] == [strip.sub("", p) for p in in_utc]
    assert "Due by March 28, 2027" in in_kyiv[0]


def test_bulk_due_dates_are_read_as_dates_and_the_past_is_the_trainees(client, auth, world, course, db):
    from lms.enrolments import services as bulk

    # 23:30 UTC on 27 March is already 28 March in Tbilisi: 27 March is past there, not in UTC.
    clock.freeze(datetime(2027, 3, 27, 23, 30, tzinfo=UTC))
    try:
        content = (f"email,name,courses,due\n{world['other_trainee'].email},,{course.slug},2027-03-27\n"
                   f"new@example.ge,Nika New,{course.slug},2027-03-28\n").encode()
        plan = bulk.plan(world["other_coordinator"], world["ge"], content)
        assert [p.code for b in plan.bad for p in b.problems] == ["due_past"]
        content = f"email,name,courses,due\nnew@example.ge,Nika New,{course.slug},2027-03-28\n".encode()
        plan = bulk.plan(world["other_coordinator"], world["ge"], content)
        bulk.apply(world["other_coordinator"], world["ge"], content, plan.digest)
    finally:
        clock.freeze(None)
    enrolment = db.session.query(Enrolment).filter(Enrolment.source == "bulk").one()
    assert (enrolment.due_on.isoformat(), enrolment.due_at) == ("2027-03-28", datetime(2027, 3, 28, 20, 0, tzinfo=UTC))


def test_an_admin_sets_a_persons_zone_or_moves_them_and_their_due_dates_follow(client, auth, world, course, db,
                                                                                 kyiv_platform):
    trainee = world["trainee"]
    enrol(auth, world["coordinator"], trainee, course, "2027-03-28")
    auth.login(world["admin"].email)
    form = {"email": trainee.email, "name": trainee.name, "role": "trainee", "institution_id": str(world["ge"].id),
            "locale": "", "timezone": "", "active": "y"}
    moved = auth.post(f"/people/{trainee.id}/edit", form)
    assert moved.status_code == 302, moved.get_data(as_text=True)[-600:]
    assert current(db, trainee, course).due_at == datetime(2027, 3, 28, 20, 0, tzinfo=UTC)  # Tbilisi's midnight
    own = auth.post(f"/people/{trainee.id}/edit", {**form, "timezone": "Europe/Kyiv"})
    assert own.status_code == 302
    assert current(db, trainee, course).due_at == datetime(2027, 3, 28, 21, 0, tzinfo=UTC)
    assert db.session.query(AuditEvent).filter_by(action="user.timezone_changed").count() == 1


def test_the_personal_data_download_holds_the_zone_and_the_due_date_and_anonymising_clears_the_zone(
        client, auth, world, course, db, kyiv_platform):
    import json

    from lms.auth.services import set_timezone
    from lms.privacy.services import anonymise_user
    from tests.helpers import csrf_token

    trainee = world["trainee"]
    enrol(auth, world["coordinator"], trainee, course, "2027-03-28")
    set_timezone(trainee, "Asia/Tbilisi", actor=trainee)
    db.session.commit()
    auth.login(trainee.email)
    page = client.get("/profile").get_data(as_text=True)
    response = client.post("/profile/data", data={"format": "json", "csrf_token": csrf_token(page)})
    records = json.loads(response.get_data(as_text=True))["records"]
    assert records["profile"][0]["time_zone"] == "Asia/Tbilisi"
    enrolment = records["enrolments"][0]
    assert (enrolment["due_on"], enrolment["due_at"]) == ("2027-03-28", "2027-03-29T00:00:00+04:00")
    auth.logout()
    anonymise_user(trainee, world["admin"])
    db.session.expire_all()
    assert db.session.get(type(trainee), trainee.id).timezone is None


def test_the_command_line_names_the_zone_and_asks_for_one_where_it_must(app, db):
    cli = app.test_cli_runner()
    refused = cli.invoke(args=["institutions", "add", "--code", "CA-CBSA", "--name", "College", "--country", "CA"])
    assert refused.exit_code != 0 and "'CA' has several time zones" in refused.output and "--timezone" in refused.output
    added = cli.invoke(args=["institutions", "add", "--code", "CA-CBSA", "--name", "College", "--country", "CA",
                             "--timezone", "America/Toronto", "--expiry-notice-days", "30"])
    assert added.exit_code == 0 and "America/Toronto" in added.output
    institution = db.session.query(Institution).filter_by(code="CA-CBSA").one()
    assert (institution.timezone, institution.expiry_notice_days) == ("America/Toronto", 30)
