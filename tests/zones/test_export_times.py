"""The export's cells of instants in a viewer's zone: the same text as lms.core.when.iso, fast path or not,
from SQLite's stored text and from aware datetimes, across the clock changes."""
from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from lms.core import when
from lms.reports.exports import Column, LocalTimes, csv_cell

ZONES = ("Europe/Kyiv", "Asia/Tbilisi", "Asia/Kolkata", "America/St_Johns", "Pacific/Chatham", "UTC")


def instants():
    chosen = random.Random(2027)
    start = datetime(2026, 12, 31, tzinfo=UTC)
    moments = [start + timedelta(seconds=chosen.randrange(366 * 86400)) for _ in range(3000)]
    # Around both changes of 2027 in Kyiv (01:00 UTC), minute by minute.
    for day in (datetime(2027, 3, 28, tzinfo=UTC), datetime(2027, 10, 31, tzinfo=UTC)):
        moments += [day + timedelta(minutes=m) for m in range(-90, 240)]
    return moments


@pytest.mark.parametrize("name", ZONES)
def test_cells_are_iso_8601_in_the_zone(name):
    zone = ZoneInfo(name)
    moment_cell = csv_cell(Column("x", "datetime", lambda r: r), zone, LocalTimes(zone))
    day_cell = csv_cell(Column("x", "day", lambda r: r), zone, LocalTimes(zone))
    for moment in instants():
        expected = when.iso(moment, zone)
        if name == "UTC":
            expected = expected.replace("+00:00", "Z")
        stored = moment.strftime("%Y-%m-%d %H:%M:%S.%f")  # as SQLite keeps it
        assert moment_cell(stored) == moment_cell(moment) == expected, (name, moment)
        assert day_cell(stored) == day_cell(moment) == expected[:10], (name, moment)
