"""`make bench`: run every workload against its floor on generated data and print the table.

The database is LMS_DATABASE_URL (make bench: a SQLite file under instance/bench/ unless set); an
empty one is first filled with `--size` (M by default), and one holding rows must bear the mark of
`python -m bench generate` (the workloads write to it), or nothing runs. The table gives, per
workload: the median time, the floor and its median time, their ratio, the SQL statements per run
(per request for pages), the lowest and highest pair ratio, the peak of Python memory during an export,
and whether the figure is reliable (`measure.spread_verdict`); the load average at the start and the end
heads it. The extra sections (`SECTIONS`: the throughput run, then on PostgreSQL the load mix) follow.
"""
from __future__ import annotations

import json
import os
import platform
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from bench.measure import Result, measure

# Repetitions of each kind of workload (each repetition runs the workload and its floor once).
REPEATS = {"page": 50, "quiz": 15, "report": 5, "export": 3, "export-job": 3, "bulk": 3, "mail": 3, "gradebook": 10}
REPEATS_LARGE = {"page": 50, "quiz": 15, "report": 3, "export": 3, "export-job": 3, "bulk": 3, "mail": 3, "gradebook": 10}
TARGETS = {
    "completion report, all institutions": ("ratio", 2.0),
    "run report, all institutions": ("ratio", 2.0),
    "CSV export, all enrolments": ("ratio", 1.5),
    "quiz start (final, 20 questions)": ("ratio", 3.0),
    "quiz submit, passing (20, certificate)": ("ratio", 3.0),
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


def _spread(low_high: tuple[float, float] | None) -> str:
    return "—" if low_high is None else f"{low_high[0]:,.2f}-{low_high[1]:,.2f}"


def format_table(results: Iterable[Result]) -> list[str]:
    """The results as a text table: one line per workload with its ratio's spread (lowest and highest pair
    ratio) and statements per run (per request for pages), "UNRELIABLE" where the spread is wider than
    `measure.SPREAD_LIMIT`; then why each unreliable one is, the failures, and the targets of the reliable ones."""
    results = list(results)
    header = (f"{'workload':<40} {'median':>10}  {'floor':<34} {'floor med.':>10} {'ratio':>8} {'(low-high)':>15} "
              f"{'stmts':>5} {'peak mem':>9} {'floor mem':>9}  verdict")
    lines = [header, "-" * len(header)]
    failures, doubts = [], []
    for r in results:
        if r.error:
            failures.append(f"FAILED {r.name}: {r.error}")
        elif r.unreliable:
            doubts.append(f"unreliable, not published: {r.name}: {r.unreliable}")
        ratio = "—" if r.ratio is None else f"{r.ratio:,.2f}×"
        queries = "—" if r.queries_per_run is None else str(r.queries_per_run)
        verdict = "FAILED" if r.error else "UNRELIABLE" if r.unreliable else "ok"
        lines.append(f"{r.name:<40} {_seconds(r.median):>10}  {r.floor_name:<34} {_seconds(r.floor_median):>10} "
                     f"{ratio:>8} {'(' + _spread(r.spread) + ')':>15} {queries:>5} {_bytes(r.peak_bytes):>9} "
                     f"{_bytes(r.floor_peak_bytes):>9}  {verdict}")
    for r in results:
        target = TARGETS.get(r.name)
        if target and r.ratio is not None and not r.error:
            if r.unreliable:
                lines.append(f"target: {r.name} at most {target[1]}× its floor: not judged (unreliable)")
                continue
            verdict = "met" if r.ratio <= target[1] else f"MISSED by {r.ratio / target[1]:.1f}×"
            lines.append(f"target: {r.name} at most {target[1]}× its floor: {r.ratio:.2f}× ({verdict})")
    return lines + doubts + failures


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


def build_workloads(context, large: bool, only: tuple[str, ...] = (), skip: tuple[str, ...] = ()) -> list:
    """Every workload, in the order they run; `only` keeps those whose name contains one of its words, `skip`
    leaves out those whose name contains one of its own (`--skip export-job`: the exports at once, not as jobs)."""
    from bench import workloads
    from bench.gradebook import gradebook_workload
    from bench.pages import crowd_page_workloads
    from bench.quizweb import quiz_web_workloads
    from bench.exportjobs import export_job_workloads
    from bench.reminders import reminder_workload
    from bench.runs import run_report_workload

    repeats = REPEATS_LARGE if large else REPEATS
    wanted = [w.lower() for w in only]
    unwanted = [w.lower() for w in skip]

    def selected(name: str) -> bool:
        return (not wanted or any(w in name.lower() for w in wanted)) and not any(w in name.lower() for w in unwanted)

    makers = [
        ("page", lambda: crowd_page_workloads(context, repeats["page"])),
        ("quiz", lambda: quiz_web_workloads(context, repeats["quiz"])),
        ("report", lambda: [workloads.report_workload(context, repeats["report"]),
                            workloads.coordinator_report_workload(context, repeats["report"]),
                            workloads.charts_workload(context, repeats["report"]),
                            run_report_workload(context, repeats["report"])]),
        ("export", lambda: workloads.export_workloads(context, repeats["export"])),
        ("export-job", lambda: export_job_workloads(context, repeats["export-job"])),
        ("bulk", lambda: [workloads.bulk_workload(context, repeats["bulk"])]),
        ("mail", lambda: [reminder_workload(context, repeats["mail"])]),
        ("gradebook", lambda: [gradebook_workload(context, repeats["gradebook"])]),
    ]
    names = {"page": ["catalogue page", "course page", "lesson page, first view", "lesson page, repeat view",
                      "quiz page", "my learning page"],
             "quiz": ["quiz start", "quiz save", "quiz submit, passing", "quiz submit, failing"],
             "report": ["completion report", "completion report charts", "run report"],
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


def load_average() -> tuple[float, float, float] | None:
    """The machine's load average over 1, 5 and 15 minutes (None where the system gives none)."""
    try:
        return os.getloadavg()
    except OSError:
        return None


def _load_text(load: tuple[float, float, float] | None) -> str:
    return "unknown" if load is None else " / ".join(f"{x:.2f}" for x in load)


@dataclass
class SectionSettings:
    """What an extra section of `bench run` is given: the environment for a server it starts (the bench
    database and instance), the bench trainee's pages (name: path), the run's `--duration` and `--rounds`."""

    environ: dict[str, str]
    pages: dict[str, str]
    duration: int
    rounds: int
    size: object = None  # the run's size (sizes.Size) and seed: what the load mix's own database is generated at
    seed: int = 1
    out: Callable[[str], None] = print  # progress while a section prepares (its figures come with `lines()`)


def _throughput_section(settings: SectionSettings):
    from bench.throughput import run_throughput

    return run_throughput(duration=settings.duration, pages=settings.pages, environ=settings.environ,
                          rounds=settings.rounds)


# The sections printed after the workloads' table, in this order, each chosen by name in `run_all(sections=...)`
# (the CLI's flags choose them). A section is a function of SectionSettings returning an object with `lines()`
# (its part of the output), `as_dict()` (its part of --json, the unreliable figures left out with the reason)
# and `failed()` (whether it makes the run fail). The throughput run is one; the load mix joins here as another.
SECTIONS: dict[str, Callable[[SectionSettings], object]] = {}


@dataclass
class LoadMixSection:
    """The load mix's part of `bench run` (`bench.loadmix`): 50 trainees for 60 s, then 50 while 200 others
    sign in, on PostgreSQL, the database it is meant for: the run's own, or after a run on SQLite a PostgreSQL
    database of the load mix's (`bench.loadmix.postgres`)."""

    reports: list
    skipped: str | None = None
    database: str | None = None  # where it ran, when not on the run's database

    def lines(self) -> list[str]:
        """Each run's report as printed, or why it was skipped."""
        if self.skipped:
            return ["", f"load mix: skipped ({self.skipped})"]
        head = ["", f"load mix on {self.database} (the workloads above ran on SQLite)"] if self.database else []
        return head + [line for report in self.reports for line in report.lines()]

    def as_dict(self) -> dict:
        """Each run's figures for --json."""
        return {"skipped": self.skipped, "database": self.database,
                "runs": [report.as_dict() for report in self.reports]}

    def failed(self) -> bool:
        """Whether a run failed or saw errors (a wrong answer or grade in the database among them)."""
        return any(not report.ok for report in self.reports)


def _loadmix_runs(engine, environ: dict[str, str]) -> list:
    from bench.loadmix import run_loadmix

    return [run_loadmix(engine, environ, trainees=50, duration=60, sign_ins=sign_ins) for sign_ins in (0, 200)]


def _loadmix_section(settings: SectionSettings) -> LoadMixSection:
    from flask_migrate import upgrade

    from bench.app import create_bench_app
    from bench.generator import generate
    from bench.loadmix.postgres import loadmix_database_url
    from bench.marker import display_url, is_empty, require_bench_database
    from lms.extensions import db

    app = create_bench_app()
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            try:
                return LoadMixSection(_loadmix_runs(db.engine, settings.environ))
            finally:
                db.session.remove()
    url, why = loadmix_database_url(settings.out)
    if url is None:
        return LoadMixSection([], skipped=f"it runs on PostgreSQL: {why}")
    own = create_bench_app({"SQLALCHEMY_DATABASE_URI": url})
    with own.app_context():
        try:
            shown = display_url(db.engine)
            require_bench_database(db.engine, "run the load mix (it writes to the database)")
            upgrade()
            if is_empty(db.engine):
                settings.out(f"{shown} is empty: generating size {settings.size.name} for the load mix first")
                generate(db.engine, settings.size, settings.seed, out=settings.out)
            return LoadMixSection(_loadmix_runs(db.engine, {**settings.environ, "LMS_DATABASE_URL": url}),
                                  database=shown)
        finally:
            db.session.remove()
            db.engine.dispose()


SECTIONS.update({"throughput": _throughput_section, "load mix": _loadmix_section})


def published(results: Iterable[Result]) -> tuple[list[dict], list[dict]]:
    """The results --json publishes (reliable or failed), and the names and reasons of those it leaves out."""
    kept, left_out = [], []
    for r in results:
        if r.unreliable:
            left_out.append({"name": r.name, "reason": r.unreliable})
        else:
            kept.append(r.as_dict())
    return kept, left_out


def run_all(size, seed: int = 1, repeat: int | None = None, only: tuple[str, ...] = (), skip: tuple[str, ...] = (),
            sections: Sequence[str] = ("throughput",), duration: int = 5, rounds: int = 3,
            json_path: str | None = None, out: Callable[[str], None] = print) -> bool:
    """Generate `size` if the database is empty, run the workloads, then the chosen `sections`, and print.

    Refuses (NotBenchDatabase) a database holding rows the bench did not generate, before
    migrating it or writing anything."""
    from flask_migrate import upgrade

    from bench.app import create_bench_app
    from bench.generator import generate
    from bench.marker import is_empty, read_marker, require_bench_database
    from bench.workloads import find_context, page_urls
    from lms.core.startup import settle
    from lms.extensions import db

    unknown = [name for name in sections if name not in SECTIONS]
    if unknown:
        raise ValueError(f"unknown section(s): {', '.join(unknown)}")
    load_start = load_average()
    app = create_bench_app()
    with app.app_context():
        engine = db.engine
        require_bench_database(engine, "run the benchmarks (they write to the database)")
        upgrade()
        url = engine.url.render_as_string(hide_password=True)
        if is_empty(engine):
            out(f"{url} is empty: generating size {size.name} first")
            generate(engine, size, seed, out=out)
            load_start = load_average()  # the load the measurements start under, not the generation's
        context = find_context(app)
        counts = data_summary(engine)
        settle()  # this process measured as a served worker runs: its start-up objects frozen, as wsgi.py does
        version = engine.dialect.server_version_info
        out(f"database: {url} ({engine.dialect.name} {'.'.join(map(str, version or ()))})")
        marker = read_marker(engine)
        out(f"generated: {marker.describe() if marker else 'no mark'}")
        out("data: " + ", ".join(f"{n:,} {name}" for name, n in counts.items()))
        out(f"machine: {machine()}")
        out(f"load average (1 / 5 / 15 min) at the start: {_load_text(load_start)}")
        results = []
        vacuum(engine)
        for workload in build_workloads(context, counts["enrolments"] > 200_000, only, skip):
            out(f"running {workload.name} against {workload.floor_name} ...")
            results.append(measure(workload, engine, repeat))
            for line in [format_table(results[-1:])[2], *detail_lines(results[-1:])]:
                out(line)  # at once, as well as in the table: a long run stopped later keeps what it measured
            if workload.cleanup:
                vacuum(engine)
        settings = SectionSettings(
            environ={"LMS_DATABASE_URL": engine.url.render_as_string(hide_password=False),
                     "LMS_INSTANCE_PATH": app.config["INSTANCE_PATH"]},
            pages=page_urls(context), duration=duration, rounds=rounds, size=size, seed=seed,
            out=out)
        db.session.remove()
    load_workloads = load_average()
    done = {}
    for name in sections:
        done[name] = SECTIONS[name](settings)
    load_end = load_average()
    out("")
    out(f"load average (1 / 5 / 15 min): {_load_text(load_start)} at the start, {_load_text(load_workloads)} "
        f"after the workloads, {_load_text(load_end)} at the end")
    for line in format_table(results) + detail_lines(results):
        out(line)
    for section in done.values():
        for line in section.lines():
            out(line)
    if json_path:
        kept, left_out = published(results)
        report = {"database": url, "generated": marker.describe() if marker else None, "data": counts,
                  "machine": machine(), "load_average": {"start": load_start, "after_workloads": load_workloads,
                                                         "end": load_end},
                  "results": kept, "left_out": left_out,
                  "sections": {name: section.as_dict() for name, section in done.items()}}
        report["throughput"] = report["sections"].get("throughput")
        with open(json_path, "w") as f:
            json.dump(report, f, indent=2)
    return not any(r.error for r in results) and not any(section.failed() for section in done.values())
