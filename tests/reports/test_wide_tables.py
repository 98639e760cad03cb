"""The data pages in Chromium, on a 1280 px laptop and a 390 px phone, with demo-sized data.

Five institutions with long names, the shipped courses, a hundred-odd trainees with long names
in three scripts. On a laptop a data page uses the width of the screen: the report, the drill-down and
the other wide tables fit without any sideways scrolling. On a phone nothing overflows the page; a
table too wide for the screen scrolls sideways inside its own box. A long table keeps its header row
in sight while one scrolls through it (a sticky header inside a box that scrolls). axe finds nothing.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from lms.commands import DEMO_INSTITUTIONS
from tests.axe import axe_script, violations
from tests.helpers import PASSWORD, Auth, make_institution, make_user
from tests.reports.conftest import Actions

pytestmark = pytest.mark.browser  # pages and scripts: on SQLite (docs/development.md, markers)

COURSES = Path(__file__).resolve().parents[2] / "courses"
FIRST = ["Oleksandra", "Volodymyr", "Nino", "Tamar", "Anahit", "Hovhannes", "Ion", "Małgorzata", "Олександра",
         "Ніно", "Анаіт", "Ґабріела"]
LAST = ["Kovalenko-Shevchenko", "Beridze-Tsereteli", "Hovhannisyan", "Rusu-Ciobanu", "Wiśniewska-Zielińska",
        "Коваленко-Шевченко", "Церетелі", "Ованесян"]
DRILL = ("DEMO-GE", "inter-agency-cooperation")  # the institution and course with a long list of trainees


def demo_sized(db) -> dict:
    """The demo's institutions and shipped courses; trainees in every course with some progress; one
    institution with 40 trainees in one course; a few exports for the export log."""
    from lms.catalog.models import Lesson
    from lms.catalog.queries import course_by_slug
    from lms.packages.importer import import_course
    from lms.packages.reader import read_package

    institutions = [make_institution(code, name, country) for code, name, country in DEMO_INSTITUTIONS]
    admin = make_user("admin@example.org", "Ada Admin", "admin")
    courses = []
    for folder in sorted(p for p in COURSES.iterdir() if (p / "course.yaml").is_file()):
        spec, problems = read_package(folder)
        assert not problems
        import_course(spec, publish=True)
        courses.append(course_by_slug(spec.slug))
    act = Actions(db)
    number = 0
    for institution in institutions:
        for course in courses:
            many = 40 if (institution.code, course.slug) == DRILL else 2
            lessons = db.session.scalars(select(Lesson.slug).where(Lesson.course_id == course.id)
                                         .order_by(Lesson.id)).all()
            for index in range(many):
                number += 1
                name = f"{FIRST[number % len(FIRST)]} {LAST[number % len(LAST)]} {number}"
                trainee = make_user(f"trainee.{number}.{institution.code.lower()}@border-academy.example.org", name,
                                    "trainee", institution)
                enrolment = act.enrol(trainee, course, "2024-01-10 10:00")
                for lesson in lessons[:index % 4]:
                    act.view(enrolment, course, lesson, "2024-01-11 10:00")
    return {"admin": admin, "courses": courses}


PAGES = {  # name -> (path, whether its table is long enough to scroll through)
    "report": ("/reports/", True),
    "charts": ("/reports/charts", False),
    "drill-down": (f"/reports/institutions/{DRILL[0]}/courses/{DRILL[1]}", True),
    "people": ("/people/", True),
    "audit log": ("/admin/audit/", True),
    "export log": ("/admin/personal-data-exports", False),
    "institutions": ("/institutions/", False),
    "dashboard": (f"/author/{DRILL[1]}/dashboard", True),
}

MEASURE = """() => {
  const wrapped = [...document.querySelectorAll('main table')].map(t => {
    const box = t.parentElement.classList.contains('table-scroll') ? t.parentElement : null;
    return {wrapped: !!box, table: t.getBoundingClientRect().width,
            box: box ? box.clientWidth : null, boxRight: box ? box.getBoundingClientRect().right : null,
            fits: box ? box.scrollWidth <= box.clientWidth : t.getBoundingClientRect().width <= innerWidth};
  });
  return {page: document.scrollingElement.scrollWidth, inner: innerWidth, main: document.querySelector('main')
          .getBoundingClientRect().width, tables: wrapped};
}"""

# The page's longest table is the one read by scrolling: it is marked so that the steps below find it again.
LONGEST = """() => {
  const tables = [...document.querySelectorAll('main table')];
  const longest = tables.reduce((a, b) => b.tBodies[0].rows.length > a.tBodies[0].rows.length ? b : a);
  longest.setAttribute('data-longest', '');
}"""

STICKY = """() => {
  const table = document.querySelector('main table[data-longest]');
  const head = table.querySelector('thead th').getBoundingClientRect();
  const first = table.querySelector('tbody tr').getBoundingClientRect();
  return {headTop: head.top, headBottom: head.bottom, firstRowTop: first.top, inner: innerHeight,
          boxScrolled: table.parentElement.scrollTop, pageScrolled: document.scrollingElement.scrollTop};
}"""


def sign_in(page, base: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", "admin@example.org")
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    assert "/login" not in page.url


def scroll_through_the_table(page) -> dict:
    """Turn the mouse wheel over the page's longest table, as one reads down it; where its header and
    first row are then."""
    page.evaluate(LONGEST)
    viewport = page.viewport_size
    box = page.locator("main table[data-longest]").bounding_box()
    if box["y"] > viewport["height"] * 0.6:  # below the fold (a phone, filters first): scroll down to it
        page.mouse.move(2, viewport["height"] / 2)
        page.mouse.wheel(0, box["y"] - viewport["height"] / 4)
        page.wait_for_function("y => window.scrollY >= y - 2", arg=box["y"] - viewport["height"] / 4, timeout=5000)
        box = page.locator("main table[data-longest]").bounding_box()
    top, bottom = max(box["y"], 0), min(box["y"] + box["height"], viewport["height"])
    assert bottom - top > 40, "the table is not on the first screen"
    page.mouse.move(min(box["x"] + box["width"], viewport["width"]) / 2, (top + bottom) / 2)
    before = page.evaluate(STICKY)
    for _ in range(3):
        page.mouse.wheel(0, 250)
        page.wait_for_timeout(150)
    page.wait_for_function("""before => {
        const row = document.querySelector('main table[data-longest] tbody tr').getBoundingClientRect();
        return row.top < before - 100; }""", arg=before["firstRowTop"], timeout=5000)
    return page.evaluate(STICKY)


@pytest.fixture()
def demo_site(app, db, live_server):
    data = demo_sized(db)
    client = app.test_client()
    Auth(client).login("admin@example.org")
    for url in ("/reports/enrolments/export.csv", "/reports/completion/export.xlsx",
                f"/reports/institutions/{DRILL[0]}/courses/{DRILL[1]}/export.csv"):
        assert client.get(url).status_code == 200  # entries for the export log
    return data


@pytest.mark.parametrize("width,height", [(1280, 800), (390, 844)], ids=["laptop-1280", "phone-390"])
def test_data_pages_fit_the_screen_keep_their_header_and_pass_axe(chromium, live_server, demo_site, width, height):
    axe_script()
    context = chromium.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    page = context.new_page()
    sign_in(page, live_server)
    problems, measured = [], {}
    for name, (path, long_table) in PAGES.items():
        page.goto(live_server + path)
        assert page.locator("main table").count(), f"{name}: no table (the data set is too small)"
        m = page.evaluate(MEASURE)
        measured[name] = m
        if m["page"] > m["inner"]:
            problems.append(f"{name}: the page scrolls sideways ({m['page']} px wide in {m['inner']})")
        for index, t in enumerate(m["tables"]):
            if not t["wrapped"]:
                problems.append(f"{name}: table {index + 1} has no scroll box of its own")
            elif t["boxRight"] > m["inner"] + 0.5:
                problems.append(f"{name}: table {index + 1}'s box overflows the page")
            if width >= 1280 and not t["fits"]:
                problems.append(f"{name}: table {index + 1} ({t['table']:.0f} px) needs sideways scrolling "
                                f"in its {t['box']} px box")
        if long_table:
            after = scroll_through_the_table(page)
            if not (0 <= after["headTop"] and after["headBottom"] <= after["inner"]):
                problems.append(f"{name}: the header row left the screen while scrolling the table: {after}")
        found = violations(page)
        if found:
            problems.append(f"{name}: axe: " + "; ".join(found))
    print(f"\n{width}x{height}: " + "; ".join(
        f"{name} page {m['page']}/{m['inner']} main {m['main']:.0f} tables "
        + ",".join(f"{t['table']:.0f}" + (f"/{t['box']}" if t["box"] is not None else "") for t in m["tables"])
        for name, m in measured.items()))
    context.close()
    assert not problems, "\n".join(problems)
