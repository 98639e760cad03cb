"""The export-job workloads on the tiny data set: the admin's full export asked for above the threshold
becomes a job, its progress page is read while it runs, and its file is the immediate export's (CSV byte for
byte, XLSX cell by cell); a difference fails the workload; nothing is left behind."""
from __future__ import annotations

import re

import openpyxl
import pytest

from bench.exportjobs import ExportJobRun, PeakRss, _compare_csv, _compare_xlsx, export_job_workloads
from bench.measure import measure
from bench.runner import build_workloads, detail_lines, format_table

pytestmark = pytest.mark.db


def test_the_export_job_gives_the_immediate_file_with_progress_seen(bench_app, db, generated):
    from bench.generator import table_rows
    from bench.workloads import find_context

    with bench_app.app_context():
        from lms.extensions import db as bench_db

        before = table_rows(bench_db.engine)
        context = find_context(bench_app)
        chosen = export_job_workloads(context, 2)
        results = [measure(w, bench_db.engine) for w in chosen]
        after = table_rows(bench_db.engine)
        threshold = bench_app.config["EXPORT_JOB_ROWS"]
        bench_db.session.remove()
    assert [r.error for r in results] == [None, None]
    assert [r.name for r in results] == ["CSV export-job, all enrolments", "XLSX export-job, all enrolments"]
    assert all(len(r.times) == 2 and r.ratio > 0 for r in results)
    lines = format_table(results) + detail_lines(results)
    # The growth is a figure where the kernel lets a process reset its high-water mark, and a dash where it
    # does not (some sandboxed kernels refuse the write to /proc/self/clear_refs).
    probe = PeakRss()
    probe.start()
    figure = r"\+[\d.,]+ MiB" if probe.base is not None else "—"
    growth = rf"peak RSS growth: job {figure}, immediate {figure}"
    assert probe.base is None or probe.growth() >= 0
    rows = f"{context.enrolments:,}"
    for fmt in ("CSV", "XLSX"):
        seen = [line for line in lines if line.startswith(f"  {fmt} job, repetition")]
        assert len(seen) == 2, lines
        assert all(f"monotonic, total = {rows} rows = end" in line and "identical" in line for line in seen)
        assert all(f"/{rows}" in line for line in seen)
        assert all(re.search(growth, line) for line in seen), seen
    assert threshold == 10**12  # the bench app's own setting is given back
    # The job rows and their files are gone again (the sign-in and the exports are audited).
    changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]
               and t not in ("audit_events", "sign_in_sessions")}
    assert changed == {}


def test_only_export_job_chooses_the_two_job_workloads(bench_app, db, generated):
    from bench.workloads import find_context

    with bench_app.app_context():
        context = find_context(bench_app)
        chosen = build_workloads(context, large=False, only=("export-job",))
        for workload in chosen:
            workload.cleanup()
    assert [w.name for w in chosen] == ["CSV export-job, all enrolments", "XLSX export-job, all enrolments"]


def test_a_different_file_or_progress_fails_the_workload(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_bytes(b"h\n1\n2\n")
    b.write_bytes(b"h\n1\n3\n")
    with pytest.raises(AssertionError, match="differs from the immediate one .* at byte 4"):
        _compare_csv(a, b)
    b.write_bytes(b"h\n1\n2\n")
    assert _compare_csv(a, b) == 2

    paths = []
    for name, last in (("a.xlsx", "x"), ("b.xlsx", "y")):
        book = openpyxl.Workbook()
        book.active.append(["h"])
        book.active.append([last])
        book.save(tmp_path / name)
        paths.append(tmp_path / name)
    with pytest.raises(AssertionError, match=r"row 2: the job's \('x',\) / the immediate \('y',\)"):
        _compare_xlsx(*paths)
    assert _compare_xlsx(paths[0], paths[0]) == 1

    run = ExportJobRun(None, "csv")
    run.expected = 10
    for samples, message in (([(0.1, 4, 10), (0.2, 2, 10), (0.3, 10, 10)], "not monotonic"),
                             ([(0.1, 4, 9), (0.3, 10, 10)], "totals"),
                             ([(0.1, 4, 10), (0.3, 8, 10)], "ended at 8 of 10"), ([], "not monotonic")):
        run.samples = samples
        with pytest.raises(AssertionError, match=message):
            run._check_progress()
