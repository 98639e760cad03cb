"""The bench runner on the tiny data set: every workload runs against its floor, the completion
report and its hand-written floor give the same figures, what the workloads wrote is removed again,
and the table shows each workload with its floor, ratio, queries and memory."""
from __future__ import annotations

import pytest

from bench.measure import Result, Workload, measure
from bench.runner import format_table

pytestmark = pytest.mark.db


def test_table_shows_each_workload_its_floor_ratio_queries_and_targets():
    results = [
        Result("catalogue page", "bare route", times=[0.010, 0.012, 0.011], floor_times=[0.001, 0.001, 0.002],
               queries=[5, 5, 5]),
        Result("CSV export, all enrolments", "csv.writer on the same cursor", times=[3.0], floor_times=[1.0],
               queries=[6], peak_bytes=3 * 2**20, floor_peak_bytes=200 * 1024),
        Result("completion report, all institutions", "hand-written SQL GROUP BY", times=[1.0], floor_times=[0.8],
               queries=[3]),
        Result("bulk enrolment", "executemany", error="RuntimeError: boom"),
    ]
    lines = format_table(results)
    header = lines[0]
    for column in ("workload", "median", "floor", "ratio", "queries", "peak mem"):
        assert column in header
    catalogue = next(line for line in lines if line.startswith("catalogue page"))
    assert "11.0 ms" in catalogue and "bare route" in catalogue and "11.00×" in catalogue and " 5 " in catalogue
    csv_line = next(line for line in lines if line.startswith("CSV export"))
    assert "3.00×" in csv_line and "3.0 MiB" in csv_line and "200 KiB" in csv_line
    assert any("at most 1.5× its floor: 3.00× (MISSED by 2.0×)" in line for line in lines)
    assert any("at most 2.0× its floor: 1.25× (met)" in line for line in lines)
    assert lines[-1] == "FAILED bulk enrolment: RuntimeError: boom"


def test_measure_alternates_workload_and_floor_and_counts_queries(db):
    from sqlalchemy import text

    order = []

    def work():
        order.append("w")
        db.session.execute(text("SELECT 1"))
        db.session.execute(text("SELECT 2"))

    def floor():
        order.append("f")

    result = measure(Workload("w", work, floor, "f", repeat=3, memory=True), db.engine)
    assert result.error is None
    assert order == ["w", "f", "w", "f", "w", "f", "w", "f"]  # three timed pairs, then one traced pair
    assert result.queries == [2, 2, 2] and result.floor_queries == [0, 0, 0]
    assert result.peak_bytes is not None and result.ratio is not None


def test_every_workload_runs_on_tiny_data_and_leaves_it_unchanged(bench_app, db, generated):
    from bench import workloads
    from bench.generator import table_rows
    from bench.gradebook import gradebook_workload
    from bench.reminders import reminder_workload
    from bench.runs import run_report_workload

    with bench_app.app_context():
        from lms.extensions import db as bench_db

        before = table_rows(bench_db.engine)
        context = workloads.find_context(bench_app)
        chosen = [*workloads.page_workloads(context, 2), workloads.quiz_workload(context, 2),
                  workloads.report_workload(context, 2), run_report_workload(context, 2),
                  *workloads.export_workloads(context, 1),
                  workloads.bulk_workload(context, 1, rows=20, courses=2), reminder_workload(context, 2, mails=20),
                  gradebook_workload(context, 2, trainees=20)]
        results = [measure(w, bench_db.engine) for w in chosen]
        after = table_rows(bench_db.engine)
        bench_db.session.remove()
    assert [r.error for r in results if r.error] == []
    lines = format_table(results)
    for name in ("catalogue page", "lesson page", "quiz submit + grading (20 questions)",
                 "completion report, all institutions", "run report, all institutions", "CSV export, all enrolments", "XLSX export, all enrolments",
                 "bulk enrolment (40 enrolments)", "reminder mails (20), queued and sent",
                 "gradebook page (20 × 20 items)"):
        assert any(line.startswith(name) for line in lines), name
    assert all(r.ratio and r.ratio > 0 for r in results)
    assert next(r for r in results if r.name.startswith("catalogue")).floor_queries == [0, 0]
    # The lesson views only touch existing rows; attempts, accounts and enrolments made are deleted again
    # (the sign-ins are recorded, as audit events and sign-in sessions).
    changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]
               and t not in ("audit_events", "sign_in_sessions")}
    assert changed == {}
