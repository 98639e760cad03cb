"""`make bench`: run every workload against its floor on generated data and print the table.

The database is LMS_DATABASE_URL (make bench: a SQLite file under instance/bench/ unless set); an
empty one is first filled with `--size` (M by default), and one holding rows must bear the mark of
`python -m bench generate` (the workloads write to it), or nothing runs. The table gives, per
workload: the median time, the floor and its median time, their ratio, the SQL statements per run
(per request for pages), and the peak of Python memory during an export. The throughput run follows.
"""
from __future__ import annotations

import json
import os
import platform
from collections.abc import Callable, Iterable

from sqlalchemy import func, select

from bench.measure import Result, measure

# Repetitions of each kind of workload (each repetition runs the workload and its floor once).
REPEATS = {"page": 30, "quiz": 15, "report": 5, "export": 3, "export-job": 3, "bulk": 1, "mail": 3, "gradebook": 10}
REPEATS_LARGE = {"page": 30, "quiz": 15, "report": 3, "export": 3, "export-job": 3, "bulk": 1, "mail": 3, "gradebook": 10}
TARGETS = {
    "completion report, all institutions": ("ratio", 2.0),
    "run report, all institutions": ("ratio", 2.0),
    "CSV export, all enrolments": ("ratio", 1.5),
    "quiz submit + grading (20 questions)": ("ratio", 3.0),
    "reminder mails (10,000), queued and sent": ("ratio", 2.0),
    "gradebook page (500 × 20 items)": ("ratio", 2.0),
}


def _seconds(value: float | None) -> str:
    if value is None:
        return "—"
    if value < 0.001:
        return f"{value * 1e6:,.0f} µs"
    if value < 1:
        return f"{value * 1000:,.1f} ms"
    return f"{value:,.2f} s"


def _bytes(value: int | None) -> str:
    if value is None:
        return "—"
    return f"{value / 2**20:,.1f} MiB" if value >= 2**20 else f"{value / 1024:,.0f} KiB"


def format_table(results: Iterable[Result]) -> list[str]:
    """The results as a text table (one line per workload, then the failures, then the targets)."""
    header = (f"{'workload':<38} {'median':>10}  {'floor':<31} {'floor med.':>10} {'ratio':>8} {'queries':>7} "
              f"{'peak mem':>10} {'floor mem':>10}")
    lines = [header, "-" * len(header)]
    failures = []
    for r in results:
        if r.error:
            failures.append(f"FAILED {r.name}: {r.error}")
        ratio = "—" if r.ratio is None else f"{r.ratio:,.2f}×"
        queries = "—" if r.queries_per_run is None else str(r.queries_per_run)
        lines.append(f"{r.name:<38} {_seconds(r.median):>10}  {r.floor_name:<31} {_seconds(r.floor_median):>10} "
                     f"{ratio:>8} {queries:>7} {_bytes(r.peak_bytes):>10} {_bytes(r.floor_peak_bytes):>10}")
    for r in results:
        target = TARGETS.get(r.name)
        if target and r.ratio is not None:
            verdict = "met" if r.ratio <= target[1] else f"MISSED by {r.ratio / target[1]:.1f}×"
            lines.append(f"target: {r.name} at most {target[1]}× its floor: {r.ratio:.2f}× ({verdict})")
    return lines + failures


def detail_lines(results: Iterable[Result]) -> list[str]:
    """Below the table, for the workloads that report more than times: each one's spread of times (median and
    all runs, its floor's too) and what it saw (`Workload.details`)."""
    lines = []
    for r in results:
        if not r.details or not r.times:
            continue
        spread = ", ".join(_seconds(t) for t in r.times)
        floor_spread = ", ".join(_seconds(t) for t in r.floor_times)
        lines.append(f"{r.name}: {_seconds(r.median)} ({spread}) against {_seconds(r.floor_median)} "
                     f"({floor_spread}); {r.note}")
        lines.extend(r.details)
    return lines


def machine() -> str:
    """CPU model, cores and Python version of this machine."""
    model = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), model)
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def data_summary(engine) -> dict[str, int]:
    """Row counts of the tables that grow with the data."""
    from lms.auth.models import User
    from lms.learning.models import Enrolment
    from lms.quizzes.models import AttemptAnswer, QuizAttempt

    with engine.connect() as conn:
        return {name: conn.execute(select(func.count()).select_from(model)).scalar_one()
                for name, model in (("users", User.__table__), ("enrolments", Enrolment.__table__),
                                    ("attempts", QuizAttempt.__table__), ("answers", AttemptAnswer.__table__))}


