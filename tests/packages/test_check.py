"""`lms courses check`: every problem is reported with its file and, where it applies, its line."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from lms.packages.quizfile import check_question, question_spec_data
from lms.packages.reader import package_folders, read_package
from tests.packages.sample import write_sample

ROOT = Path(__file__).resolve().parents[2]


def problems_of(folder: Path) -> list[str]:
    return [str(p) for p in read_package(folder)[1]]


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def test_the_sample_is_valid(tmp_path):
    spec, problems = read_package(write_sample(tmp_path))
    assert problems == [] and spec is not None
    assert [len(m.lessons) for m in spec.modules] == [2, 0]
    assert spec.modules[0].quizzes[0].questions[1].points == 2


CASES = [
    # (file, old, new, expected "file:line: message" pattern)
    ("course.yaml", "title: Sample course\n", "", r"sample/course.yaml:1: missing field 'title'"),
    ("course.yaml", "language: en", "language: English!", r"sample/course.yaml:4: 'language' must be a BCP 47"),
    ("course.yaml", "version: 1", "version: zero", r"sample/course.yaml:6: 'version' must be a whole number"),
    ("course.yaml", "  quizzes: all", "  quizzes: some", r"sample/course.yaml:14: 'quizzes' must be one of"),
    ("course.yaml", "self_enrolment: true", "self_enrol: true", r"sample/course.yaml:10: unknown key 'self_enrol'"),
    ("course.yaml", "self_enrolment: true", "self_enrolment: true\nruns:\n  - code: 2027-03\n",
     r"sample/course.yaml:11: 'runs' is not content: runs \(intakes\) and their sessions stay out of packages"),
    ("01-basics/03-check.quiz.yaml", "kind: numeric", "kind: essay",
     r"sample/01-basics/03-check.quiz.yaml:\d+: unknown question kind 'essay'"),
    ("01-basics/03-check.quiz.yaml", "      - text: That one\n", "      - text: That one\n        correct: true\n",
     r"03-check.quiz.yaml:\d+: question 1 is single_choice but has 2 correct answers"),
    ("01-basics/03-check.quiz.yaml", "pass_mark: 60", "pass_mark: 140",
     r"03-check.quiz.yaml:2: 'pass_mark' must be between 0 and 100, got 140"),
    ("01-basics/01-intro.md", "(pixel.png)", "(missing.png)",
     r"sample/01-basics/01-intro.md:6: broken image link: 'missing.png'"),
    ("01-basics/01-intro.md", "![a pixel]", "![]", r"01-intro.md:6: image 'pixel.png' has no alternative text"),
    ("01-basics/01-intro.md", "---\ntitle: Introduction\nminutes: 5\n---\n", "", r"01-intro.md:1: missing front matter"),
    ("01-basics/01-intro.md", "minutes: 5", "minutes: [5", r"01-intro.md:\d+: front matter not valid YAML"),
    ("02-final/01-final.quiz.yaml", "slug: f-2", "slug: q-tf",
     r"01-final.quiz.yaml:\d+: duplicate question slug 'q-tf' \(also in sample/01-basics/03-check.quiz.yaml:\d+\)"),
    ("02-final/01-final.quiz.yaml", "draw: 2", "draw: 9", r"01-final.quiz.yaml:\d+: 'draw' is 9 but the bank has only 3"),
    ("02-final/01-final.quiz.yaml", "    explanation: Three.\n", "",
     r"01-final.quiz.yaml:\d+: missing field 'explanation' in question 3"),
    ("02-final/01-final.quiz.yaml", "answer: false", "answer: maybe",
     r"01-final.quiz.yaml:\d+: 'answer' of a true_false question must be true or false"),
    ("02-final/01-final.quiz.yaml", "answer: 3", "answer: three", r"01-final.quiz.yaml:\d+: 'answer' must be a number"),
    ("02-final/01-final.quiz.yaml", "questions:", "questions: [\n", r"01-final.quiz.yaml:\d+: not valid YAML"),
    ("01-basics/03-check.quiz.yaml", "title: Check\n", "title: Check\nfinal: true\n",
     r"sample: a course has at most one final assessment"),
]


@pytest.mark.parametrize("file,old,new,expected", CASES, ids=[c[3][:40] for c in CASES])
def test_each_problem_is_reported_with_file_and_line(tmp_path, file, old, new, expected):
    folder = write_sample(tmp_path)
    replace(folder / file, old, new)
    problems = problems_of(folder)
    assert any(re.search(expected, p) for p in problems), problems
    assert read_package(folder)[0] is None  # nothing usable comes out of a package with a problem


FACTS = [
    # (file, old, new, (subject, slug, field, code, details)): what the problem is about, for the pages
    ("course.yaml", "outcomes:\n  - Explain the sample.\n", "outcomes: []\n",
     ("course", "sample", "outcomes", "required", {})),
    ("course.yaml", "title: Sample course\n", "", ("course", "sample", "title", "required", {})),
    ("course.yaml", "topics: [testing, strategy]", f"topics: [testing, {'x' * 61}]",
     ("course", "sample", "topics", "topic_too_long", {"number": 2, "max": 60})),
    ("course.yaml", "  quizzes: all", "  quizzes: some",
     ("course", "sample", "completion.quizzes", "not_one_of", {"options": ["all", "final", "none"]})),
    ("course.yaml", "estimated_hours: 1.5", "estimated_hours: 0",
     ("course", "sample", "estimated_hours", "not_positive", {})),
    ("01-basics/02-second.md", "More text.\n", "", ("lesson", "second", "body", "required", {})),
    ("01-basics/01-intro.md", "(pixel.png)", "(gone.png)",
     ("lesson", "intro", "body", "image_missing", {"src": "gone.png"})),
    ("01-basics/03-check.quiz.yaml", "pass_mark: 60", "pass_mark: 140",
     ("quiz", "check", "pass_mark", "out_of_range", {"minimum": 0, "maximum": 100})),
    ("02-final/01-final.quiz.yaml", "draw: 2", "draw: 9", ("quiz", "final", "draw", "draw_exceeds_bank",
                                                          {"draw": 9, "bank": 3})),
    ("02-final/01-final.quiz.yaml", "    explanation: Three.\n", "", ("question", "f-3", "explanation", "required", {})),
    ("01-basics/03-check.quiz.yaml", "      - text: That one\n", "      - text: That one\n        correct: true\n",
     ("question", "q-single", "choices", "not_one_correct", {"correct": 2})),
    ("01-basics/03-check.quiz.yaml", "title: Check\n", "title: Check\nfinal: true\n",
     ("course", "sample", None, "several_finals", {"count": 2, "quizzes": ["check", "final"]})),
    ("02-final/01-final.quiz.yaml", "draw: 2", "draw: 2\naccept_late_answers: true",
     ("quiz", "final", "accept_late_answers", "late_answers_on_final", {})),
]


@pytest.mark.parametrize("file,old,new,facts", FACTS, ids=[f"{c[3][0]}-{c[3][2]}-{c[3][3]}" for c in FACTS])
def test_each_problem_says_what_object_and_field_it_is_about(tmp_path, file, old, new, facts):
    """The structured side of a problem, which the authoring pages render (never the message)."""
    folder = write_sample(tmp_path)
    replace(folder / file, old, new)
    found = [(p.subject, p.slug, p.field, p.code, p.details) for p in read_package(folder)[1]]
    assert facts in found, found


def test_a_final_assessment_out_of_place_is_about_the_quiz(tmp_path):
    folder = write_sample(tmp_path)
    (folder / "02-final").rename(folder / "00-final")
    problem = next(p for p in read_package(folder)[1] if p.code == "final_not_last")
    assert (problem.subject, problem.slug, problem.field) == ("quiz", "final", "final")
    assert str(problem) == "sample/00-final: the final assessment must be in the course's last module"


def test_one_question_is_checked_by_the_same_rules(tmp_path):
    """`check_question` (the GIFT preview, the quiz editor's drafts) applies the check's rules to one question."""
    spec, _ = read_package(write_sample(tmp_path))
    questions = [q for m in spec.modules for quiz in m.quizzes for q in quiz.questions]
    assert len(questions) == 8 and all(check_question(question_spec_data(q)) == [] for q in questions)
    question = questions[0]
    question.explanation = ""
    [problem] = check_question(question_spec_data(question))
    assert (problem.subject, problem.slug, problem.field, problem.code) == ("question", "q-single", "explanation",
                                                                            "required")


def test_every_problem_is_listed_not_just_the_first(tmp_path):
    folder = write_sample(tmp_path)
    replace(folder / "course.yaml", "title: Sample course\n", "")
    replace(folder / "01-basics/03-check.quiz.yaml", "pass_mark: 60", "pass_mark: 140")
    replace(folder / "01-basics/01-intro.md", "(pixel.png)", "(gone.png)")
    replace(folder / "02-final/01-final.quiz.yaml", "kind: numeric", "kind: essay")
    assert len(problems_of(folder)) == 4


def test_final_assessment_must_be_last_and_alone(tmp_path):
    folder = write_sample(tmp_path)
    (folder / "02-final").rename(folder / "00-final")
    assert any("must be in the course's last module" in p for p in problems_of(folder))


def test_unexpected_files_and_folders_are_reported(tmp_path):
    folder = write_sample(tmp_path)
    (folder / "notes.txt").write_text("x")
    (folder / "01-basics" / "draft.md").write_text("x")
    problems = problems_of(folder)
    assert any("sample/notes.txt: unexpected file" in p for p in problems)
    assert any("sample/01-basics/draft.md: unexpected file" in p for p in problems)


@pytest.mark.db
def test_check_command_lists_problems_and_exits_1(app, db, tmp_path):
    write_sample(tmp_path, "good")
    bad = write_sample(tmp_path, "bad")
    replace(bad / "01-basics/03-check.quiz.yaml", "pass_mark: 60", "pass_mark: 140")
    result = app.test_cli_runner().invoke(args=["courses", "check", str(tmp_path)])
    assert result.exit_code == 1
    assert "ok         good" in result.output and "bad/01-basics/03-check.quiz.yaml:2: 'pass_mark'" in result.output


def test_shipped_courses_pass_the_check():
    folders = package_folders(ROOT / "courses")
    assert len(folders) >= 5
    for folder in folders:
        assert problems_of(folder) == [], folder.name


def test_shipped_curriculum_meets_the_content_rules():
    """At least 3 modules with 2+ substantial lessons and a 6+ question quiz of mixed kinds each,
    and a final assessment drawing from a bank of 15+ questions; every question explained."""
    for folder in package_folders(ROOT / "courses"):
        spec, _ = read_package(folder)
        content = [m for m in spec.modules if not any(q.final for q in m.quizzes)]
        finals = [q for m in spec.modules for q in m.quizzes if q.final]
        assert len(content) >= 3, spec.slug
        assert len(finals) == 1 and len(finals[0].questions) >= 15 and finals[0].draw, spec.slug
        for module in content:
            assert len(module.lessons) >= 2, (spec.slug, module.slug)
            for lesson in module.lessons:
                assert len(lesson.body.split()) >= 400, (spec.slug, lesson.slug)
            assert len(module.quizzes) >= 1, (spec.slug, module.slug)
            for quiz in module.quizzes:
                assert len(quiz.questions) >= 6 and len({q.kind for q in quiz.questions}) >= 3, quiz.slug
        for quiz in [q for m in spec.modules for q in m.quizzes]:
            assert all(q.explanation.strip() for q in quiz.questions), quiz.slug
