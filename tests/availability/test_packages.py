"""Availability rules in course packages: they import and export by slug (export, import elsewhere and
export again gives the same files), and the check refuses an item that is not in the package, a course
waiting for itself, a cycle and too many conditions, naming the file and the item."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from lms.availability.models import Condition
from lms.availability.queries import rules_by_item
from lms.catalog.queries import course_by_slug
from lms.packages.exporter import export_course
from lms.packages.importer import import_course
from lms.packages.reader import read_package
from tests.packages.sample import write_sample_with_rules

pytestmark = pytest.mark.db


def _read(folder: Path):
    spec, problems = read_package(folder)
    return spec, [str(p) for p in problems]


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_rules_round_trip_by_slug(db, tmp_path):
    spec, problems = _read(write_sample_with_rules(tmp_path / "in"))
    assert problems == []
    import_course(spec, publish=True)
    course = course_by_slug("sample")
    rules = {(kind, item_id): r for (kind, item_id), r in rules_by_item(course.id).items()}
    assert len(rules) == 2 and db.session.query(Condition).count() == 5
    final = next(r for (kind, _), r in rules.items() if kind == "quiz")
    assert final.days_after_start == 7 and final.courses == ("basics",) and final.items[0].min_percent == 80
    second = next(r for (kind, _), r in rules.items() if kind == "lesson")
    assert second.opens_on == date(2027, 3, 3)

    first = export_course(course, tmp_path / "out1")
    assert "available:" in (first / "01-basics" / "02-second.md").read_text()
    assert import_course(read_package(first)[0]).outcome == "unchanged"  # the same print: nothing to write
    # Imported into a fresh course of another slug and exported again: the same files.
    (tmp_path / "copy").mkdir()
    copy = tmp_path / "copy" / "sample"
    import shutil
    shutil.copytree(first, copy)
    spec2, problems = _read(copy)
    assert problems == []
    db.session.query(Condition).delete()
    course_by_slug("sample").package_hash = None  # as after an edit in the browser: the import writes again
    db.session.commit()
    assert import_course(spec2).outcome == "updated" and db.session.query(Condition).count() == 5
    again = export_course(course_by_slug("sample"), tmp_path / "out2")
    assert _files(first) == _files(again)


@pytest.mark.parametrize("change, message", [
    (("02-final/01-final.quiz.yaml", "- quiz: check", "- quiz: nowhere"),
     "sample/02-final/01-final.quiz.yaml:{line}: quiz 'final' waits for the quiz 'nowhere', which is not in the package"),
    (("02-final/01-final.quiz.yaml", "- course: basics", "- course: sample"),
     "quiz 'final' waits for its own course 'sample'"),
    (("01-basics/02-second.md", "from: 2027-03-03", "from: 3 March"),
     "sample/01-basics/02-second.md:7: 'from' must be a date written YYYY-MM-DD, got '3 March'"),
    (("01-basics/02-second.md", "from: 2027-03-03", "from: 2027-03-03\n  days_after_start: 3"),
     "give one date: 'from' or 'days_after_start', not both"),
])
def test_the_check_refuses_wrong_rules_naming_file_and_item(tmp_path, app, change, message):
    folder = write_sample_with_rules(tmp_path)
    path, old, new = change
    file = folder / path
    file.write_text(file.read_text().replace(old, new))
    spec, problems = _read(folder)
    line = next(i for i, text in enumerate(file.read_text().splitlines(), start=1) if new.splitlines()[0] in text)
    assert spec is None and any(message.format(line=line) in p for p in problems), problems


def test_the_check_refuses_a_cycle_and_too_many_conditions(tmp_path, app):
    folder = write_sample_with_rules(tmp_path)
    intro = folder / "01-basics" / "01-intro.md"
    intro.write_text(intro.read_text().replace("minutes: 5\n", "minutes: 5\navailable:\n  after:\n    - lesson: second\n"))
    spec, problems = _read(folder)
    assert spec is None and problems == [
        "sample/01-basics/01-intro.md: availability rules make items wait for each other, so none would ever open: "
        "lesson 'intro' → lesson 'second' → lesson 'intro'"]
    many = "\n".join(f"    - course: c{i}" for i in range(21))
    intro.write_text(intro.read_text().replace("    - lesson: second\n", many + "\n"))
    spec, problems = _read(folder)
    assert problems == ["sample/01-basics/01-intro.md:5: an item waits for at most 20 conditions; found 21"]
