"""The iCalendar feed and the .ics downloads: valid RFC 5545 as the `icalendar` library reads it, due dates on
their day in the trainee's zone, runs over their days, timed events with their zone and its VTIMEZONE, UIDs
that stay the same, and an address that stops working when renewed."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.calendar import providers, queries
from lms.calendar.events import Event, Provider
from lms.calendar.models import CalendarFeed
from lms.runs import services as runs
from tests.calendar.conftest import DUE, fetch, make_feed, parse, vevents
from tests.helpers import Auth

pytestmark = pytest.mark.db


def _check_rfc5545(cal) -> None:
    """What RFC 5545 asks of every calendar and event, and a VTIMEZONE for every TZID used."""
    assert str(cal["VERSION"]) == "2.0" and str(cal["PRODID"])
    zones = {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")}
    for event in cal.walk("VEVENT"):
        assert event.get("UID") and event.get("DTSTAMP") and event.get("DTSTART"), event
        for name in ("DTSTART", "DTEND"):
            tzid = event[name].params.get("TZID") if name in event else None
            assert tzid is None or tzid in zones, f"{name};TZID={tzid} without its VTIMEZONE"


def test_the_feed_lists_due_dates_and_runs_on_their_days(app, calendar_world):
    url = make_feed(app, calendar_world["trainee"].email)
    assert "/calendar/feed/" in url and url.endswith(".ics")
    response = fetch(app, url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    cal = parse(response.data)
    _check_rfc5545(cal)
    assert str(cal["X-WR-TIMEZONE"]) == "Europe/Lisbon"
    events = vevents(cal)
    due = events["Due: Border checks"]
    assert due["DTSTART"].dt == DUE and due["DTSTART"].params["VALUE"] == "DATE"
    assert due["DTEND"].dt == DUE + timedelta(days=1)
    assert "Europe/Lisbon" in str(due["DESCRIPTION"]) and str(due["URL"]).endswith("/courses/border-checks")
    run = events["Risk analysis: March intake"]
    assert (run["DTSTART"].dt, run["DTEND"].dt) == (date(2027, 3, 15), date(2027, 3, 27))
    assert str(run["STATUS"]) == "CONFIRMED"
    # A run's enrolment is due on its last day; the other trainee's due date is not in this feed.
    assert events["Due: Risk analysis"]["DTSTART"].dt == date(2027, 3, 26)
    assert sorted(events) == ["Due: Border checks", "Due: Risk analysis", "Risk analysis: March intake"]


def test_a_due_date_is_on_its_day_in_lisbon_and_in_tbilisi(app, calendar_world):
    """10 March ends at 00:00 UTC on 11 March in Lisbon and at 20:00 UTC on 10 March in Tbilisi: each trainee's
    calendar shows the due date on 10 March, never the UTC day."""
    for person in ("trainee", "other"):
        user = calendar_world[person]
        cal = parse(fetch(app, make_feed(app, user.email)).data)
        _check_rfc5545(cal)
        assert vevents(cal)["Due: Border checks"]["DTSTART"].dt == DUE, person
    from lms.learning.models import Enrolment
    from lms.extensions import db

    ends = dict(db.session.execute(select(Enrolment.user_id, Enrolment.due_at).where(Enrolment.due_on == DUE)).all())
    assert ends[calendar_world["trainee"].id].astimezone(UTC) == datetime(2027, 3, 11, tzinfo=UTC)
    assert ends[calendar_world["other"].id].astimezone(UTC) == datetime(2027, 3, 10, 20, tzinfo=UTC)


def test_a_session_keeps_its_place_zone_with_a_vtimezone(app, calendar_world):
    """A session of the trainee's run at 01:30 in Kyiv on 15 March is 23:30 on 14 March in Lisbon: once the trainee
    signs up, the feed writes it in Kyiv's zone with Kyiv's VTIMEZONE (the app shows it in its own zone), the month
    page in the viewer's; its .ics downloads for the trainee only."""
    from lms.sessions.services import SessionFields, create_session
    from lms.sessions.signups import sign_up

    session = create_session(calendar_world["risk"], calendar_world["run"], SessionFields(
        kind="in_person", title="Document checks workshop", starts_local=datetime(2027, 3, 15, 1, 30),
        ends_local=datetime(2027, 3, 15, 3, 30), zone="Europe/Kyiv", location="Room 4"), calendar_world["admin"])
    sign_up(calendar_world["trainee"], session)
    cal = parse(fetch(app, make_feed(app, calendar_world["trainee"].email)).data)
    _check_rfc5545(cal)
    event = vevents(cal)["Risk analysis: Document checks workshop"]
    assert event["DTSTART"].params["TZID"] == "Europe/Kyiv"
    assert event["DTSTART"].dt.replace(tzinfo=None) == datetime(2027, 3, 15, 1, 30)
    assert event["DTSTART"].dt.astimezone(UTC) == datetime(2027, 3, 14, 23, 30, tzinfo=UTC)
    assert str(event["LOCATION"]) == "Room 4"
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Kyiv"]

    client = app.test_client()
    Auth(client).login(calendar_world["trainee"].email)
    page = client.get("/calendar/?month=2027-03").get_data(as_text=True)
    cell = page.split('<span class="day-number">14</span>')[1].split("</td>")[0]
    assert "Document checks workshop" in cell
    download = client.get(f"/calendar/event/session/{session.id}.ics")
    assert download.status_code == 200 and vevents(parse(download.data))["Risk analysis: Document checks workshop"]
    other = app.test_client()
    Auth(other).login(calendar_world["other"].email)
    assert other.get(f"/calendar/event/session/{session.id}.ics").status_code == 404


