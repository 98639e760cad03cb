"""The completion report's figures on the known data set (tests/reports/conftest.py), computed by hand.

Every column, every filter, the totals and the empty cases; the same on SQLite and PostgreSQL.
"""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event

from lms.access import report_scope
from lms.extensions import db
from lms.reports import queries
from lms.reports.filters import ReportFilters
from tests.reports.conftest import GE, UA, at, user

pytestmark = pytest.mark.db


def report(data, viewer="admin", **filters):
    return queries.completion_report(report_scope(user(db, data, viewer)), ReportFilters(**filters))


def rows_by_key(result):
    return {(r.institution_code, r.course_slug): r for r in result.rows}


def figures(row):
    return (row.enrolled, row.not_started, row.in_progress, row.completed, row.completion_rate, row.pass_rate,
            row.average_best_score, row.median_days, row.last_activity_at)


# Hand-computed (see the table in conftest.py):
# UA sample: 5 enrolled; chrystia not started; bohdan, ella in progress; anna, dmytro completed -> 40.0 %.
#   Final submitted by anna, dmytro, ella; passed by anna, dmytro -> 66.7 %.
#   Course scores of those who started: anna (100+100)/2=100, bohdan (0+0)/2=0, dmytro 100, ella (100+0)/2=50
#   -> 62.5. Days to complete: anna 3, dmytro 7 -> median 5.0. Last activity: ella's final, 2024-02-20 15:00.
UA_SAMPLE = (5, 1, 2, 2, 40.0, 66.7, 62.5, 5.0, at("2024-02-20 15:00"))
UA_OTHER = (1, 1, 0, 0, 0.0, None, None, None, None)
GE_SAMPLE = (1, 0, 0, 1, 100.0, 100.0, 100.0, 1.5, at("2024-03-02 22:00"))
# Totals over all 7 enrolments: 3 completed -> 42.9 %; finals 3 passed of 4 -> 75.0 %;
# scores 100, 0, 100, 50, 100 -> 70.0; days 1.5, 3, 7 -> median 3.0.
TOTALS = (7, 2, 2, 3, 42.9, 75.0, 70.0, 3.0, at("2024-03-02 22:00"))


def test_every_column_of_every_row_and_the_totals(reader, dataset):
    result = report(dataset)
    rows = rows_by_key(result)
    assert list(rows) == [(GE, "sample"), (UA, "other"), (UA, "sample")]  # by institution code, then course title
    assert figures(rows[(UA, "sample")]) == UA_SAMPLE
    assert figures(rows[(UA, "other")]) == UA_OTHER
    assert figures(rows[(GE, "sample")]) == GE_SAMPLE
    assert figures(result.totals) == TOTALS
    ua = rows[(UA, "sample")]
    assert (ua.institution_name, ua.country, ua.course_title) == ("Border Academy of Ukraine", "UA", "Sample course")
    assert (ua.final_submitted, ua.final_passed) == (3, 2)


def test_median_with_an_odd_count_takes_the_middle_one(reader, dataset):
    # Over all courses: completions took 1.5, 3 and 7 days: the middle one is 3.
    assert report(dataset, course="sample").totals.median_days == 3.0


