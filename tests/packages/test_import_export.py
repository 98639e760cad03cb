"""Import is idempotent and keeps trainees' work; export round-trips; bad packages are refused whole."""
from __future__ import annotations

import filecmp
import json
from dataclasses import asdict
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.catalog.models import Course, Lesson
from lms.audit.models import AuditEvent
from lms.learning.models import Certificate, Enrolment, LessonProgress
from lms.packages.exporter import export_course
from lms.packages.importer import import_course
from lms.packages.reader import read_package
from lms.quizzes.models import Question, Quiz, QuizAttempt
from tests.packages.sample import write_sample
from tests.packages.test_check import replace

pytestmark = pytest.mark.db
ROOT = Path(__file__).resolve().parents[2]


def load(folder: Path, publish: bool = True):
    spec, problems = read_package(folder)
    assert not problems, problems
    return import_course(spec, publish=publish)


def counts(db) -> dict:
    from lms.extensions import db as _db

    return {t.name: db.session.execute(select(func.count()).select_from(t)).scalar_one()
            for t in _db.metadata.sorted_tables}


def test_import_creates_then_reimport_changes_nothing(db, tmp_path):
    folder = write_sample(tmp_path)
    assert load(folder).outcome == "created"
    before = counts(db)
    course = db.session.scalar(select(Course))
    stamp = course.updated_at
    assert load(folder).outcome == "unchanged"
    db.session.expire_all()
    assert counts(db) == before and db.session.scalar(select(Course)).updated_at == stamp
    assert course.status == "published" and course.topic_names == ["strategy", "testing"]


def _trainee_with_work(db, world):
    """A trainee who viewed the first lesson and has a graded attempt at the module quiz."""
    course = db.session.scalar(select(Course))
    enrolment = Enrolment(user_id=world["trainee"].id, course_id=course.id)
    db.session.add(enrolment)
    db.session.flush()
    intro = db.session.scalar(select(Lesson).where(Lesson.slug == "intro"))
    quiz = db.session.scalar(select(Quiz).where(Quiz.slug == "check"))
    draw = [{"slug": "q-tf", "text": "True?", "kind": "true_false", "points": "1", "answer": True}]
    attempt = QuizAttempt(quiz_id=quiz.id, enrolment_id=enrolment.id, user_id=world["trainee"].id, number=1,
                          status="submitted", submitted_at=datetime(2026, 3, 1, tzinfo=UTC), draw=draw,
                          score=Decimal("1"), max_score=Decimal("1"), percent=Decimal("100"), passed=True)
    db.session.add_all([attempt, LessonProgress(enrolment_id=enrolment.id, lesson_id=intro.id)])
    db.session.commit()
    return enrolment, attempt


def test_edited_package_keeps_progress_and_graded_attempts(db, world, tmp_path):
    folder = write_sample(tmp_path)
    load(folder)
    enrolment, attempt = _trainee_with_work(db, world)
    draw_before, score_before = attempt.draw, attempt.score
    # Edit: reword a lesson and a question, move the quiz's true/false question text, add a lesson.
    replace(folder / "01-basics/01-intro.md", "Read this", "Read this carefully")
    replace(folder / "01-basics/03-check.quiz.yaml", "text: True?", "text: Is it true?")
    (folder / "01-basics/04-more.md").write_text("---\ntitle: More\nminutes: 3\n---\nExtra.\n")
    assert load(folder).outcome == "updated"
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(LessonProgress)) == 1
    kept = db.session.get(QuizAttempt, attempt.id)
    assert kept.draw == draw_before and kept.score == score_before and kept.passed is True
    assert db.session.scalar(select(Question.text).where(Question.slug == "q-tf")) == "Is it true?"
    assert "carefully" in db.session.scalar(select(Lesson.body).where(Lesson.slug == "intro"))
    assert db.session.get(Enrolment, enrolment.id).status == "active"


def test_removed_items_are_retired_and_completion_is_reevaluated(db, world, tmp_path):
    """Removing the lessons and quiz a trainee had not done completes the trainee, once."""
    folder = write_sample(tmp_path)
    load(folder)
    enrolment, _attempt = _trainee_with_work(db, world)
    (folder / "01-basics/02-second.md").unlink()
    (folder / "02-final/01-final.quiz.yaml").unlink()
    (folder / "02-final/module.yaml").unlink()
    (folder / "02-final").rmdir()
    result = load(folder)
    assert result.outcome == "updated" and result.completed == 1
    db.session.expire_all()
    second = db.session.scalar(select(Lesson).where(Lesson.slug == "second"))
    assert second.retired is True
    done = db.session.get(Enrolment, enrolment.id)
    assert done.status == "completed" and done.completed_at is not None
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1
    # Putting the lesson back does not take the completion away.
    write_sample(tmp_path / "again")
    result = load(tmp_path / "again" / "sample")
    db.session.expire_all()
    assert db.session.get(Enrolment, enrolment.id).status == "completed"
    assert db.session.scalar(select(Lesson).where(Lesson.slug == "second")).retired is False


