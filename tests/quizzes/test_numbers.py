"""How a numeric answer is read: what a person writes is understood where it is unambiguous, what could
mean two numbers is never scored, any text is answered without an error (and in time linear in its length:
tests/test_linear_parsers.py)."""
from __future__ import annotations

import time
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.quizzes import grading

SPACES = [" ", "\u00a0", "\u2009", "\u202f"]  # space, no-break, thin, narrow no-break


@pytest.mark.parametrize("typed,number", [
    ("45000", "45000"), ("45 000", "45000"), ("45\u00a0000", "45000"), ("45\u2009000", "45000"),
    ("45\u202f000", "45000"), ("1 234,5", "1234.5"), ("1 234.5", "1234.5"), ("12,5", "12.5"), ("12.5", "12.5"),
    ("66.7%", "66.7"), ("66,7 %", "66.7"), ("€45 000", "45000"), ("45000 EUR", "45000"), ("45 000 €", "45000"),
    ("EUR 45000", "45000"), ("usd 12.5", "12.5"), ("45 000 грн", "45000"), ("45 000 грн.", "45000"),
    ("-12,5", "-12.5"), ("\u221212,5", "-12.5"), ("+3", "3"), ("-€45", "-45"), ("€-45", "-45"), ("€ -45", "-45"),
    (".5", "0.5"), (",5", "0.5"), ("45.", "45"), (" 60 ", "60"), ("007", "7"),
    # a separator followed by three digits is a decimal one where a thousands one cannot be meant
    ("0.125", "0.125"), ("0,500", "0.5"), ("1234.567", "1234.567"), ("1 234,567", "1234.567"),
    # the same mark repeated groups thousands
    ("1,234,567", "1234567"), ("1.234.567", "1234567"),
    # a comma and a point: the last one, appearing once, is the decimal separator
    ("1,234.5", "1234.5"), ("1.234,5", "1234.5"), ("1,234.567", "1234.567"), ("1.234.567,89", "1234567.89"),
    ("1,234,567.", "1234567"),
])
def test_numbers_as_people_write_them(typed, number):
    assert grading.parse_number(typed) == Decimal(number)
    assert grading.read_number(typed) == (Decimal(number), None, None, None, ".")


@pytest.mark.parametrize("typed,whole,decimal,written", [
    ("45,000", "45000", "45", ("45000", "45 000", "45")),
    ("45.000", "45000", "45", ("45000", "45 000", "45")),
    ("1,234", "1234", "1.234", ("1234", "1 234", "1,2340")),
    ("3.142", "3142", "3.142", ("3142", "3 142", "3.1420")),
    ("1,500", "1500", "1.5", ("1500", "1 500", "1,5")),
    ("€45,000", "45000", "45", ("45000", "45 000", "45")),
    ("-999.001", "-999001", "-999.001", ("-999001", "-999 001", "-999.0010")),
])
def test_one_separator_before_three_digits_is_ambiguous(typed, whole, decimal, written):
    assert grading.parse_number(typed) is None
    reading = grading.read_number(typed)
    assert reading.value is None and reading.problem == "ambiguous"
    assert (reading.whole, reading.decimal) == (Decimal(whole), Decimal(decimal))
    assert grading.suggestions(reading) == written


@pytest.mark.parametrize("typed", [
    "sixty", "6e1", "45 km", "45k", "1.5 million", "45 5", "45  000", "1 2345", "12,34.5", "1,23,456", "1,234,",
    "--5", "- 5", "5-", "1 234.567,8", "1,234 567", "0,123,456", "45,,0", "45.5.", "%45", "€", "EUR", "-", ".",
    "４５", "٤٥", "45 EUR €", "NaN", "Infinity", "1_000", "0x1F", "1/2",
])
def test_anything_else_is_not_a_number(typed):
    assert grading.read_number(typed) == (None, "not_a_number", None, None, ".")


def test_blank_is_no_answer():
    assert grading.read_number(None).problem == grading.read_number("  ").problem == "empty"


@pytest.mark.parametrize("response,expected", [
    ("45 000", 2), ("45000", 2), ("€45 000", 2), ("45000 EUR", 2), ("45 000,0", 2),
    ("45,000", 0), ("45.000", 0), ("€45,000", 0), ("45", 0)])
