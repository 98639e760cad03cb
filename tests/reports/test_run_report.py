"""The reports by run: the run filter narrows every figure and export to a run's enrolments, the drill-down and
the enrolments export show the run, and the per-run view counts enrolled, waiting, completed, on time, late and
overdue per run; a coordinator sees only their institution's trainees in it."""
from __future__ import annotations

from datetime import timedelta

import pytest

from lms.core import clock
from lms.learning import services as learning
from lms.runs import services as runs
from lms.runs.services import RunFields
from tests.helpers import make_user
from tests.reports.test_exports import read_csv, read_xlsx

pytestmark = pytest.mark.db


@pytest.fixture()
def two_runs(db, world, course):
    today = clock.now().date()
    a = runs.create_run(course, RunFields(code="2027-A", title="Spring intake", starts_on=today - timedelta(days=10),
                                          ends_on=today + timedelta(days=20), capacity=2), world["admin"])
    b = runs.create_run(course, RunFields(code="2027-B", title="Autumn intake", starts_on=today,
                                          ends_on=today + timedelta(days=60)), world["admin"])
    ua = [world["trainee"]] + [make_user(f"ua{i}@example.org", f"UA Officer {i}", "trainee", world["ua"])
                               for i in (2, 3)]
    enrolments = [runs.enrol_in_run(person, a, actor=world["admin"], source="admin")[0] for person in ua]
    # The first completes, the third waits; a Georgian officer is in the autumn run.
    learning.complete_enrolment(enrolments[0], course)
    db.session.commit()
    runs.enrol_in_run(world["other_trainee"], b, actor=world["admin"], source="admin")
    return a, b


def test_per_run_view_counts_each_run(client, auth, world, two_runs):
    auth.login(world["admin"].email)
    page = client.get("/reports/runs").get_data(as_text=True)
    assert "Spring intake" in page and "Autumn intake" in page and "2 runs" in page
    rows = read_csv(client.get("/reports/runs/export.csv"))
    spring = next(r for r in rows if r["run_code"] == "2027-A")
    assert (spring["enrolled"], spring["waiting"], spring["completed"], spring["completed_on_time"],
            spring["completion_rate_percent"]) == ("3", "1", "1", "1", "50.0")
    autumn = next(r for r in rows if r["run_code"] == "2027-B")
    assert (autumn["enrolled"], autumn["completed"]) == ("1", "0")


def test_the_coordinator_sees_only_their_institution(client, auth, world, two_runs):
    auth.login(world["coordinator"].email)
    rows = read_csv(client.get("/reports/runs/export.csv"))
    assert [r["run_code"] for r in rows] == ["2027-A"]  # the Georgian officer's run is not theirs


def test_the_run_filter_and_column_in_the_enrolments_export(client, auth, world, two_runs):
    auth.login(world["coordinator"].email)
    sheet = read_xlsx(client.get("/reports/enrolments/export.xlsx?course=sample&run=2027-A"))
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert {r[header.index("run_code")] for r in rows} == {"2027-A"} and len(rows) == 3
    assert client.get("/reports/enrolments/export.csv?run=" + "x" * 40).status_code == 400
    page = client.get(f"/reports/institutions/{world['ua'].code}/courses/sample?run=2027-A").get_data(as_text=True)
    assert "Spring intake" in page and "3 trainees" in page


def test_attendance_in_the_run_view_and_the_trainees_export(client, auth, world, course, db):
    from lms.sessions.signups import mark
    from tests.sessions.helpers import a_run, a_session, trainees_in

    run = a_run(course, world["admin"], code="2027-S")
    first, second = trainees_in(run, world, 2)
    earlier = a_session(course, run, world["admin"], start=clock.now() - timedelta(days=1), title="Searching vehicles")
    later = a_session(course, run, world["admin"], start=clock.now() - timedelta(hours=2), title="Forged documents")
    mark(earlier, {first.id: "present", second.id: "late"}, world["admin"])
    mark(later, {first.id: "present", second.id: "absent"}, world["admin"])
    auth.login(world["coordinator"].email)
    [row] = read_csv(client.get("/reports/runs/export.csv?run=2027-S"))
    # 3 sessions attended (present or late) of 4 held: 75 %; three sessions of 90 minutes: 4.5 hours.
    assert (row["attendance_rate_percent"], row["hours_attended"]) == ("75.0", "4.5")
    assert "75.0" in client.get("/reports/runs?run=2027-S").get_data(as_text=True)
    sheet = read_xlsx(client.get("/reports/enrolments/export.xlsx?course=sample&run=2027-S"))
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    by_email = {r[header.index("trainee_email")]: r for r in rows}
    rate, hours = header.index("attendance_rate_percent"), header.index("hours_attended")
    assert (by_email[first.email][rate], by_email[first.email][hours]) == (100, 3)
    assert (by_email[second.email][rate], by_email[second.email][hours]) == (50, 1.5)