def build_workloads(context, large: bool, only: tuple[str, ...] = ()) -> list:
    """Every workload, in the order they run; `only` keeps those whose name contains one of its words."""
    from bench import workloads
    from bench.gradebook import gradebook_workload
    from bench.exportjobs import export_job_workloads
    from bench.reminders import reminder_workload
    from bench.runs import run_report_workload

    repeats = REPEATS_LARGE if large else REPEATS
    wanted = [w.lower() for w in only]

    def selected(name: str) -> bool:
        return not wanted or any(w in name.lower() for w in wanted)

    makers = [
        ("page", lambda: workloads.page_workloads(context, repeats["page"])),
        ("quiz", lambda: [workloads.quiz_workload(context, repeats["quiz"])]),
        ("report", lambda: [workloads.report_workload(context, repeats["report"]),
                            run_report_workload(context, repeats["report"])]),
        ("export", lambda: workloads.export_workloads(context, repeats["export"])),
        ("export-job", lambda: export_job_workloads(context, repeats["export-job"])),
        ("bulk", lambda: [workloads.bulk_workload(context, repeats["bulk"])]),
        ("mail", lambda: [reminder_workload(context, repeats["mail"])]),
        ("gradebook", lambda: [gradebook_workload(context, repeats["gradebook"])]),
    ]
    names = {"page": ["catalogue page", "course page", "lesson page", "quiz page", "my learning page"],
             "quiz": ["quiz submit + grading"], "report": ["completion report", "run report"],
             "export": ["csv export", "xlsx export"], "export-job": ["csv export-job", "xlsx export-job"],
             "bulk": ["bulk enrolment"], "mail": ["reminder mails"],
             "gradebook": ["gradebook page"]}
    chosen = []
    for kind, make in makers:
        if any(selected(n) for n in names[kind]):
            chosen.extend(w for w in make() if selected(w.name))
    return chosen


def vacuum(engine) -> None:
    """On PostgreSQL, VACUUM (ANALYZE) after a workload deleted what it wrote, as autovacuum would in time.

    Rows deleted at the top of an index are still visited while the planner estimates a join's range
    (seen: a lesson page's one statement planned in 3-7 ms instead of 0.2-0.7 ms after the bulk
    enrolment's clean-up), which would charge the next workloads for the bench's own clean-up."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE)")


def run_all(size, seed: int = 1, repeat: int | None = None, only: tuple[str, ...] = (), throughput: bool = True,
            duration: int = 5, rounds: int = 3, json_path: str | None = None, out: Callable[[str], None] = print) -> bool:
    """Generate `size` if the database is empty, run the workloads and the throughput run, print.

    Refuses (NotBenchDatabase) a database holding rows the bench did not generate, before
    migrating it or writing anything."""
    from flask_migrate import upgrade

    from bench.app import create_bench_app
    from bench.generator import generate
    from bench.marker import is_empty, read_marker, require_bench_database
    from bench.throughput import run_throughput
    from bench.workloads import find_context, page_urls
    from lms.extensions import db

    app = create_bench_app()
    with app.app_context():
        engine = db.engine
        require_bench_database(engine, "run the benchmarks (they write to the database)")
        upgrade()
        url = engine.url.render_as_string(hide_password=True)
        if is_empty(engine):
            out(f"{url} is empty: generating size {size.name} first")
            generate(engine, size, seed, out=out)
        context = find_context(app)
        counts = data_summary(engine)
        version = engine.dialect.server_version_info
        out(f"database: {url} ({engine.dialect.name} {'.'.join(map(str, version or ()))})")
        marker = read_marker(engine)
        out(f"generated: {marker.describe() if marker else 'no mark'}")
        out("data: " + ", ".join(f"{n:,} {name}" for name, n in counts.items()))
        out(f"machine: {machine()}")
        results = []
        vacuum(engine)
        for workload in build_workloads(context, counts["enrolments"] > 200_000, only):
            out(f"running {workload.name} against {workload.floor_name} ...")
            results.append(measure(workload, engine, repeat))
            for line in [format_table(results[-1:])[2], *detail_lines(results[-1:])]:
                out(line)  # at once, as well as in the table: a long run stopped later keeps what it measured
            if workload.cleanup:
                vacuum(engine)
        lesson_path = page_urls(context)["lesson page"]
        environ = {"LMS_DATABASE_URL": engine.url.render_as_string(hide_password=False),
                   "LMS_INSTANCE_PATH": app.config["INSTANCE_PATH"]}
        db.session.remove()
    out("")
    for line in format_table(results) + detail_lines(results):
        out(line)
    load = None
    if throughput:
        load = run_throughput(duration=duration, lesson_path=lesson_path, environ=environ, rounds=rounds)
        for line in load.lines():
            out(line)
    if json_path:
        with open(json_path, "w") as f:
            json.dump({"database": url, "generated": marker.describe() if marker else None, "data": counts,
                       "machine": machine(), "results": [r.as_dict() for r in results],
                       "throughput": load.as_dict() if load else None}, f, indent=2)
    return not any(r.error for r in results) and not (load and any(r.error for r in load.runs))
