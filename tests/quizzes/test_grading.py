"""Grading rules of every question kind, without the database."""
from __future__ import annotations

import random
from decimal import Decimal
from types import SimpleNamespace

import pytest

from lms.quizzes import grading


def item(kind, points="2", **extra):
    base = {"question_id": 1, "slug": "q", "kind": kind, "text": "?", "points": points, "explanation": "",
            "choices": [], "answer": None, "accepted": [], "value": None, "tolerance": 0}
    base.update(extra)
    return base


CHOICES = [{"id": 1, "text": "a", "correct": True}, {"id": 2, "text": "b", "correct": True},
           {"id": 3, "text": "c", "correct": False}, {"id": 4, "text": "d", "correct": False}]


@pytest.mark.parametrize("response,expected", [([1], "2"), ([3], "0"), ([1, 3], "0"), (None, "0"), ([], "0")])
def test_single_choice(response, expected):
    single = item("single_choice", choices=[dict(c, correct=c["id"] == 1) for c in CHOICES])
    assert grading.score_question(single, response) == Decimal(expected)


@pytest.mark.parametrize("response,expected", [
    ([1, 2], "2.00"),      # all right choices
    ([1], "1.00"),         # half the right choices: half the points
    ([1, 3], "0.00"),      # one right, one wrong: they cancel
    ([1, 2, 3], "1.00"),   # both right, one wrong
    ([3, 4], "0.00"),      # never below zero
    ([1, 2, 3, 4], "0.00"),
])
def test_multiple_choice_partial_credit(response, expected):
    assert grading.score_question(item("multiple_choice", choices=CHOICES), response) == Decimal(expected)


def test_true_false():
    question = item("true_false", answer=False)
    assert grading.score_question(question, False) == 2 and grading.score_question(question, True) == 0


@pytest.mark.parametrize("response,expected", [
    ("Inter-agency", 2), ("  INTER-AGENCY ", 2), ("inter   agency", 2), ("interagency", 2), ("inter", 0), ("", 0)])
def test_short_text_ignores_case_and_spaces(response, expected):
    question = item("short_text", accepted=["inter-agency", "Inter agency", "interagency"])
    assert grading.score_question(question, response) == expected


@pytest.mark.parametrize("response,expected", [
    ("60", 2), ("60.5", 2), ("59,5", 2), ("60.6", 0), ("sixty", 0), (" 60 ", 2), ("6e1", 0)])
def test_numeric_with_tolerance_and_decimal_comma(response, expected):
    assert grading.score_question(item("numeric", value=60, tolerance=0.5), response) == expected


def test_numeric_exact_when_no_tolerance():
    assert grading.score_question(item("numeric", value=45000, tolerance=0), "45 000") == 2
    assert grading.score_question(item("numeric", value=0.1, tolerance=0), "0,1") == 2


def test_draw_takes_n_questions_and_keeps_order_without_shuffle():
    questions = [SimpleNamespace(id=i, slug=f"q{i}", kind="true_false", text="t", points=Decimal(1), explanation="e",
                                 choices=[], true_false_answer=True, accepted_answers=None, numeric_answer=None,
                                 numeric_tolerance=0, position=i) for i in range(1, 11)]
    quiz = SimpleNamespace(draw_count=4, shuffle_questions=False, shuffle_choices=False)
    drawn = grading.draw_questions(quiz, questions, random.Random(1))
    assert len(drawn) == 4 and [d["question_id"] for d in drawn] == sorted(d["question_id"] for d in drawn)
    quiz.draw_count, quiz.shuffle_questions = None, True
    orders = {tuple(d["question_id"] for d in grading.draw_questions(quiz, questions, random.Random(seed)))
              for seed in range(5)}
    assert len(orders) > 1 and all(len(o) == 10 for o in orders)


def test_right_answer_text():
    assert grading.right_answer(item("numeric", value=60, tolerance=0.5)) == "60 ± 0.5"
    assert grading.right_answer(item("multiple_choice", choices=CHOICES)) == ["a", "b"]
