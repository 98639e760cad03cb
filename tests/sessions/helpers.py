"""What the tests of training sessions share: a run with trainees, sessions at given times."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from lms.core import clock
from lms.runs import services as runs
from lms.runs.services import RunFields
from lms.sessions import services
from lms.sessions.services import SessionFields
from tests.helpers import make_user

KYIV = ZoneInfo("Europe/Kyiv")


def a_run(course, admin, code: str = "2027-A", capacity: int | None = 30):
    """A run of the course from today for 60 days."""
    today = clock.now().date()
    return runs.create_run(course, RunFields(code=code, title=f"Intake {code}", starts_on=today,
                                             ends_on=today + timedelta(days=60), capacity=capacity), admin)


def trainees_in(run, world, n: int, prefix: str = "t", institution=None):
    """`n` new trainees of the institution (default Ukraine's) enrolled in the run."""
    people = [make_user(f"{prefix}{i}@example.org", f"Trainee {prefix}{i}", "trainee", institution or world["ua"])
              for i in range(n)]
    for person in people:
        runs.enrol_in_run(person, run, actor=world["admin"], source="admin")
    return people


def local(moment: datetime, where=KYIV) -> datetime:
    """An aware instant as the naive wall-clock time of the place."""
    return moment.astimezone(where).replace(tzinfo=None, second=0, microsecond=0)


def fields(start: datetime, minutes: int = 90, **changes) -> SessionFields:
    """A practical session at `start` (aware) in Kyiv."""
    values = dict(kind="practical", title="Document checks", starts_local=local(start),
                  ends_local=local(start) + timedelta(minutes=minutes), zone="Europe/Kyiv", location="Room 4",
                  capacity=None, description="Bring your **passport** samples.")
    values.update(changes)
    return SessionFields(**values)


def a_session(course, run, admin, start: datetime | None = None, **changes):
    """A session of the run, by default in three days."""
    start = start or clock.now() + timedelta(days=3)
    return services.create_session(course, run, fields(start, **changes), admin)
