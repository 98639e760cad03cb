"""The report filter schema on its own: each rule and any input (its time, linear in a bounded input, is
measured in tests/test_linear_parsers.py)."""
from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.reports.filters import (
    FILTER_NAMES, DrilldownFilterSchema, FilterError, ReportFilters, parse_filters, read_filters,
)

DATE_MESSAGE = "Enter a date as YYYY-MM-DD."
REVERSED = "The end of a period cannot come before its start."


def test_the_schema_reads_each_filter():
    filters = parse_filters({"course": " sample ", "institution": "UA-ACAD", "country": "ua",
                             "enrolled_from": "2024-01-01", "enrolled_to": "2024-01-01", "page": "3"})
    assert filters == ReportFilters(course="sample", institution="UA-ACAD", country="UA",
                                    enrolled_from=filters.enrolled_to, enrolled_to=filters.enrolled_to)
    assert str(filters.enrolled_from) == "2024-01-01"  # a one-day period is fine
    assert parse_filters({"course": "x" * 80, "institution": "y" * 32}).as_dict() == {"course": "x" * 80,
                                                                                       "institution": "y" * 32}
    with pytest.raises(FilterError) as error:
        parse_filters({"course": "x" * 81, "institution": "a\x85b", "country": "UKR", "completed_to": "2024-02-30"})
    assert set(error.value.errors) == {"course", "institution", "country", "completed_to"}
    assert str(error.value).startswith("course: Use at most 80 characters. institution: Remove the control")
    # The drill-down's path names the institution and the course: their parameters are not read there.
    assert parse_filters({"course": "x" * 81, "institution": "", "country": "ge"}, DrilldownFilterSchema) == (
        ReportFilters(country="GE"))


def test_a_bad_value_leaves_out_only_its_own_filter():
    filters, errors = read_filters({"country": "GE", "completed_from": "2024-03-01", "completed_to": "2024-01-01",
                                    "enrolled_to": "never"})
    assert filters == ReportFilters(country="GE", completed_from=filters.completed_from)
    assert {k: [str(m) for m in v] for k, v in errors.items()} == {"completed_to": [REVERSED],
                                                                 "enrolled_to": [DATE_MESSAGE]}


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from((*FILTER_NAMES, "page", "other")), st.text(max_size=90)))
def test_any_query_string_gives_well_formed_filters_or_messages(args):
    filters, errors = read_filters(args)
    values = filters.as_dict()
    assert not set(values) & set(errors)
    for name, value in values.items():
        assert args[name].strip() == value or (name == "country" and value == args[name].strip().upper())
    assert len(values.get("course", "")) <= 80 and len(values.get("institution", "")) <= 32
    assert re.fullmatch(r"[A-Z]{2}", values.get("country", "UA"))
    for text in (values.get("course", ""), values.get("institution", "")):
        assert not re.search(r"[\x00-\x1f\x7f-\x9f]", text)
    for start, end in (("enrolled_from", "enrolled_to"), ("completed_from", "completed_to")):
        assert not (start in values and end in values and values[end] < values[start])
