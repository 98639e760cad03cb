"""A timed attempt across the clock changes of 2027: its end is shown in the trainee's zone, with the zone
named, and the time left is right even when the wall clock jumps (Kyiv) or does not (Tbilisi)."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lms.core import clock
from tests.helpers import start_attempt

pytestmark = pytest.mark.db


@pytest.fixture(autouse=True)
def _clock():
    yield
    clock.freeze(None)


@pytest.mark.parametrize(("start", "who", "shown"), [
    # 02:55 in Kyiv; at 03:00 the clocks go forward to 04:00: ten minutes later it is 04:05 summer time.
    (datetime(2027, 3, 28, 0, 55, tzinfo=UTC), "trainee", "4:05 AM Eastern European Summer Time"),
    (datetime(2027, 3, 28, 0, 55, tzinfo=UTC), "other_trainee", "5:05 AM Georgia Standard Time"),
    # 03:55 summer time in Kyiv; at 04:00 the clocks go back to 03:00: ten minutes later it is 03:05.
    (datetime(2027, 10, 31, 0, 55, tzinfo=UTC), "trainee", "3:05 AM Eastern European Standard Time"),
    (datetime(2027, 10, 31, 0, 55, tzinfo=UTC), "other_trainee", "5:05 AM Georgia Standard Time"),
])
def test_the_deadline_is_in_the_trainees_zone_across_a_clock_change(client, auth, world, course, db, start, who,
                                                                      shown):
    clock.freeze(start)
    auth.login(world[who].email)
    auth.post("/courses/sample/enrol", {}, form_page="/courses/sample")
    attempt_id = start_attempt(auth, "sample", "check")  # a time limit of 10 minutes
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True).replace("\u202f", " ")
    assert shown in page and "about 10 minutes left" in page
    offset = "+04:00" if who == "other_trainee" else ("+03:00" if start.month == 3 else "+02:00")
    assert f'data-deadline="{start.date().isoformat()}T0{shown[0]}:05:00{offset}"' in page  # what the script counts to