@pytest.mark.parametrize("filters,expected_rows,expected_totals", [
    ({"course": "sample"}, {(GE, "sample"): GE_SAMPLE, (UA, "sample"): UA_SAMPLE},
     (6, 1, 2, 3, 50.0, 75.0, 70.0, 3.0, at("2024-03-02 22:00"))),
    ({"course": "other"}, {(UA, "other"): UA_OTHER}, UA_OTHER),
    ({"institution": GE}, {(GE, "sample"): GE_SAMPLE}, GE_SAMPLE),
    ({"country": "UA"}, {(UA, "other"): UA_OTHER, (UA, "sample"): UA_SAMPLE},
     (6, 2, 2, 2, 33.3, 66.7, 62.5, 5.0, at("2024-02-20 15:00"))),
    # Enrolled 1-5 February: chrystia, dmytro (completed in 7 days), ella.
    ({"enrolled_from": date(2024, 2, 1), "enrolled_to": date(2024, 2, 5)},
     {(UA, "sample"): (3, 1, 1, 1, 33.3, 50.0, 75.0, 7.0, at("2024-02-20 15:00"))},
     (3, 1, 1, 1, 33.3, 50.0, 75.0, 7.0, at("2024-02-20 15:00"))),
    # A period's last day is included: enrolled on 2024-01-10 (anna, bohdan).
    ({"enrolled_from": date(2024, 1, 10), "enrolled_to": date(2024, 1, 10)},
     {(UA, "sample"): (2, 0, 1, 1, 50.0, 100.0, 50.0, 3.0, at("2024-01-13 10:00"))},
     (2, 0, 1, 1, 50.0, 100.0, 50.0, 3.0, at("2024-01-13 10:00"))),
    # Completed in February or March: dmytro (UA) and giorgi (GE).
    ({"completed_from": date(2024, 2, 1), "completed_to": date(2024, 3, 31)},
     {(UA, "sample"): (1, 0, 0, 1, 100.0, 100.0, 100.0, 7.0, at("2024-02-08 10:00")), (GE, "sample"): GE_SAMPLE},
     (2, 0, 0, 2, 100.0, 100.0, 100.0, 4.3, at("2024-03-02 22:00"))),  # median (7 + 1.5) / 2, half up
])
def test_each_filter(reader, dataset, filters, expected_rows, expected_totals):
    result = report(dataset, **filters)
    assert {k: figures(r) for k, r in rows_by_key(result).items()} == expected_rows
    assert figures(result.totals) == expected_totals


UA_TOTALS = (6, 2, 2, 2, 33.3, 66.7, 62.5, 5.0, at("2024-02-20 15:00"))


def test_the_rows_and_totals_come_from_one_statement(reader, dataset):
    admin = user(db, dataset, "admin")
    sent: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        result = queries.completion_report(report_scope(admin), ReportFilters(country="UA"))
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    # One statement reads the data. On PostgreSQL two more set the planner's costs of parallel workers for it and
    # put them back (lms.core.db.parallel_plans); SQLite has no such thing.
    reading = [s for s in sent if "set_config" not in s]
    assert len(reading) == 1
    assert len(sent) - len(reading) == (2 if db.engine.dialect.name == "postgresql" else 0)
    assert figures(result.totals) == UA_TOTALS
    assert figures(queries.completion_totals(report_scope(admin), ReportFilters(country="UA"))) == UA_TOTALS


@pytest.mark.parametrize("limit,offset,expected", [
    (1, 0, [(UA, "other")]), (1, 1, [(UA, "sample")]), (5, 0, [(UA, "other"), (UA, "sample")]), (2, 2, []),
])
def test_a_page_of_rows_keeps_the_totals_over_all_of_them(reader, dataset, limit, offset, expected):
    result = queries.completion_report(report_scope(user(db, dataset, "admin")), ReportFilters(country="UA"), limit=limit,
                                       offset=offset)
    assert [(r.institution_code, r.course_slug) for r in result.rows] == expected
    assert [figures(r) for r in result.rows] == [{(UA, "other"): UA_OTHER, (UA, "sample"): UA_SAMPLE}[k]
                                                 for k in expected]
    assert figures(result.totals) == UA_TOTALS


@pytest.mark.parametrize("filters", [
    {"course": "no-such-course"}, {"institution": "XX-NONE"}, {"country": "MD"},
    {"enrolled_from": date(2030, 1, 1)}, {"completed_to": date(2023, 12, 31)},
])
def test_filters_that_match_nothing_give_an_empty_report(reader, dataset, filters):
    result = report(dataset, **filters)
    assert result.rows == []
    assert figures(result.totals) == (0, 0, 0, 0, None, None, None, None, None)
    assert queries.completions_per_month(report_scope(user(db, dataset, "admin")), ReportFilters(**filters)) == []
    assert queries.completion_rates_by_institution(report_scope(user(db, dataset, "admin")),
                                                   ReportFilters(**filters)) == []
    totals = queries.completion_totals(report_scope(user(db, dataset, "admin")), ReportFilters(**filters))
    assert figures(totals) == (0, 0, 0, 0, None, None, None, None, None)


