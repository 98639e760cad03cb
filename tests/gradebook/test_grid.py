"""The gradebook's grid: each kind's cell, the totals by each rule, overrides, and a fixed number of statements."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, true

from lms.audit.models import AuditEvent
from lms.core import clock
from lms.extensions import db as _db
from lms.gradebook import queries, services
from lms.gradebook.services import GradebookError
from tests.gradebook.helpers import a_course, a_run, attempt, record, statements, submission, trainees

pytestmark = pytest.mark.db

D = Decimal


def _values(row):
    return [(c.value, c.status) for c in row.cells]


@pytest.fixture()
def graded(world):
    course, items = a_course(modules=1)
    run = a_run(course, world["admin"])
    enrolments = trainees(course, run, world, 2)
    return course, items, run, enrolments


def test_each_kind_gives_its_cell(db, world, graded):
    course, (quiz, assignment, practical), run, (first, second) = graded
    attempt(first, quiz, 40, number=1)
    attempt(first, quiz, 85, number=2)
    attempt(first, quiz, 99, number=3, status="in_progress")  # not closed: does not count
    submission(first, assignment, "marked", percent=72)
    record(first, practical, 90)
    submission(second, assignment, "submitted")
    record(second, practical, 50, passed=False, released=False)
    book = queries.gradebook(course, true())
    assert [c.kind for c in book.columns] == ["quiz", "assignment", "practical"]
    rows = {r.enrolment_id: r for r in book.rows}
    assert _values(rows[first.id]) == [(D("85.0"), None), (D("72.0"), None), (D("90.0"), None)]
    assert [c.passed for c in rows[first.id].cells] == [True, True, True]
    assert _values(rows[second.id]) == [(None, None), (None, "to_mark"), (None, "held")]
    assert rows[first.id].total == D("82.3")  # (85 + 72 + 90) / 3
    assert (rows[second.id].total, rows[second.id].missing) == (None, 1)  # work with staff is not missing


def test_assignment_statuses_follow_the_latest_submission(db, world, graded):
    course, (_quiz, assignment, _practical), run, (first, second) = graded
    submission(first, assignment, "returned", number=1)
    submission(first, assignment, "draft", number=2)  # a draft is private: still "returned"
    submission(second, assignment, "marked", number=1, percent=30, released=False)
    row = {r.enrolment_id: r for r in queries.gradebook(course, true()).rows}
    assert row[first.id].cells[1].status == "returned"
    assert row[second.id].cells[1].status == "held"
    # As the trainee reads it, a held-back mark is only "awaiting marking".
    _book, own = queries.own_row(course, second)
    assert (own.cells[1].value, own.cells[1].status) == (None, "to_mark")
    # A re-mark asked for: the old mark superseded, the submission back to "submitted".
    remark = submission(first, assignment, "submitted", number=3, percent=60, superseded=True)
    assert remark.status == "submitted"
    row = {r.enrolment_id: r for r in queries.gradebook(course, true()).rows}
    assert row[first.id].cells[1].status == "to_mark"


def test_missing_work_counts_zero_once_the_due_date_has_passed(db, world, graded):
    course, (quiz, _assignment, practical), run, (first, _second) = graded
    attempt(first, quiz, 80)
    row = queries.gradebook(course, true()).rows[0]
    assert (row.total, row.missing, row.overdue) == (D("80.0"), 2, False)
    first.due_at = clock.now() - timedelta(days=1)
    _db.session.commit()
    row = {r.enrolment_id: r for r in queries.gradebook(course, true()).rows}[first.id]
    assert (row.total, row.missing, row.overdue) == (D("26.7"), 2, True)  # (80 + 0 + 0) / 3


def test_the_rules_weigh_items_and_modules(db, world):
    course, items = a_course(modules=2, per_module=("quiz", "practical"))
    q1, p1, q2, p2 = items
    run = a_run(course, world["admin"])
    (one,) = trainees(course, run, world, 1)
    attempt(one, q1, 100)
    record(one, p1, 50)
    attempt(one, q2, 20)
    record(one, p2, 80)
    total = lambda: queries.gradebook(course, true()).rows[0].total  # noqa: E731
    assert total() == D("62.5")  # mean of 100, 50, 20, 80
    services.set_grading(course, "item_weights", {("quiz", q1.id): 3, ("practical", p2.id): 0}, world["admin"])
    assert total() == D("74.0")  # (300 + 50 + 20) / (3 + 1 + 1); p2 weighs nothing
    services.set_grading(course, "module_weights", {("module", q1.module_id): 1, ("module", q2.module_id): 3},
                         world["admin"])
    assert total() == D("56.3")  # module 1: 75, module 2: 50; (75 + 150) / 4 = 56.25
    assert _db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(1)) == \
        "gradebook.grading_set"
    with pytest.raises(GradebookError) as refused:
        services.set_grading(course, "item_weights", {("quiz", q1.id): 1001}, world["admin"])
    assert refused.value.code == "weight_out_of_range"
    other, other_items = a_course("other", modules=1, per_module=("quiz",))
    with pytest.raises(GradebookError) as refused:
        services.set_grading(course, "item_weights", {("quiz", other_items[0].id): 2}, world["admin"])
    assert refused.value.code == "not_of_course"
    assert course.grading_rule == "module_weights"


def test_overrides_replace_a_cell_or_the_total_and_are_audited(db, world, graded):
    course, (quiz, assignment, practical), run, (first, _second) = graded
    attempt(first, quiz, 40)
    services.override(course, first, "quiz", quiz.id, "75", "Retake on paper, 2026-11-30", world["admin"])
    row = {r.enrolment_id: r for r in queries.gradebook(course, true()).rows}[first.id]
    assert (row.cells[0].value, row.cells[0].computed) == (D("75.0"), D("40.0"))
    assert row.cells[0].override.reason == "Retake on paper, 2026-11-30"
    assert row.total == D("75.0")
    services.override(course, first, "total", 0, 55, "Board decision", world["admin"])
    row = {r.enrolment_id: r for r in queries.gradebook(course, true()).rows}[first.id]
    assert (row.total, row.computed_total, row.total_override.set_by) == (D("55.0"), D("75.0"), "Ada Admin")
    for percent, reason, code in ((50, "", "reason_required"), (50, "x" * 501, "reason_too_long"),
                                  (101, "why", "percent_out_of_range"), ("abc", "why", "percent_invalid")):
        with pytest.raises(GradebookError) as refused:
            services.override(course, first, "quiz", quiz.id, percent, reason, world["admin"])
        assert refused.value.code == code
    assert services.remove_override(course, first, "quiz", quiz.id, world["admin"])
    assert not services.remove_override(course, first, "quiz", quiz.id, world["admin"])
    row = {r.enrolment_id: r for r in queries.gradebook(course, true()).rows}[first.id]
    assert (row.cells[0].value, row.cells[0].override) == (D("40.0"), None)
    actions = _db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("gradebook.%"))
                                  .order_by(AuditEvent.id)).all()
    assert actions == ["gradebook.override_set", "gradebook.override_set", "gradebook.override_removed"]


def test_withdrawn_and_retired_are_left_out(db, world, graded):
    course, (quiz, assignment, practical), run, (first, second) = graded
    second.status, second.withdrawn_at = "withdrawn", clock.now()
    assignment.retired = True
    _db.session.commit()
    book = queries.gradebook(course, true())
    assert [r.enrolment_id for r in book.rows] == [first.id]
    assert [c.kind for c in book.columns] == ["quiz", "practical"]
    assert len(queries.gradebook(course, true(), withdrawn=True).rows) == 2


def test_attendance_joins_when_the_course_has_sessions(db, world, graded):
    from lms.attendance.models import AttendanceMark
    from tests.sessions.helpers import a_session

    course, (quiz, _assignment, _practical), run, (first, second) = graded
    held = a_session(course, run, world["admin"], start=clock.now() + timedelta(days=2))
    held.starts_at, held.ends_at = clock.now() - timedelta(hours=3), clock.now() - timedelta(hours=2)
    _db.session.add_all([AttendanceMark(session_id=held.id, user_id=first.user_id, status="present"),
                         AttendanceMark(session_id=held.id, user_id=second.user_id, status="absent")])
    _db.session.commit()
    book = queries.gradebook(course, true())
    assert book.columns[-1].kind == "attendance"
    rows = {r.enrolment_id: r for r in book.rows}
    assert rows[first.id].cells[-1].value == D("100.0")
    assert rows[second.id].cells[-1].value == D("0.0")


def _fill(course, items, enrolments):
    for index, enrolment in enumerate(enrolments):
        for item in items:
            kind = type(item).__name__
            if kind == "Quiz":
                attempt(enrolment, item, 50 + index % 50)
            elif kind == "Assignment":
                submission(enrolment, item, "marked", percent=60, released=index % 2 == 0)
            else:
                record(enrolment, item, 70)


def test_the_grid_costs_the_same_statements_whatever_its_size(db, world):
    small, small_items = a_course("small", modules=1)
    _fill(small, small_items, trainees(small, a_run(small, world["admin"], "S"), world, 5, "s"))
    big, big_items = a_course("big", modules=4)
    _fill(big, big_items, trainees(big, a_run(big, world["admin"], "B"), world, 50, "b"))
    _db.session.expire_all()
    counts = []
    for course in (small, big):
        with statements(_db) as sent:
            book = queries.gradebook(course, true())
        counts.append(len(sent))
        assert all(c.value is not None or c.status == "held" for row in book.rows for c in row.cells)
    assert counts[0] == counts[1], counts
    assert counts[0] <= 9


def test_the_page_costs_the_same_statements_whatever_its_size(db, client, auth, world):
    small, small_items = a_course("small", modules=1)
    _fill(small, small_items, trainees(small, a_run(small, world["admin"], "S"), world, 5, "s"))
    big, big_items = a_course("big", modules=4)
    _fill(big, big_items, trainees(big, a_run(big, world["admin"], "B"), world, 50, "b"))
    auth.login(world["admin"].email)
    counts = []
    for slug in ("small", "big"):
        client.get(f"/courses/{slug}/gradebook")  # the first view of a page may write (a session's last use)
        with statements(_db) as sent:
            assert client.get(f"/courses/{slug}/gradebook").status_code == 200
        counts.append(len(sent))
    assert counts[0] == counts[1], counts
