"""The bench runner on the tiny data set: every workload runs against its floor, the completion
report and its hand-written floor give the same figures, what the workloads wrote is removed again,
and the table shows each workload with its floor, ratio, queries and memory."""
from __future__ import annotations

import pytest

from bench.measure import Result, Workload, measure
from bench.runner import format_table

pytestmark = pytest.mark.db


def test_table_shows_each_workload_its_floor_ratio_spread_queries_and_targets():
    results = [
        Result("catalogue page", "bare route", times=[0.010, 0.012, 0.011], floor_times=[0.001, 0.001, 0.001],
               queries=[5, 5, 5]),
        Result("CSV export, all enrolments", "csv.writer on the same cursor", times=[3.0, 3.0], floor_times=[1.0, 1.0],
               queries=[6, 6], peak_bytes=3 * 2**20, floor_peak_bytes=200 * 1024),
        Result("completion report, all institutions", "hand-written SQL GROUP BY", times=[1.0, 1.1],
               floor_times=[0.8, 0.8], queries=[3, 3]),
        Result("bulk enrolment", "executemany", error="RuntimeError: boom"),
    ]
    lines = format_table(results)
    header = lines[0]
    for column in ("workload", "median", "floor", "ratio", "(low-high)", "stmts", "peak mem", "verdict"):
        assert column in header
    catalogue = next(line for line in lines if line.startswith("catalogue page"))
    assert "11.0 ms" in catalogue and "bare route" in catalogue and "11.00×" in catalogue and " 5 " in catalogue
    assert "(10.00-12.00)" in catalogue and catalogue.endswith(" ok")
    csv_line = next(line for line in lines if line.startswith("CSV export"))
    assert "3.00×" in csv_line and "(3.00-3.00)" in csv_line and "3.0 MiB" in csv_line and "200 KiB" in csv_line
    assert any("at most 1.5× its floor: 3.00× (MISSED by 2.0×)" in line for line in lines)
    assert any("at most 2.0× its floor: 1.31× (met)" in line for line in lines)
    assert lines[-1] == "FAILED bulk enrolment: RuntimeError: boom"


def test_a_spread_wider_than_twice_is_unreliable_and_left_out_of_the_json(tmp_path):
    import json

    from bench.runner import published
    from bench.throughput import Run, Throughput

    wide = Result("completion report, all institutions", "hand-written SQL GROUP BY", times=[1.0, 3.0, 1.2],
                  floor_times=[1.0, 1.0, 1.0], queries=[2, 2, 2])  # pair ratios 1.0-3.0: a spread of 3×
    narrow = Result("catalogue page", "bare route", times=[2.0, 3.0], floor_times=[1.0, 1.0], queries=[2, 2])
    single = Result("bulk enrolment", "executemany", times=[2.0], floor_times=[1.0], queries=[64])
    assert wide.spread == (1.0, 3.0) and "spread 3.0×" in wide.unreliable
    assert narrow.unreliable is None  # 2.0-3.0: 1.5×, within the limit
    assert "one pair" in single.unreliable
    lines = format_table([wide, narrow, single])
    assert next(line for line in lines if line.startswith("completion report")).endswith("UNRELIABLE")
    assert next(line for line in lines if line.startswith("catalogue page")).endswith("ok")
    assert any(line.startswith("unreliable, not published: completion report, all institutions: pair ratios "
                               "1.00×-3.00×") for line in lines)
    assert any("at most 2.0× its floor: not judged (unreliable)" in line for line in lines)
    kept, left_out = published([wide, narrow, single])
    assert [r["name"] for r in kept] == ["catalogue page"]
    assert kept[0]["ratio_lowest"] == 2.0 and kept[0]["ratio_highest"] == 3.0
    assert [(r["name"], "spread 3.0×" in r["reason"]) for r in left_out] == [
        ("completion report, all institutions", True), ("bulk enrolment", False)]
    assert "times_s" not in json.dumps(left_out)  # no figure of an unreliable workload is published

    # The throughput run keeps its lowest and highest round ratio and gets the same rule.
    load = Throughput(runs=[Run("bare route", "/_bench/bare", rates=[1000.0, 1000.0, 500.0], p99s=[5, 5, 9]),
                            Run("catalogue page", "/courses/", rates=[300.0, 320.0, 310.0], p99s=[20, 20, 30]),
                            Run("lesson page", "/l", rates=[330.0, 120.0, 330.0], p99s=[20, 20, 20])])
    text = load.lines()
    catalogue = next(line for line in text if "catalogue page" in line and "req/s" not in line)
    assert "(0.30-0.62)" in catalogue and catalogue.endswith("UNRELIABLE")  # 0.62 / 0.30 > 2
    assert next(line for line in text if line.strip().startswith("lesson page")).endswith("UNRELIABLE")
    assert any("unreliable, not published: catalogue page: round ratios" in line for line in text)
    published_runs = load.as_dict()
    assert [r["name"] for r in published_runs["runs"]] == ["bare route"]
    assert {r["name"] for r in published_runs["left_out"]} == {"catalogue page", "lesson page"}
    steady = Throughput(runs=[Run("bare route", "/_bench/bare", rates=[1000.0, 900.0], p99s=[5, 5]),
                              Run("catalogue page", "/courses/", rates=[300.0, 290.0], p99s=[20, 20])])
    assert steady.as_dict()["left_out"] == [] and steady.lines()[-1].endswith(" ok")


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