def test_bad_package_is_refused_whole_and_others_still_import(app, db, tmp_path):
    write_sample(tmp_path, "good")
    bad = write_sample(tmp_path, "bad")
    replace(bad / "02-final/01-final.quiz.yaml", "kind: numeric", "kind: essay")
    result = app.test_cli_runner().invoke(args=["courses", "import", str(tmp_path), "--publish"])
    assert result.exit_code == 1
    assert "refused    bad" in result.output and "unknown question kind 'essay'" in result.output
    assert db.session.scalars(select(Course.slug)).all() == ["good"]
    assert db.session.scalar(select(func.count()).select_from(Question)) == 8


def _spec_dict(folder: Path) -> dict:
    spec, problems = read_package(folder)
    assert not problems, problems
    data = asdict(spec)
    data.pop("fingerprint")
    data["topics"].sort()  # topics are a set: exported in alphabetical order
    for version in data["versions"]:  # a version's too
        version["course"]["topics"].sort()
        version["course"].pop("fingerprint")

    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in ("file", "line")}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(data)


def test_export_round_trips_and_every_setting_survives(app, db, tmp_path):
    source = write_sample(tmp_path / "src")
    load(source)
    first = export_course(db.session.scalar(select(Course)), tmp_path / "first")
    assert _spec_dict(first) == _spec_dict(source)  # every setting, question and image survives
    # Into a fresh database, and out again: identical files.
    from tests.conftest import _truncate

    db.session.remove()
    _truncate(db)
    load(first)
    second = export_course(db.session.scalar(select(Course)), tmp_path / "second")
    comparison = filecmp.dircmp(first, second)
    _assert_same_tree(comparison)


def _assert_same_tree(comparison) -> None:
    assert not comparison.left_only and not comparison.right_only, (comparison.left_only, comparison.right_only)
    _match, mismatch, errors = filecmp.cmpfiles(comparison.left, comparison.right, comparison.common_files,
                                                shallow=False)
    assert not mismatch and not errors, mismatch
    for sub in comparison.subdirs.values():
        _assert_same_tree(sub)


def test_shipped_course_round_trips(app, db, tmp_path):
    load(ROOT / "courses" / "ibm-strategic-planning")
    first = export_course(db.session.scalar(select(Course)), tmp_path / "first")
    assert _spec_dict(first) == _spec_dict(ROOT / "courses" / "ibm-strategic-planning")


def test_list_json_shows_counts(app, db, tmp_path):
    load(write_sample(tmp_path), publish=False)
    result = app.test_cli_runner().invoke(args=["courses", "list", "--json"])
    rows = json.loads(result.output)
    assert rows == [{"slug": "sample", "title": "Sample course", "language": "en", "status": "draft", "version": 1,
                     "modules": 2, "lessons": 2, "quizzes": 2, "questions": 8}]


def test_import_is_audited(db, tmp_path):
    load(write_sample(tmp_path))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "course.imported"))
    assert event.details["slug"] == "sample" and event.details["created"] is True


def test_init_imports_and_publishes_the_shipped_courses(app, db):
    result = app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0, result.output
    published = db.session.scalars(select(Course.slug).where(Course.status == "published")).all()
    assert len(published) >= 5
    again = app.test_cli_runner().invoke(args=["init"])
    assert again.exit_code == 0 and "created" not in again.output and "updated" not in again.output


def test_shipped_strategic_planning_course_has_its_written_assignment(app, db):
    """The action plan assignment arrives with its rubric, after the module's check, and the course is completed
    without it (a self-enrolment course whose certificate does not wait for a person to mark)."""
    from lms.assignments import rubrics
    from lms.assignments.models import Assignment
    from lms.catalog.models import Module

    load(ROOT / "courses" / "ibm-strategic-planning")
    course = db.session.scalar(select(Course))
    assignment = db.session.scalar(select(Assignment))
    assert course.version == 3 and course.completion_assignments == "none"
    assert db.session.get(Module, assignment.module_id).title == "From vision to action plan and risk estimation"
    assert assignment.slug == "draft-action-plan" and assignment.accepts == "both"
    assert assignment.file_kinds.split(",") == ["pdf", "docx", "odt"] and assignment.pass_mark == 60
    assert [len(c["levels"]) for c in assignment.rubric] == [4, 4, 4, 4, 4]
    assert rubrics.max_points(assignment.rubric) == 18
    for part in ("Objectives", "Lead body", "baseline", "Funding source", "Risks to the plan", "classified"):
        assert part in assignment.instructions