def test_uids_stay_the_same_and_an_unchanged_feed_answers_304(app, calendar_world):
    url = make_feed(app, calendar_world["trainee"].email)
    first, second = fetch(app, url), fetch(app, url)
    uids = lambda response: sorted(str(e["UID"]) for e in parse(response.data).walk("VEVENT"))  # noqa: E731
    assert uids(first) == uids(second) and len(set(uids(first))) == 3
    assert all(uid.endswith("@localhost") for uid in uids(first))
    assert first.headers["ETag"] and "no-cache" in first.headers["Cache-Control"]
    assert fetch(app, url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    # A change of the events changes the tag: the app gets the new feed.
    runs.cancel_run(calendar_world["run"], calendar_world["admin"])
    changed = fetch(app, url, headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200
    assert str(vevents(parse(changed.data))["Risk analysis: March intake"]["STATUS"]) == "CANCELLED"


def test_renewing_kills_the_old_address_at_once(app, db, calendar_world):
    trainee = calendar_world["trainee"]
    old = make_feed(app, trainee.email)
    assert fetch(app, old).status_code == 200
    new = make_feed(app, trainee.email)
    assert new != old
    assert fetch(app, old).status_code == 404
    assert fetch(app, new).status_code == 200
    assert db.session.scalar(select(CalendarFeed.token_hash).where(CalendarFeed.user_id == trainee.id))
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("calendar.%"))
                                 .order_by(AuditEvent.id)).all()
    assert actions == ["calendar.feed_created", "calendar.feed_renewed"]
    token = new.rsplit("/", 1)[1][:-4]
    assert not any(token in str(e.details) for e in db.session.scalars(select(AuditEvent)))


def test_removing_the_address_and_unknown_addresses_answer_404(app, db, calendar_world):
    trainee = calendar_world["trainee"]
    url = make_feed(app, trainee.email)
    client = app.test_client()
    auth = Auth(client)
    auth.login(trainee.email)
    page = client.get("/calendar/").get_data(as_text=True)
    assert "You have a calendar address" in page and url not in page  # shown once only
    response = auth.post("/calendar/address/stop", {}, form_page="/calendar/", follow_redirects=True)
    assert "Your calendar address is removed" in response.get_data(as_text=True)
    assert fetch(app, url).status_code == 404
    assert fetch(app, "/calendar/feed/" + "x" * 300 + ".ics").status_code == 404
    assert fetch(app, "/calendar/feed/not-a-token.ics").status_code == 404


def test_a_deactivated_persons_feed_is_not_found(app, db, calendar_world):
    url = make_feed(app, calendar_world["trainee"].email)
    calendar_world["trainee"].active = False
    db.session.commit()
    assert fetch(app, url).status_code == 404


def test_fetches_past_the_limit_wait(app, calendar_world, monkeypatch):
    monkeypatch.setitem(app.config, "CALENDAR_FEED_LIMIT", "2 per hour")
    url = make_feed(app, calendar_world["trainee"].email)
    assert [fetch(app, url).status_code for _ in range(2)] == [200, 200]
    refused = fetch(app, url)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0


def test_the_feed_notes_its_use(app, db, calendar_world):
    url = make_feed(app, calendar_world["trainee"].email)
    fetch(app, url)
    db.session.expire_all()
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == calendar_world["trainee"].id))
    assert feed.last_used_at is not None


def test_one_event_downloads_with_the_feeds_uid_and_only_ones_own(app, client, auth, calendar_world):
    url = make_feed(app, calendar_world["trainee"].email)
    feed_uids = {str(e["SUMMARY"]): str(e["UID"]) for e in parse(fetch(app, url).data).walk("VEVENT")}
    auth.login(calendar_world["trainee"].email)
    enrolment_id = calendar_world["run_enrolment"].id
    run = client.get(f"/calendar/event/run/{calendar_world['run'].id}.ics")
    assert run.status_code == 200 and run.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in run.headers["Content-Disposition"]
    cal = parse(run.data)
    _check_rfc5545(cal)
    (event,) = cal.walk("VEVENT")
    assert str(event["UID"]) == feed_uids["Risk analysis: March intake"]
    # A due date of one's own downloads; another person's (or no such event, or no such kind) is "not found".
    from lms.learning.models import Enrolment
    from lms.extensions import db

    due_ids = dict(db.session.execute(select(Enrolment.user_id, Enrolment.id).where(Enrolment.due_on == DUE)).all())
    assert client.get(f"/calendar/event/due/{due_ids[calendar_world['trainee'].id]}.ics").status_code == 200
    assert client.get(f"/calendar/event/due/{due_ids[calendar_world['other'].id]}.ics").status_code == 404
    assert client.get(f"/calendar/event/due/{enrolment_id + 1000}.ics").status_code == 404
    assert client.get("/calendar/event/lessons/1.ics").status_code == 404