def test_the_warm_up_pairs_run_and_are_checked_but_not_timed(db):
    """A workload of requests may ask for untimed pairs first (a process's first request of a kind compiles its
    statements): they run and are checked like the others, and no figure holds them."""
    calls, checked = [], []

    def work():
        calls.append("w")
        return len(calls)

    result = measure(Workload("w", work, lambda: calls.append("f"), "f", repeat=3, warm_up=2,
                              check=lambda value, _floor: checked.append(value)), db.engine)
    assert result.error is None
    assert calls == ["w", "f"] * 5 and len(checked) == 5
    assert len(result.times) == len(result.floor_times) == len(result.queries) == 3


def test_every_workload_runs_on_tiny_data_and_leaves_it_unchanged(bench_app, db, generated):
    from bench import workloads
    from bench.generator import table_rows
    from bench.gradebook import gradebook_workload
    from bench.pages import crowd_page_workloads
    from bench.quizweb import quiz_web_workloads
    from bench.reminders import reminder_workload
    from bench.runs import run_report_workload

    with bench_app.app_context():
        from lms.extensions import db as bench_db

        before = table_rows(bench_db.engine)
        context = workloads.find_context(bench_app)
        chosen = [*crowd_page_workloads(context, 3, trainees=4), *quiz_web_workloads(context, 3, trainees=3),
                  workloads.report_workload(context, 2), workloads.charts_workload(context, 2),
                  run_report_workload(context, 2),
                  *workloads.export_workloads(context, 1),
                  workloads.bulk_workload(context, 1, rows=20, courses=2), reminder_workload(context, 2, mails=20),
                  gradebook_workload(context, 2, trainees=20)]
        results = [measure(w, bench_db.engine) for w in chosen]
        after = table_rows(bench_db.engine)
        bench_db.session.remove()
    assert [r.error for r in results if r.error] == []
    lines = format_table(results)
    for name in ("catalogue page", "lesson page, first view", "lesson page, repeat view", "quiz start (final, 20 questions)",
                 "quiz save (20 answers)", "quiz submit, passing (20, certificate)", "quiz submit, failing (20 questions)",
                 "completion report, all institutions", "completion report charts, all institutions",
                 "run report, all institutions", "CSV export, all enrolments", "XLSX export, all enrolments",
                 "bulk enrolment (40 enrolments)", "reminder mails (20), queued and sent",
                 "gradebook page (20 × 20 items)"):
        assert any(line.startswith(name) for line in lines), name
    assert all(r.ratio and r.ratio > 0 for r in results)
    assert next(r for r in results if r.name.startswith("catalogue")).floor_queries == [0, 0, 0]
    # The lesson views only touch existing rows; attempts, accounts and enrolments made are deleted again
    # (the sign-ins are recorded, as audit events and sign-in sessions).
    changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]
               and t not in ("audit_events", "sign_in_sessions")}
    assert changed == {}


def test_a_floor_that_writes_other_rows_or_bytes_fails_its_workload(tmp_path):
    from bench.exportfloors import same_file
    from bench.quizweb import _same

    product, floor = tmp_path / "export.csv", tmp_path / "floor.csv"
    product.write_bytes(b"a,b\r\nx,1\r\ny,2\r\n")
    floor.write_bytes(b"a,b\r\nx,1\r\ny,2\n")
    with pytest.raises(AssertionError, match=r"differs from the export's at byte 13 \(line 3\)"):
        same_file(product, floor)
    floor.write_bytes(product.read_bytes())
    assert same_file(product, floor) == 2

    rows = {"attempts": [("submitted", 15)], "certificates": [("Ann", "Course")], "audit": []}
    _same(rows, dict(rows))
    with pytest.raises(AssertionError, match=r"wrote different rows \(certificates\)"):
        _same(rows, {**rows, "certificates": []})
