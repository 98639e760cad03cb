"""One progress figure: a trainee's progress reads the same on the instructor's dashboard, the coordinator's
drill-down, the CSV export and the API.

The course is a shipped one with 13 items (nine lessons, four quizzes). The trainee reads one lesson through
the pages: 1 / 13 = 7.7 %, which the dashboard used to round to 8 while the reports showed 7. The rule the
guides state: a whole percent, rounded down (a course shows 100 % only when everything is done).
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from lms.packages.importer import import_course
from lms.packages.reader import read_package
from tests.helpers import Auth, make_staff

pytestmark = pytest.mark.db

COURSE_DIR = Path(__file__).resolve().parents[2] / "courses" / "integrity-anti-corruption"


def table(html: str, header: str) -> list[dict[str, str]]:
    """The rows of the page's table that has a column `header`, as {column heading: cell text}."""
    for found in re.findall(r"<table.*?</table>", html, re.S):
        head = re.search(r"<thead>(.*?)</thead>", found, re.S)
        names = [_text(c) for c in re.findall(r"<th[^>]*>(.*?)</th>", head.group(1), re.S)] if head else []
        if header not in names:
            continue
        body = re.search(r"<tbody>(.*?)</tbody>", found, re.S).group(1)
        return [dict(zip(names, (_text(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S))))
                for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]
    raise AssertionError(f"no table with a column {header!r}")


def _text(cell: str) -> str:
    # Sort links carry a hidden "(sorted, ascending)" and an arrow: the heading is the link's first words.
    cell = re.sub(r'<span class="visually-hidden">.*?</span>|<span aria-hidden="true">.*?</span>', "", cell)
    return " ".join(re.sub(r"<[^>]+>", "", cell).split())


def whole_percent(text: str) -> int:
    """The number of a cell such as "7%" or "7 %" (a no-break space before the sign)."""
    match = re.fullmatch(r"(\d+)\s*%", text.replace("\u00a0", " "))
    assert match, f"not a whole percentage: {text!r}"
    return int(match.group(1))


@pytest.fixture()
def thirteen_items(db):
    """The shipped integrity course (9 lessons, 4 quizzes), published."""
    from lms.catalog.queries import course_by_slug

    spec, problems = read_package(COURSE_DIR)
    assert not problems
    import_course(spec, publish=True)
    return course_by_slug(spec.slug)


def test_the_same_progress_on_the_dashboard_the_drilldown_the_csv_and_the_api(app, db, world, thirteen_items):
    course = thirteen_items
    make_staff(course, world["instructor"])
    trainee = world["trainee"]

    # The trainee enrols and reads the first lesson, through the pages.
    reader = app.test_client()
    Auth(reader).login(trainee.email)
    enrolled = Auth(reader).post(f"/courses/{course.slug}/enrol", {}, form_page=f"/courses/{course.slug}")
    assert enrolled.status_code == 302
    lesson = reader.get(enrolled.headers["Location"], follow_redirects=True)  # resumes at the first lesson
    assert lesson.status_code == 200 and "/lessons/" in lesson.request.path

    figures = figures_of(app, world, course, trainee)
    assert len(set(figures.values())) == 1, figures
    assert figures["dashboard"] == 7, figures  # 1 of 13 items = 7.7 %, rounded down


def figures_of(app, world, course, trainee) -> dict[str, int]:
    """The trainee's progress in `course` as the dashboard, the drill-down, its CSV and the API show it."""
    from lms.api.services import create_token

    instructor = app.test_client()
    Auth(instructor).login(world["instructor"].email)
    dashboard = instructor.get(f"/author/{course.slug}/dashboard").get_data(as_text=True)
    on_dashboard = {r["Name"]: r["Progress"] for r in table(dashboard, "Progress")}

    # The coordinator's drill-down, the drill-down's CSV, and the API.
    coordinator = app.test_client()
    Auth(coordinator).login(world["coordinator"].email)
    code = world["ua"].code
    drilldown = coordinator.get(f"/reports/institutions/{code}/courses/{course.slug}").get_data(as_text=True)
    on_drilldown = {r["Name"]: r["Progress"] for r in table(drilldown, "Progress")}
    exported = coordinator.get(f"/reports/institutions/{code}/courses/{course.slug}/export.csv")
    in_csv = {r["trainee_email"]: r["progress_percent"]
              for r in csv.DictReader(io.StringIO(exported.get_data().decode("utf-8")))}
    _row, token = create_token(world["coordinator"], "progress check")
    api = coordinator.get(f"/api/v1/reports/completion/{code}/{course.slug}",
                          headers={"Authorization": f"Bearer {token}"}).json
    in_api = {item["trainee_email"]: item["progress_percent"] for item in api["items"]}

    figures = {
        "dashboard": whole_percent(on_dashboard[trainee.name]),
        "drill-down": whole_percent(on_drilldown[trainee.name]),
        "CSV": int(in_csv[trainee.email]),
        "API": in_api[trainee.email],
    }
    return figures


def test_a_passed_practical_assessment_counts_in_every_progress_figure(app, db, world, thirteen_items):
    """13 items and a practical assessment: the trainee reads one lesson and passes the practical (a released
    sign-off): 2 of 14 = 14 % everywhere, My learning and the training record included; a held-back sign-off
    counts nothing until it is released."""
    from lms.core import clock
    from lms.learning import queries as learning_queries
    from lms.learning.models import Enrolment
    from lms.reports.record import training_record
    from tests.practicals.records import signed_record

    course = thirteen_items
    make_staff(course, world["instructor"])
    trainee = world["trainee"]
    reader = app.test_client()
    Auth(reader).login(trainee.email)
    enrolled = Auth(reader).post(f"/courses/{course.slug}/enrol", {}, form_page=f"/courses/{course.slug}")
    reader.get(enrolled.headers["Location"], follow_redirects=True)  # reads the first lesson
    enrolment = db.session.query(Enrolment).filter_by(user_id=trainee.id, course_id=course.id).one()

    record = signed_record(course, enrolment, world["instructor"], "Held back", hold=True)
    assert not record.is_released
    figures = figures_of(app, world, course, trainee)
    assert set(figures.values()) == {7}, figures  # 1 of 14 = 7.1 %: the held sign-off counts nothing

    from sqlalchemy import true

    from lms.checklists import services as checklists
    checklists.release(record.practical, true(), world["instructor"])
    figures = figures_of(app, world, course, trainee)
    figures["my learning"] = next(r.percent for r in learning_queries.my_learning(trainee) if r.course.id == course.id)
    figures["training record"] = next(c.progress for c in training_record(trainee, clock.now()).cycles
                                      if c.enrolment.id == enrolment.id)
    assert set(figures.values()) == {14}, figures  # 2 of 14 = 14.3 %
