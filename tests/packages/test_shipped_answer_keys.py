"""The shipped courses' corrected questions: the answer keys accept what an officer who knows the answer
writes (graded with the quiz engine's own `score_question` on the imported question), and the texts say
how to write a number and present the interoperability components as being rolled out."""
from __future__ import annotations

import random
import re
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.packages.importer import import_course
from lms.packages.reader import package_folders, read_package
from lms.quizzes.grading import score_question, snapshot
from lms.quizzes.models import Question

ROOT = Path(__file__).resolve().parents[2]
COURSES = ROOT / "courses"


def shipped_questions():
    """(course slug, question spec) of every question of the shipped courses."""
    for folder in package_folders(COURSES):
        spec, problems = read_package(folder)
        assert not problems, problems
        for module in spec.modules:
            for quiz in module.quizzes:
                for question in quiz.questions:
                    yield spec.slug, question


@pytest.fixture()
def drawn(db):
    """The question `slug` of the shipped course `course`, imported, as a quiz attempt draws it."""
    imported = set()

    def draw(course: str, slug: str) -> dict:
        if course not in imported:
            spec, problems = read_package(COURSES / course)
            assert not problems, problems
            import_course(spec, publish=True)
            imported.add(course)
        question = db.session.scalar(select(Question).where(Question.slug == slug)
                                     .options(selectinload(Question.choices)))
        return snapshot(question, random.Random(0), shuffle_choices=False)
    return draw


def points(item: dict, response) -> Decimal:
    """The share of the question's points that `response` earns (1 = fully right)."""
    return score_question(item, response) / Decimal(item["points"])


@pytest.mark.db
@pytest.mark.parametrize("response,right", [
    ("45000", True), ("45 000", True), (" 45000 ", True), ("€45 000", True),
    ("45,000", False),  # one number or forty-five? The grader refuses what can mean two numbers.
    ("4500", False), ("450000", False), ("3000", False), ("30000", False),
])
def test_the_duty_lost_is_written_as_the_question_asks(drawn, response, right):
    item = drawn("integrity-anti-corruption", "m1-undervaluation-duty-lost")
    assert "(a whole number of euros, such as 12 500)" in item["text"]
    assert "20 000 euros" in item["text"] and "50 000 euros" in item["text"]
    assert points(item, response) == (1 if right else 0)


@pytest.mark.db
@pytest.mark.parametrize("response,right", [
    ("Ombudsman", True), ("the Ombudsman", True), ("Ombudsperson", True),
    ("Parliament Commissioner for Human Rights", True), ("Ukrainian Parliament Commissioner for Human Rights", True),
    ("Verkhovna Rada Commissioner for Human Rights", True), ("commissioner for human rights", True),
    ("Уповноважений Верховної Ради України з прав людини", True), ("омбудсман", True),
    ("data protection authority", True), ("supervisory authority", True), ("DPA", True),
    ("border guard", False), ("the court", False), ("eu-LISA", False), ("Frontex", False),
])
def test_the_complaint_body_accepts_the_ukrainian_ombudsman(drawn, response, right):
    item = drawn("it-tools-smart-borders", "final-complaint-authority")
    assert points(item, response) == (1 if right else 0)


@pytest.mark.db
@pytest.mark.parametrize("response,right", [
    ("67", True), ("66.7", True), ("66,7", True), ("66.67", True), ("66.6", True), ("67 %", True),
    ("66", False), ("68", False), ("0.67", False), ("33", False), ("33.3", False), ("12", False),
])
def test_the_grid_percentage_says_how_to_write_it_and_grades_its_roundings(drawn, response, right):
    item = drawn("ibm-strategic-planning", "f-grid-completion")
    assert "without the % sign" in item["text"] and "whole number" in item["text"]
    assert points(item, response) == (1 if right else 0)


@pytest.mark.db
@pytest.mark.parametrize("response,right", [
    ("liaison officer", True), ("Immigration liaison officer", True), ("ILO", True),
    ("document adviser", False), ("consul", False), ("attaché", False),
])
def test_the_liaison_officer_is_not_a_document_adviser(drawn, response, right):
    item = drawn("inter-agency-cooperation", "name-liaison-officer")
    assert "Her main task is not to check documents" in item["text"]
    assert points(item, response) == (1 if right else 0)


@pytest.mark.db
def test_a_temporary_protection_permit_holder_is_not_registered_in_ees(drawn):
    item = drawn("it-tools-smart-borders", "m2-ees-who-is-registered")
    by_text = {c["text"]: c["id"] for c in item["choices"]}
    right = [cid for c, cid in by_text.items() if c.startswith(("A visa-exempt", "A third-country national holding"))]
    temporary_protection = next(cid for c, cid in by_text.items() if "temporary protection" in c)
    assert len(right) == 3
    assert points(item, right) == 1
    assert points(item, [*right, temporary_protection]) < 1  # registering the permit holder is a mistake


def test_no_numeric_question_writes_thousands_with_a_comma():
    """"1,500" reads as one and a half to an officer who writes a decimal comma: a space separates thousands."""
    found = [(course, q.slug, match) for course, q in shipped_questions() if q.kind == "numeric"
             for match in re.findall(r"\d,\d{3}(?!\d)", q.text + q.explanation)]
    assert not found


def test_every_percentage_question_says_how_to_write_the_number():
    vague = [(course, q.slug) for course, q in shipped_questions()
             if q.kind == "numeric" and re.search(r"percent", q.text, re.I)
             and not re.search(r"without the % sign|number only|give a number only", q.text, re.I)]
    assert not vague


def test_questions_on_the_multiple_identity_detector_say_it_is_being_rolled_out():
    """The interoperability components come into operation in stages after EES and ETIAS: a question may not
    present the detector as routine at every crossing point today."""
    routine = [(course, q.slug) for course, q in shipped_questions()
               if "multiple-identity detector" in q.text.lower()
               and not re.search(r"rolled out|into operation|in operation|once it runs", q.text, re.I)]
    assert not routine
    lesson = (COURSES / "it-tools-smart-borders/02-eu-large-scale-it-systems/03-interoperability.md").read_text()
    assert "brought into operation in stages" in lesson


def test_every_quotation_in_the_shipped_texts_is_closed():
    """Straight and curly double quotation marks pair up within each paragraph, question, choice and answer."""
    def unbalanced(text: str) -> bool:
        return text.count('"') % 2 == 1 or text.count("\u201c") != text.count("\u201d") \
            or text.count("\u00ab") != text.count("\u00bb")

    found = []
    for folder in package_folders(COURSES):
        spec, _ = read_package(folder)
        for module in spec.modules:
            for lesson in module.lessons:
                found += [(lesson.file, p[:60]) for p in [lesson.title, *lesson.body.split("\n\n")] if unbalanced(p)]
            for quiz in module.quizzes:
                for q in quiz.questions:
                    texts = [q.text, q.explanation, *(c.text for c in q.choices), *q.accepted]
                    found += [(quiz.file, q.slug) for t in texts if unbalanced(t)]
    assert not found
