"""The course settings of assessed work and grading: in the course settings form, and in packages' course.yaml
(`completion: {assignments, practicals}` and `grading:`), checked, imported and exported back."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.catalog.models import Course
from lms.extensions import db as _db
from lms.packages.exporter import export_course
from lms.packages.importer import import_course
from lms.packages.reader import read_package
from tests.helpers import make_staff
from tests.packages.sample import write_sample

pytestmark = pytest.mark.db


def test_a_package_carries_the_completion_of_assessed_work_and_the_grading_rule(db, tmp_path):
    folder = write_sample(tmp_path / "in")
    (folder / "course.yaml").write_text((folder / "course.yaml").read_text()
                                        + "grading: module_weights\n")
    text = (folder / "course.yaml").read_text()
    assert "completion:" in text
    text = text.replace("completion:\n", "completion:\n  assignments: none\n  practicals: all\n", 1)
    (folder / "course.yaml").write_text(text)
    spec, problems = read_package(folder)
    assert not problems, problems
    import_course(spec, publish=True)
    course = _db.session.scalar(select(Course))
    assert (course.completion_assignments, course.completion_practicals, course.grading_rule) == (
        "none", "all", "module_weights")
    exported = (export_course(course, tmp_path / "out") / "course.yaml").read_text()
    assert "grading: module_weights" in exported and "assignments: none" in exported
    assert "practicals" not in exported  # the default is not written: old packages stay byte for byte


def test_a_package_with_unknown_values_is_refused(db, tmp_path):
    folder = write_sample(tmp_path / "in")
    text = (folder / "course.yaml").read_text().replace("completion:\n", "completion:\n  practicals: some\n", 1)
    (folder / "course.yaml").write_text(text + "grading: median\n")
    _spec, problems = read_package(folder)
    assert {p.code for p in problems} >= {"not_one_of"}
    assert len([p for p in problems if p.code == "not_one_of"]) == 2


def test_the_defaults_change_nothing_in_an_export(db, tmp_path):
    folder = write_sample(tmp_path / "in")
    spec, _problems = read_package(folder)
    import_course(spec, publish=True)
    exported = (export_course(_db.session.scalar(select(Course)), tmp_path / "out") / "course.yaml").read_text()
    assert "grading" not in exported and "assignments" not in exported


def test_the_course_settings_form_sets_them(client, auth, world, course):
    make_staff(course, world["instructor"])
    auth.login(world["instructor"].email)
    page = auth.client.get("/author/sample/").get_data(as_text=True)
    assert "Assignments needed to complete" in page and "Gradebook total" in page
    data = {"title": course.title, "summary": course.summary, "language": "en", "outcomes": "Do things",
            "estimated_hours": "1", "version": "1", "completion_lessons": "all", "completion_quizzes": "all",
            "completion_attendance": "none", "completion_assignments": "none", "completion_practicals": "none",
            "grading_rule": "item_weights", "sign_up_cutoff_hours": "24"}
    saved = auth.post("/author/sample/", data)
    assert saved.status_code == 302, saved.get_data(as_text=True)[-2000:]
    _db.session.expire_all()
    changed = _db.session.get(Course, course.id)
    assert (changed.completion_assignments, changed.completion_practicals, changed.grading_rule) == (
        "none", "none", "item_weights")
    assert _db.session.scalar(select(AuditEvent.details).where(AuditEvent.action == "gradebook.grading_set")) == {
        "rule": "item_weights", "previous": "mean"}
