"""Language versions in packages: a version reads and imports with its texts, exports back to the same files,
and anything but a text that differs from the original is refused with its file."""
from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.catalog.models import Course, Lesson
from lms.languages import queries as versions
from lms.packages.exporter import export_course
from lms.packages.importer import import_course
from lms.packages.reader import read_package
from lms.quizzes.models import Question
from tests.packages.sample import write_sample, write_version

pytestmark = pytest.mark.db


def problems_of(folder: Path) -> list[str]:
    spec, problems = read_package(folder)
    assert (spec is None) == bool(problems)
    return [str(p) for p in problems]


def test_a_version_is_read_imported_and_exported_back_the_same(db, tmp_path):
    folder = write_sample(tmp_path / "in")
    write_version(folder)
    spec, problems = read_package(folder)
    assert not problems, problems
    assert [v.language for v in spec.versions] == ["uk"] and spec.versions[0].translated_by == "Academy translators"
    assert import_course(spec, publish=True).outcome == "created"

    course = db.session.scalar(select(Course))
    [version] = versions.versions_of(course.id)
    assert (version.language, version.status, version.translated_from, version.reviewed) == ("uk", "published", "en",
                                                                                             False)
    texts = versions.texts(course.id, "uk")
    intro = db.session.scalar(select(Lesson).where(Lesson.slug == "intro"))
    assert texts[("lesson", intro.id)].title == "Вступ" and "![піксель](pixel.png)" in texts[("lesson", intro.id)].body
    short = db.session.scalar(select(Question).where(Question.slug == "q-short"))
    assert texts[("question", short.id)].data["accepted"] == ["міжвідомча", "міжвідомча співпраця"]
    assert texts[("course", course.id)].title == "Зразковий курс"
    assert course.title == "Sample course"  # the original keeps its own texts

    exported = export_course(course, tmp_path / "out")
    assert sorted(p.name for p in exported.iterdir()) == ["01-basics", "02-final", "course.yaml", "uk"]
    assert not (exported / "uk" / "01-basics" / "pixel.png").exists()
    again, problems = read_package(exported)
    assert not problems and again.fingerprint == spec.fingerprint
    assert import_course(again).outcome == "unchanged"
    second = export_course(course, tmp_path / "second")
    comparison = filecmp.dircmp(exported, second)
    assert _same_tree(comparison)


def _same_tree(comparison) -> bool:
    if comparison.left_only or comparison.right_only or comparison.diff_files:
        return False
    return all(_same_tree(sub) for sub in comparison.subdirs.values())


def test_a_version_removed_from_the_package_goes_with_its_texts(db, tmp_path):
    folder = write_sample(tmp_path)
    write_version(folder)
    spec, _ = read_package(folder)
    import_course(spec, publish=True)
    shutil.rmtree(folder / "uk")
    spec, _ = read_package(folder)
    assert import_course(spec).outcome == "updated"
    course = db.session.scalar(select(Course))
    assert versions.versions_of(course.id) == [] and versions.texts(course.id, "uk") == {}


@pytest.mark.parametrize("change, expected", [
    (lambda v: (v / "01-basics" / "02-second.md").unlink(),
     "sample/uk/01-basics: missing items of the original: lesson second"),
    (lambda v: (v / "01-basics" / "04-extra.md").write_text("---\ntitle: Зайвий\nminutes: 1\n---\nТекст.\n"),
     "sample/uk/01-basics: items the original does not have: lesson extra"),
    (lambda v: _edit(v / "01-basics" / "01-intro.md", "minutes: 5", "minutes: 9"),
     "sample/uk/01-basics/01-intro.md: minutes differs from the original's (5 there, 9 here)"),
    (lambda v: _edit(v / "01-basics" / "03-check.quiz.yaml", "      - text: Цей\n        correct: true\n",
                     "      - text: Цей\n"),
     "sample/uk/01-basics/03-check.quiz.yaml:"),
    (lambda v: _edit(v / "01-basics" / "03-check.quiz.yaml", "answer: 60", "answer: 61"),
     "sample/uk/01-basics/03-check.quiz.yaml: questions[5].numeric_answer differs from the original's (60.0 there, "
     "61.0 here)"),
    (lambda v: _edit(v / "01-basics" / "03-check.quiz.yaml", "pass_mark: 60", "pass_mark: 50"),
     "sample/uk/01-basics/03-check.quiz.yaml: pass_mark differs from the original's (60 there, 50 here)"),
    (lambda v: _edit(v / "course.yaml", "language: uk", "language: ka"),
     "sample/uk/course.yaml:4: 'language' must be 'uk', the version folder's name, got 'ka'"),
    (lambda v: _edit(v / "course.yaml", "translation:\n  from: en\n  by: Academy translators\n", "translation:\n"
                     "  from: en\n"),
     "sample/uk/course.yaml"),
    (lambda v: (v / "01-basics" / "pixel.png").write_bytes(b"\x89PNG"),
     "sample/uk/01-basics/pixel.png: a language version holds no images"),
    (lambda v: _edit(v / "01-basics" / "01-intro.md", "(pixel.png)", "(other.png)"),
     "sample/uk/01-basics/01-intro.md:6: broken image link: 'other.png'"),
    (lambda v: (v.parent / "en").mkdir() or shutil.copytree(v, v.parent / "en", dirs_exist_ok=True) or
     _edit(v.parent / "en" / "course.yaml", "language: uk", "language: en"),
     "sample/en/course.yaml: the version's language 'en' is the course's own language"),
])
def test_anything_but_a_text_that_differs_is_refused_naming_the_file(tmp_path, change, expected):
    folder = write_sample(tmp_path)
    version = write_version(folder)
    change(version)
    found = problems_of(folder)
    assert any(p.startswith(expected) for p in found), found


def test_a_wrong_answer_key_in_a_version_names_the_question(tmp_path):
    folder = write_sample(tmp_path)
    version = write_version(folder)
    _edit(version / "01-basics" / "03-check.quiz.yaml", "  - slug: q-tf\n    kind: true_false\n    text: True?\n"
          "    answer: true", "  - slug: q-tf\n    kind: true_false\n    text: True?\n    answer: false")
    assert problems_of(folder) == ["sample/uk/01-basics/03-check.quiz.yaml: questions[3].true_false_answer differs "
                                   "from the original's (True there, False here): a version changes texts only"]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_version_may_be_translated_from_a_version_read_after_it(db, tmp_path):
    """`ka` translated from `uk`: the versions are compared once all are read, whatever their folders' order."""
    folder = write_sample(tmp_path)
    write_version(folder)
    georgian = write_version(folder, "ka")
    course_yaml = georgian / "course.yaml"
    course_yaml.write_text(course_yaml.read_text(encoding="utf-8").replace("  from: en", "  from: uk"),
                           encoding="utf-8")
    spec, problems = read_package(folder)
    assert not problems, [str(p) for p in problems]
    assert [(v.language, v.translated_from) for v in spec.versions] == [("ka", "uk"), ("uk", "en")]
    course_yaml.write_text(course_yaml.read_text(encoding="utf-8").replace("  from: uk", "  from: ro"),
                           encoding="utf-8")
    assert problems_of(folder) == ["sample/ka/course.yaml: translation.from 'ro' is neither the course's language "
                                   "nor one of its versions"]
