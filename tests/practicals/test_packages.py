"""Practical assessments in course packages: checked, imported (criteria matched by slug, those removed retired),
exported byte-stable."""
from __future__ import annotations

import pytest
from sqlalchemy import select

pytestmark = pytest.mark.db

PRACTICAL = """---
title: Seal check
pass_mark: 60
hold_marks: true
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


def _write(folder, practical_text=PRACTICAL):
    course = folder / "drill-pack"
    module = course / "01-field"
    module.mkdir(parents=True)
    (course / "course.yaml").write_text(
        "slug: drill-pack\ntitle: Drill\nsummary: A drill.\nlanguage: en\nversion: 1\nestimated_hours: 2\n"
        "outcomes:\n- Checks seals\ncompletion:\n  lessons: all\n  quizzes: none\n  practicals: all\n",
        encoding="utf-8")
    (module / "module.yaml").write_text("title: Field work\n", encoding="utf-8")
    (module / "01-intro.md").write_text("---\ntitle: Intro\nminutes: 5\n---\n\nRead this.\n", encoding="utf-8")
    (module / "02-seal-check.practical.md").write_text(practical_text, encoding="utf-8")
    return course


def test_import_export_round_trip(db, tmp_path):
    from lms.catalog.queries import course_by_slug
    from lms.packages.exporter import export_course
    from lms.packages.importer import import_course
    from lms.packages.reader import read_package
    from lms.practicals.models import Practical

    folder = _write(tmp_path / "in")
    spec, problems = read_package(folder)
    assert not problems, [str(p) for p in problems]
    assert import_course(spec).outcome == "created"
    practical = db.session.scalar(select(Practical))
    assert (practical.title, practical.pass_mark, practical.hold_marks, practical.position) == ("Seal check", 60,
                                                                                              True, 2)
    assert practical.instructions == "Check the **seal** on a container.\n"
    assert [(c.slug, c.critical) for c in practical.criteria] == [("number", True), ("log", False)]
    out = export_course(course_by_slug("drill-pack"), tmp_path / "out")
    assert (out / "01-field" / "02-seal-check.practical.md").read_text(encoding="utf-8") == PRACTICAL
    assert (out / "course.yaml").read_text(encoding="utf-8").count("practicals") == 0  # the default
    again, problems = read_package(out)
    assert not problems and again.fingerprint == spec.fingerprint
    assert import_course(again).outcome == "unchanged"


def test_reimport_matches_criteria_by_slug_and_retires_the_removed(db, tmp_path):
    from lms.packages.importer import import_course
    from lms.packages.reader import read_package
    from lms.practicals.models import Criterion, Practical

    spec, _problems = read_package(_write(tmp_path / "one"))
    import_course(spec)
    first_ids = {c.slug: c.id for c in db.session.scalars(select(Criterion))}
    changed = PRACTICAL.replace("""- slug: log
  text: Records it in the log
  critical: false
""", """- slug: report
  text: Reports to the shift lead
""").replace("Checks the seal number against the declaration", "Checks the seal number")
    spec, problems = read_package(_write(tmp_path / "two", changed))
    assert not problems
    assert import_course(spec).outcome == "updated"
    db.session.expire_all()
    criteria = {c.slug: c for c in db.session.scalars(select(Criterion))}
    assert criteria["number"].id == first_ids["number"] and criteria["number"].text == "Checks the seal number"
    assert criteria["log"].retired and not criteria["report"].retired
    # A package without the practical retires it.
    folder = _write(tmp_path / "three")
    (folder / "01-field" / "02-seal-check.practical.md").unlink()
    spec, _problems = read_package(folder)
    import_course(spec)
    db.session.expire_all()
    assert db.session.scalar(select(Practical)).retired


@pytest.mark.parametrize("text, code", [
    (PRACTICAL.replace("title: Seal check\n", ""), "required"),
    (PRACTICAL.replace("pass_mark: 60", "pass_mark: 101"), "out_of_range"),
    (PRACTICAL.replace("- slug: log", "- slug: number"), "duplicate_slug"),
    (PRACTICAL.replace("Records it in the log", "x" * 501), "too_long"),
    ("---\ntitle: Nothing\n---\n\nNo criteria.\n", "no_criteria"),
    (PRACTICAL.replace("hold_marks: true", "hold_marks: true\nrubric: []"), "unknown_key"),
])
def test_check_refuses(db, tmp_path, text, code):
    from lms.packages.reader import read_package

    spec, problems = read_package(_write(tmp_path, text))
    assert spec is None
    assert code in {p.code for p in problems}, [(p.code, str(p)) for p in problems]
    assert all(p.file.endswith(".practical.md") for p in problems if p.code == code)


def test_the_criteria_are_bounded_and_read_in_linear_time(db, tmp_path):
    from lms.packages.reader import read_package

    many = "".join(f"- slug: c{i}\n  text: Criterion {i}\n" for i in range(101))
    text = f"---\ntitle: Big\ncriteria:\n{many}---\n"
    spec, problems = read_package(_write(tmp_path, text))
    assert spec is None and "too_many_criteria" in {p.code for p in problems}
