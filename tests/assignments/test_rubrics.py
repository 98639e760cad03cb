"""Rubrics read from the editor's text and from packages, bounded, and scored from the levels chosen."""
from __future__ import annotations

from decimal import Decimal

import pytest

from lms.assignments.rubrics import (
    MAX_CRITERIA, RubricError, max_points, parse_text, score, to_text, validate,
)

TEXT = """Analysis of risks | Names the main risks and how likely they are
4 | Every main risk named, with likelihood and impact
2 | Some risks named
0 | None named

Objectives
3 | SMART
1,5 | Partly SMART
"""


def test_the_editors_text_becomes_a_rubric_and_back():
    rubric = parse_text(TEXT)
    assert [c["title"] for c in rubric] == ["Analysis of risks", "Objectives"]
    assert rubric[0]["description"] == "Names the main risks and how likely they are"
    assert rubric[1]["levels"] == [{"title": "SMART", "points": 3}, {"title": "Partly SMART", "points": 1.5}]
    assert parse_text(to_text(rubric)) == rubric
    assert max_points(rubric) == Decimal(7)
    assert score(rubric, [1, "0"]) == Decimal(5)
    assert parse_text("  \n ") is None


@pytest.mark.parametrize(("text", "code", "line"), [
    ("4 | Good", "level_before_criterion", 1),
    ("Analysis\nObjectives\n3 | SMART", "no_levels", 1),
    ("Analysis\n-1 | Bad", None, None),  # "-1" is not points: a criterion line, which then has no levels
    ("Analysis\n4.123 | Too precise", "points_invalid", 2),
    ("Analysis\n5000 | Too many", "points_invalid", 2),
    ("Analysis\n4 |", "title_missing", 2),
])
def test_mistakes_name_their_line(text, code, line):
    with pytest.raises(RubricError) as refused:
        parse_text(text)
    if code is not None:
        assert (refused.value.code, refused.value.params.get("line")) == (code, line)


def test_the_size_is_bounded():
    many = "\n".join(f"C{i}\n1 | x" for i in range(MAX_CRITERIA + 1))
    with pytest.raises(RubricError) as refused:
        parse_text(many)
    assert refused.value.code == "too_many_criteria"
    with pytest.raises(RubricError) as refused:
        parse_text("x" * 50_000)
    assert refused.value.code == "too_long"


def test_a_packages_rubric_is_checked_and_normalised():
    rubric = validate([{"title": " Analysis ", "levels": [{"title": "Good", "points": "4"}]}])
    assert rubric == [{"title": "Analysis", "description": "", "levels": [{"title": "Good", "points": 4}]}]
    for bad, code in (([], "no_criteria"), ([{"title": "A", "levels": []}], "no_levels"),
                      ([{"title": "", "levels": [{"title": "G", "points": 1}]}], "title_missing"),
                      ([{"title": "A", "levels": [{"title": "G", "points": "many"}]}], "points_invalid")):
        with pytest.raises(RubricError) as refused:
            validate(bad)
        assert refused.value.code == code


def test_a_mark_must_choose_a_known_level_of_every_criterion():
    rubric = parse_text(TEXT)
    for levels, code in (([0], "level_missing"), ([0, None], "level_missing"), ([0, 7], "level_unknown"),
                         (["x", 0], "level_unknown")):
        with pytest.raises(RubricError) as refused:
            score(rubric, levels)
        assert refused.value.code == code