def test_ambiguous_answers_never_score(response, expected):
    question = {"kind": "numeric", "points": "2", "value": 45000.0, "tolerance": 0}
    assert grading.score_question(question, response) == expected
    # "45" is right when it is 45 that is asked for, and "45,000" is right for neither number.
    assert grading.score_question(dict(question, value=45.0), "45,000") == 0


def test_percent_is_the_number_written():
    assert grading.score_question({"kind": "numeric", "points": "1", "value": 66.7, "tolerance": 0.05}, "66.7%") == 1


def grouped(digits: str, separator: str) -> str:
    head = len(digits) % 3 or 3
    return separator.join([digits[:head]] + [digits[k:k + 3] for k in range(head, len(digits), 3)])


@st.composite
def written_numbers(draw):
    """(text, value): a number written in one of the accepted ways, never the ambiguous shape."""
    whole = draw(st.integers(0, 10**15))
    fraction = draw(st.text("0123456789", max_size=6))
    point = draw(st.sampled_from(".,"))
    style = draw(st.sampled_from(["plain", "spaces", "marks"]))
    digits = str(whole)
    if style == "spaces":
        integer = grouped(digits, draw(st.sampled_from(SPACES)))
    elif style == "marks" and (fraction or len(digits) > 6):  # one mark alone before 3 digits is ambiguous
        integer = grouped(digits, "," if point == "." else ".") if fraction else grouped(digits, point)
        if not fraction:
            point = ""
    else:
        integer = digits
    if len(fraction) == 3 and integer == digits and 1 <= len(digits) <= 3 and digits[0] != "0":
        fraction += "0"  # as the message about an ambiguous number says to write it
    sign = draw(st.sampled_from(["", "-", "+", "\u2212"]))
    body = integer + (point + fraction if fraction and point else "")
    unit_before = draw(st.sampled_from(["", "€", "$", "EUR ", "₴ "]))
    unit_after = "" if unit_before else draw(st.sampled_from(["", "%", " %", "€", " EUR", "eur", " грн", " UAH"]))
    text = draw(st.sampled_from([f"{sign}{unit_before}{body}{unit_after}", f"{unit_before}{sign}{body}{unit_after}"]))
    value = Decimal(("-" if sign in ("-", "\u2212") else "") + digits + ("." + fraction if fraction and point else ""))
    return draw(st.sampled_from(["", " ", "\u00a0"])) + text, value


@settings(max_examples=500, deadline=None)
@given(written_numbers())
def test_every_number_written_in_an_accepted_way_reads_back_to_itself(case):
    text, value = case
    reading = grading.read_number(text)
    assert reading.problem is None, (text, reading)
    assert reading.value == value


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 999), st.integers(0, 999), st.sampled_from(".,"), st.sampled_from(["", "-", "€", "-€"]))
def test_an_ambiguous_number_says_both_readings_and_how_to_write_each(head, tail, point, prefix):
    text = f"{prefix}{head}{point}{tail:03d}"
    reading = grading.read_number(text)
    assert reading.problem == "ambiguous"
    negative = "-" in prefix
    assert reading.whole == Decimal(f"{'-' if negative else ''}{head}{tail:03d}")
    assert reading.decimal == Decimal(f"{'-' if negative else ''}{head}.{tail:03d}")
    whole, spaced, decimal = grading.suggestions(reading)
    assert grading.read_number(whole).value == grading.read_number(spaced).value == reading.whole
    assert grading.read_number(decimal).value == reading.decimal


ALPHABET = " ,.-+0123456789€$%EURgрн\u00a0\u2009\u202f\u2212eE_'"


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(max_size=120), st.text(ALPHABET, max_size=60)))
def test_any_text_is_read_without_an_error(text):
    reading = grading.read_number(text)
    assert reading.problem in (None, "empty", "not_a_number", "ambiguous")
    assert (reading.value is None) == (reading.problem is not None)
    if reading.value is not None:
        assert reading.value.is_finite()
    question = {"kind": "numeric", "points": "1", "value": 1.0, "tolerance": 0}
    assert grading.score_question(question, text) in (0, 1)


def test_a_long_answer_is_not_read_at_all():
    started = time.perf_counter()
    assert grading.read_number("1" * 1_000_000).problem == "not_a_number"
    assert grading.read_number("1" * (grading.MAX_NUMBER_CHARS + 1)).problem == "not_a_number"
    assert time.perf_counter() - started < 0.5
