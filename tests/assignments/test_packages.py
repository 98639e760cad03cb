"""Assignments in course packages: `NN-slug.assignment.md` read by the check (problems with their lines),
imported (matched by slug, retired when removed, the rubric a new version when it changes), and exported
byte-stable."""
from __future__ import annotations

import filecmp

import pytest
from sqlalchemy import select

from lms.assignments.models import Assignment
from lms.catalog.models import Course
from lms.packages.exporter import export_course
from lms.packages.importer import import_course
from lms.packages.reader import read_package
from tests.packages.sample import write_sample
from tests.packages.test_check import replace

ASSIGNMENT = """\
---
title: Draft action plan
accepts: both
file_kinds: [pdf, docx, zip]
max_file_mb: 5
max_files: 2
late_allowed: false
resubmissions: 2
pass_mark: 60
hide_names: true
hold_marks: true
rubric:
  - title: Risks
    description: Names the main risks
    levels:
      - {title: Every main risk, points: 4}
      - {title: Some, points: 1.5}
  - title: Goals
    levels:
      - {title: SMART, points: 6}
---

Write your **action plan** for the next year.
"""


def write(tmp_path, text: str = ASSIGNMENT, name: str = "04-action-plan.assignment.md"):
    folder = write_sample(tmp_path / "src")
    (folder / "01-basics" / name).write_text(text)
    return folder


def test_an_assignment_file_is_read_with_every_setting(tmp_path):
    spec, problems = read_package(write(tmp_path))
    assert problems == []
    [assignment] = spec.modules[0].assignments
    assert (assignment.slug, assignment.position, assignment.accepts, assignment.file_kinds) == (
        "action-plan", 4, "both", ["pdf", "docx", "zip"])
    assert (assignment.max_file_mb, assignment.max_files, assignment.late_allowed, assignment.resubmissions,
            assignment.pass_mark, assignment.hide_names, assignment.hold_marks) == (5, 2, False, 2, 60, True, True)
    assert assignment.rubric[0]["levels"][1] == {"title": "Some", "points": 1.5}
    assert "**action plan**" in assignment.instructions


@pytest.mark.parametrize(("old", "new", "said", "line"), [
    ("max_files: 2", "max_files: 40", "'max_files' must be between 1 and 20", 6),
    ("file_kinds: [pdf, docx, zip]", "file_kinds: [pdf, exe]", "unknown kinds of file in 'file_kinds': exe", 4),
    ("points: 1.5", "points: lots", "rubric, criterion 1: points must be a number", 12),
    ("title: Draft action plan", "title: Draft action plan\ndue_on: 2027-01-01", "a package carries no due date", 3),
    ("accepts: both", "accepts: anything", "'accepts' must be one of text, files, both", 3),
])
def test_problems_name_the_file_and_line(tmp_path, old, new, said, line):
    folder = write(tmp_path)
    replace(folder / "01-basics" / "04-action-plan.assignment.md", old, new)
    spec, problems = read_package(folder)
    assert spec is None
    [problem] = problems
    assert problem.file.endswith("01-basics/04-action-plan.assignment.md") and said in problem.message
    assert problem.line == line and problem.subject == "assignment"


def test_the_check_command_reads_assignments(app, tmp_path):
    folder = write(tmp_path)
    replace(folder / "01-basics" / "04-action-plan.assignment.md", "max_files: 2", "max_files: 0")
    result = app.test_cli_runner().invoke(args=["courses", "check", str(folder)])
    assert result.exit_code != 0 and "04-action-plan.assignment.md:6: 'max_files' must be between 1 and 20" in (
        result.output)


@pytest.mark.db
def test_import_and_export_round_trip_byte_stable(app, db, tmp_path):
    spec, problems = read_package(write(tmp_path))
    assert problems == []
    import_course(spec, publish=True)
    assignment = db.session.scalar(select(Assignment))
    assert (assignment.file_kinds, assignment.max_score, assignment.rubric_version) == ("pdf,docx,zip", 10, 1)
    course = db.session.scalar(select(Course))
    first = export_course(course, tmp_path / "first")
    exported = (first / "01-basics" / "04-action-plan.assignment.md").read_text()
    assert exported.startswith("---\ntitle: Draft action plan\naccepts: both\n")
    assert "due" not in exported and "Write your **action plan**" in exported
    again, problems = read_package(first)
    assert problems == [] and again.fingerprint == spec.fingerprint
    from tests.conftest import _truncate

    db.session.remove()
    _truncate(db)
    import_course(again, publish=True)
    second = export_course(db.session.scalar(select(Course)), tmp_path / "second")
    for sub in ("", "01-basics", "02-final"):
        comparison = filecmp.dircmp(first / sub, second / sub)
        assert not comparison.left_only and not comparison.right_only
        _match, mismatch, errors = filecmp.cmpfiles(first / sub, second / sub, comparison.common_files, shallow=False)
        assert not mismatch and not errors


@pytest.mark.db
def test_reimport_matches_by_slug_versions_a_new_rubric_and_retires_what_was_removed(app, db, tmp_path):
    folder = write(tmp_path)
    import_course(read_package(folder)[0], publish=True)
    first_id = db.session.scalar(select(Assignment.id))
    replace(folder / "01-basics" / "04-action-plan.assignment.md", "points: 6", "points: 8")
    import_course(read_package(folder)[0])
    assignment = db.session.scalar(select(Assignment))
    assert (assignment.id, assignment.rubric_version, assignment.max_score) == (first_id, 2, 12)
    (folder / "01-basics" / "04-action-plan.assignment.md").unlink()
    import_course(read_package(folder)[0])
    db.session.expire_all()
    assert db.session.get(Assignment, first_id).retired is True


def test_a_course_without_assignments_keeps_its_fingerprint(tmp_path):
    spec, _problems = read_package(write_sample(tmp_path / "plain"))
    # The sample's print before assignments existed: unchanged, so `lms init` re-imports no shipped course.
    assert spec.fingerprint == "2f68ee58d1573c68f51161111ba79dae69ae56421aad79cfaec22884fb28ea1b"
