"""A trainee reads an assignment's and a practical assessment's page in the course's language version, chosen as
a lesson's or a quiz's page chooses it (this page's `?version=`, the enrolment's kept choice, the interface
language): the title, the instructions, the rubric's and the checklist's texts; a text the version lacks (the
original changed after the translation) is the original's."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.assignments.models import Assignment
from lms.catalog.models import Course
from lms.checklists import services as checklists
from lms.packages.importer import import_course
from lms.packages.reader import read_package
from lms.practicals.models import Practical
from tests.packages.sample import write_sample, write_version

pytestmark = pytest.mark.db

ASSIGNMENT = """\
---
title: Draft action plan
accepts: text
rubric:
  - title: Risks
    description: Names the main risks
    levels:
      - {title: Every main risk, points: 4}
      - {title: Some, points: 1}
  - title: Goals
    levels:
      - {title: Measurable, points: 6}
---

Write your **action plan** for the next year.
"""
PRACTICAL = """\
---
title: Seal check
pass_mark: 50
criteria:
- slug: number
  text: Checks the seal number against the declaration
  critical: true
- slug: log
  text: Records it in the log
  critical: false
---

Check the **seal** on a container.
"""
# The Ukrainian version's texts of both (their settings, levels' points and criteria's slugs are the original's).
UKRAINIAN = {
    "title: Draft action plan": "title: Проєкт плану дій",
    "title: Risks": "title: Ризики",
    "description: Names the main risks": "description: Називає основні ризики",
    "title: Every main risk": "title: Кожен основний ризик",
    "title: Some": "title: Деякі",
    "title: Goals": "title: Цілі",
    "title: Measurable": "title: Вимірювані",
    "Write your **action plan** for the next year.": "Напишіть свій **план дій** на наступний рік.",
    "title: Seal check": "title: Перевірка пломби",
    "text: Checks the seal number against the declaration": "text: Звіряє номер пломби з декларацією",
    "text: Records it in the log": "text: Записує його до журналу",
    "Check the **seal** on a container.": "Перевірте **пломбу** на контейнері.",
}
ENGLISH = ("Draft action plan", "<strong>action plan</strong> for the next year", "Names the main risks",
           "Seal check", "<strong>seal</strong> on a container", "Checks the seal number", "Records it in the log")
ASSIGNMENT_PAGE = "/courses/sample/assignments/action-plan"
PRACTICAL_PAGE = "/courses/sample/practicals/seal-check"


@pytest.fixture()
def course(db, tmp_path):
    """The sample course with an assignment and a practical in its first module, and its Ukrainian version
    (those two translated too), published."""
    folder = write_sample(tmp_path)
    (folder / "01-basics" / "04-action-plan.assignment.md").write_text(ASSIGNMENT, encoding="utf-8")
    (folder / "01-basics" / "05-seal-check.practical.md").write_text(PRACTICAL, encoding="utf-8")
    version = write_version(folder)
    for name in ("04-action-plan.assignment.md", "05-seal-check.practical.md"):
        path = version / "01-basics" / name
        text = path.read_text(encoding="utf-8")
        for english, ukrainian in UKRAINIAN.items():
            text = text.replace(english, ukrainian)
        path.write_text(text, encoding="utf-8")
    spec, problems = read_package(folder)
    assert not problems, [str(p) for p in problems]
    import_course(spec, publish=True)
    return db.session.scalar(select(Course).where(Course.slug == "sample"))


def page(client, url: str, **headers) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def test_the_kept_choice_shows_the_version_and_the_original_is_one_switch_away(reader, client):
    reader.post("/courses/sample/version", {"language": "uk"}, form_page="/courses/sample")

    assignment = page(client, ASSIGNMENT_PAGE)
    assert '<h1 lang="uk">Проєкт плану дій</h1>' in assignment
    assert "Напишіть свій <strong>план дій</strong> на наступний рік." in assignment  # rendered as Markdown
    assert ">Ризики</span>: <span lang=\"uk\">Називає основні ризики</span>" in assignment
    assert ">Цілі</span>" in assignment and "(4 / 1)" in assignment and "(6)" in assignment  # the original's points
    assert "Зразковий курс" in assignment  # the course's title in the crumbs
    assert 'href="/courses/sample/assignments/action-plan?version=en"' in assignment  # the switch to the original
    assert 'id="text" name="text"' in assignment  # the work's form, as it was
    practical = page(client, PRACTICAL_PAGE)
    assert '<h1 lang="uk">Перевірка пломби</h1>' in practical
    assert "Перевірте <strong>пломбу</strong> на контейнері." in practical
    assert "Звіряє номер пломби з декларацією" in practical and "Записує його до журналу" in practical
    assert 'href="/courses/sample/practicals/seal-check?version=en"' in practical
    for english in ENGLISH:
        assert english not in assignment + practical, english

    assignment = page(client, ASSIGNMENT_PAGE + "?version=en")
    practical = page(client, PRACTICAL_PAGE + "?version=en")
    assert '<h1 lang="en">Draft action plan</h1>' in assignment and '<h1 lang="en">Seal check</h1>' in practical
    for english in ENGLISH:
        assert english in assignment + practical, english
    assert "Проєкт плану дій" not in assignment and "Звіряє номер пломби" not in practical
    assert "Ризики" not in assignment and "Перевірте" not in practical


def test_the_page_switch_and_the_interface_language_choose_as_a_quiz_page_does(reader, client):
    english = page(client, ASSIGNMENT_PAGE)
    assert "Draft action plan" in english and "Проєкт плану дій" not in english  # no choice, English interface
    assert "Перевірка пломби" in page(client, PRACTICAL_PAGE + "?version=uk")
    assert "Проєкт плану дій" in page(client, ASSIGNMENT_PAGE, **{"Accept-Language": "uk"})
    reader.post("/courses/sample/version", {"language": "en"}, form_page="/courses/sample")
    kept = page(client, PRACTICAL_PAGE, **{"Accept-Language": "uk"})
    assert "Seal check" in kept and "Перевірка пломби" not in kept  # the enrolment's choice wins


def test_a_text_the_version_lacks_is_the_originals(reader, client, db, world, course):
    """The original changed after the translation: a description added to the rubric, a criterion added to the
    checklist. The page shows the version's texts it has, and the original's for the rest."""
    assignment = db.session.scalar(select(Assignment).where(Assignment.slug == "action-plan"))
    rubric = [dict(criterion) for criterion in assignment.rubric]
    rubric[1]["description"] = "Sets goals one can measure"
    assignment.rubric = rubric
    db.session.commit()
    practical = db.session.scalar(select(Practical).where(Practical.slug == "seal-check"))
    checklists.add_criterion(practical, course, "Photographs the seal", False, world["admin"])

    text = page(client, ASSIGNMENT_PAGE + "?version=uk")
    assert ">Цілі</span>: <span lang=\"en\">Sets goals one can measure</span>" in text
    assert '<h1 lang="uk">Проєкт плану дій</h1>' in text and "Називає основні ризики" in text
    text = page(client, PRACTICAL_PAGE + "?version=uk")
    assert '<span lang="en">Photographs the seal</span>' in text
    assert '<span lang="uk">Звіряє номер пломби з декларацією</span>' in text and "Перевірка пломби" in text