def test_a_coordinator_sees_only_their_institution_whatever_the_filters(reader, dataset):
    assert list(rows_by_key(report(dataset, "coordinator"))) == [(UA, "other"), (UA, "sample")]
    assert figures(report(dataset, "coordinator").totals) == (6, 2, 2, 2, 33.3, 66.7, 62.5, 5.0,
                                                              at("2024-02-20 15:00"))
    asked_for_georgia = report(dataset, "coordinator", institution=GE)
    assert asked_for_georgia.rows == [] and asked_for_georgia.totals.enrolled == 0
    assert list(rows_by_key(report(dataset, "other_coordinator"))) == [(GE, "sample")]


@pytest.mark.parametrize("role", ["instructor", "anna"])
def test_people_without_report_rights_see_nothing(reader, dataset, role):
    result = report(dataset, role)
    assert result.rows == [] and result.totals.enrolled == 0


def test_completion_rate_per_institution_and_completions_per_month(reader, dataset):
    admin = user(db, dataset, "admin")
    rates = queries.completion_rates_by_institution(report_scope(admin), ReportFilters())
    assert [(r.institution_code, r.enrolled, r.completed, r.completion_rate) for r in rates] == [
        (GE, 1, 1, 100.0), (UA, 6, 2, 33.3)]
    # The same counts as the report's own for each institution (its rows summed), whatever the filters: the
    # certification filter reads the facts, the others only the enrolments in scope.
    for filters in ({}, {"certification": "never"}, {"certification": "certified"}, {"course": "sample"},
                    {"country": "UA"}):
        report_rows = report(dataset, **filters).rows
        expected = {}
        for r in report_rows:
            enrolled, done = expected.get(r.institution_code, (0, 0))
            expected[r.institution_code] = (enrolled + r.enrolled, done + r.completed)
        found = {r.institution_code: (r.enrolled, r.completed)
                 for r in queries.completion_rates_by_institution(report_scope(admin), ReportFilters(**filters))}
        assert found == expected, filters
    assert queries.completions_per_month(report_scope(admin), ReportFilters(certification="never")) == []
    # anna in January, dmytro in February, giorgi in March.
    assert queries.completions_per_month(report_scope(admin), ReportFilters()) == [("2024-01", 1), ("2024-02", 1), ("2024-03", 1)]
    assert queries.completions_per_month(report_scope(admin), ReportFilters(institution=GE)) == [("2024-03", 1)]


def test_drilldown_rows(reader, dataset):
    admin = user(db, dataset, "admin")
    page = queries.enrolment_page(report_scope(admin), ReportFilters(course="sample", institution=UA))
    rows = {r.name.split()[0]: (r.state, r.progress, r.course_score, r.attempts, r.enrolled_on, r.completed_on)
            for r in page.items}
    assert page.total == 5
    assert rows == {
        "Anna": ("completed", 100, 100.0, 2, date(2024, 1, 10), date(2024, 1, 13)),
        "Bohdan": ("in_progress", 25, 0.0, 1, date(2024, 1, 10), None),  # 1 of 2 lessons, no quiz passed
        "Chrystia": ("not_started", 0, 0.0, 0, date(2024, 2, 1), None),
        "Dmytro": ("completed", 100, 100.0, 3, date(2024, 2, 1), date(2024, 2, 8)),
        "Ella": ("in_progress", 75, 50.0, 2, date(2024, 2, 5), None),  # 2 lessons + check of 4 items
    }
    certificates = {r.name.split()[0]: r.certificate_code for r in page.items}
    assert certificates["Anna"] and certificates["Dmytro"] and not certificates["Ella"]


def test_a_course_without_quizzes_scores_nothing():
    """Guarded in SQL: the score is NULL when the course has no live quiz (no division by zero)."""
    assert queries._percent(1, 0) is None
