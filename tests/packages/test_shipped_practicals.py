"""The shipped practical assessments (`NN-slug.practical.md`): each checklist is one an assessor can use.

These read the files themselves rather than through the package reader, so that the content is checked
whatever the reader knows: the front matter follows the package format (title, pass_mark, criteria with
slug, text and critical), the criteria are few enough to observe and include critical ones without all
being critical, the body speaks to the trainee and to the assessor, the file sits in a module that is not
the final assessment's, and the course says in `completion` whether its practicals are required.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COURSES = ROOT / "courses"
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FILE_NAME = re.compile(r"^\d+-([a-z0-9]+(?:-[a-z0-9]+)*)\.practical\.md$")
PRACTICALS = sorted(COURSES.glob("*/*/*.practical.md"))


def front_matter_and_body(path: Path) -> tuple[dict, str]:
    """The YAML front matter between the first two `---` lines, and the Markdown body after it."""
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n"), path
    head, _, body = text[4:].partition("\n---\n")
    return yaml.safe_load(head), body


def course_yaml(course: Path) -> dict:
    return yaml.safe_load((course / "course.yaml").read_text(encoding="utf-8"))


def test_the_shipped_courses_hold_the_two_practicals():
    assert [p.relative_to(COURSES).as_posix() for p in PRACTICALS] == [
        "cargo-scanner-image-analysis/04-practical-assessment/04-image-analysis-practical.practical.md",
        "inter-agency-cooperation/02-cooperation-at-the-crossing-point/05-joint-inspection-of-a-lorry.practical.md",
    ]


@pytest.mark.parametrize("path", PRACTICALS, ids=lambda p: p.parent.parent.name)
def test_a_practical_follows_the_package_format(path):
    assert FILE_NAME.match(path.name), path.name
    meta, body = front_matter_and_body(path)
    assert set(meta) <= {"title", "pass_mark", "hold_marks", "slug", "criteria"}, set(meta)
    assert isinstance(meta["title"], str) and 0 < len(meta["title"]) <= 200
    assert isinstance(meta.get("pass_mark", 100), int) and 0 <= meta.get("pass_mark", 100) <= 100
    assert isinstance(meta.get("hold_marks", False), bool)
    criteria = meta["criteria"]
    slugs = [c["slug"] for c in criteria]
    assert len(set(slugs)) == len(slugs) and all(SLUG.match(s) and len(s) <= 80 for s in slugs), slugs
    for criterion in criteria:
        assert set(criterion) <= {"slug", "text", "critical"}, criterion
        assert isinstance(criterion["text"], str) and 0 < len(criterion["text"]) <= 500, criterion["slug"]
        assert isinstance(criterion.get("critical", False), bool), criterion["slug"]
    assert body.strip()


@pytest.mark.parametrize("path", PRACTICALS, ids=lambda p: p.parent.parent.name)
def test_a_checklist_can_be_observed_and_passed(path):
    """8-12 criteria, 3-4 of them critical; the body tells the trainee and the assessor what to do and
    names the same pass mark as the front matter; meeting every criterion but one non-critical passes."""
    meta, body = front_matter_and_body(path)
    criteria = meta["criteria"]
    critical = [c for c in criteria if c.get("critical")]
    assert 8 <= len(criteria) <= 12 and 3 <= len(critical) <= 4, (len(criteria), len(critical))
    assert "## For the trainee" in body and "## For the assessor" in body
    assert f"at least {meta['pass_mark']} %" in body
    assert (len(criteria) - 1) * 100 / len(criteria) >= meta["pass_mark"]
    assert "National procedures" in body and "vary" in body


@pytest.mark.parametrize("path", PRACTICALS, ids=lambda p: p.parent.parent.name)
def test_a_practical_is_not_in_the_final_assessments_module(path):
    """The final quiz sits alone in the course's last module, so a practical goes in another one."""
    finals = [q for q in path.parent.glob("*.quiz.yaml") if yaml.safe_load(q.read_text()).get("final")]
    assert not finals
    modules = sorted(p for p in path.parent.parent.iterdir() if p.is_dir())
    assert path.parent != modules[-1]


@pytest.mark.parametrize("path", PRACTICALS, ids=lambda p: p.parent.parent.name)
def test_a_course_with_a_practical_says_whether_it_is_required(path):
    completion = course_yaml(path.parent.parent)["completion"]
    assert completion["practicals"] in ("all", "none")


def test_the_image_analysis_course_requires_its_practical_and_recertifies():
    course = COURSES / "cargo-scanner-image-analysis"
    settings = course_yaml(course)
    assert settings["completion"] == {"lessons": "all", "quizzes": "all", "practicals": "all"}
    assert settings["certificate_validity_months"] == 24
    meta, _ = front_matter_and_body(next(course.glob("*/*.practical.md")))
    critical = {c["slug"] for c in meta["criteria"] if c.get("critical")}
    assert critical == {"compares-goods-and-quantity", "marks-every-anomaly", "refers-unexplained-anomaly",
                        "records-finding"}


def test_the_joint_inspection_is_optional():
    settings = course_yaml(COURSES / "inter-agency-cooperation")
    assert settings["completion"]["practicals"] == "none" and settings["version"] >= 3
