"""The export-job workloads of `make bench` (issue 21): the admin's full enrolment export (CSV, XLSX) asked for
over HTTP above LMS_EXPORT_JOB_ROWS, so that it becomes a background job, against the same export sent at once.

Each repetition of the job, timed from the request to the file on disk:

1. the signed-in bench admin asks for `/reports/enrolments/export.<fmt>` with the threshold at the site's
   default (10,000 rows; half the rows on a data set smaller than that): the site must answer with a redirect
   to the job's page, not the file;
2. the job runs as the worker runs it, `lms.jobs.run_pending` (huey's own `execute`) on the queue of
   LMS_JOBS_URL, in a thread of this process, while this thread reloads the job's progress page as a browser
   without JavaScript does and records the figures it shows (rows done of rows total);
3. the file is downloaded from the job's download link.

The floor is the same export with the threshold out of reach, streamed to a file at once (`downloads.send`).
After each pair, untimed: the progress seen must be monotonic, its total the report's row count (one COUNT of
the scope, and the immediate file's rows) and its end that total; the CSV files byte for byte identical, the
XLSX files identical cell by cell (openpyxl, read-only). A mismatch fails the workload.

Why a thread and not a `lms worker` process: it runs the same code on the same queue, but starts the job the
moment it is queued, where huey's consumer polls a SQLite queue with a backoff of up to 10 seconds and would
time its own sleep. The memory figure is the growth of the process's peak resident memory during each timed run
(`PeakRss`), the job's and the immediate export's alike. The thread shares the interpreter with the page
reloads (one every POLL_SECONDS), which charges the job what a separate worker would not pay (at L, over a
thousand page renders).

The job rows and their files are deleted again afterwards (the exports' audit records stay, as the other export
workloads' do: the audit log is never edited).
"""
from __future__ import annotations

import re
import tempfile
import threading
import time
from itertools import zip_longest
from pathlib import Path

from sqlalchemy import delete, func, select

from bench import sizes
from bench.client import BenchClient
from bench.measure import Workload
from lms.extensions import db

#: LMS_EXPORT_JOB_ROWS's default: the job's request is made with it (or half the rows, on smaller data).
JOB_ROWS = 10_000
#: Seconds between two reloads of the progress page while the job runs (the page's own refresh is 3 s).
POLL_SECONDS = 0.5
URL = "/reports/enrolments/export.{fmt}"
_JOB_PAGE = re.compile(r"/reports/exports/(\d+)$")
_PROGRESS = re.compile(r'<progress id="export-progress" max="(\d+)" value="(\d+)">')
_ROWS_IN_NAME = re.compile(r"-(\d+)-rows\.(?:csv|xlsx)\"?$")


class ExportJobRun:
    """State shared by the steps of one format's workload."""

    def __init__(self, context, fmt: str):
        self.context, self.fmt = context, fmt
        self.admin: BenchClient | None = None
        self.folder: tempfile.TemporaryDirectory | None = None  # made when the workload first runs
        self.expected: int | None = None
        self.job_rows = JOB_ROWS
        self.saved_threshold = None
        self.samples: list[tuple[float, int, int]] = []  # (seconds since the request, rows done, rows total)
        self.runs: list[dict] = []  # per repetition: the samples' summary, for the report's lines
        self.first_job_id = 0
        self.rss = PeakRss()
        self.growth: dict[str, int | None] = {}

    # Set-up and clean-up (untimed) ---------------------------------------------------------------------------
    def _prepare(self) -> None:
        from lms.access import report_scope
        from lms.auth.models import User
        from lms.reports.filters import ReportFilters
        from lms.reports.models import ExportJob
        from lms.reports.queries import count_export_enrolments

        if self.admin is not None:
            return
        app = self.context.app
        self.folder = tempfile.TemporaryDirectory(prefix="bench-export-job-")
        self.saved_threshold = app.config["EXPORT_JOB_ROWS"]
        self.admin = BenchClient(app).sign_in(sizes.BENCH_ADMIN, sizes.BENCH_PASSWORD)
        with app.app_context():
            admin = db.session.get(User, self.context.admin_id)
            self.expected = count_export_enrolments(report_scope(admin), ReportFilters())
            self.first_job_id = db.session.scalar(select(func.max(ExportJob.id))) or 0
            db.session.remove()
        self.job_rows = min(JOB_ROWS, max(0, self.expected // 2))

    def setup(self) -> None:
        """Before the job: the threshold below the export's rows, nothing left in the queue."""
        from lms.jobs.queue import huey

        self._prepare()
        huey.flush()
        self.context.app.config["EXPORT_JOB_ROWS"] = self.job_rows
        self.samples = []
        self.rss.start()

    def floor_setup(self) -> None:
        """Before the immediate export: the threshold out of its reach."""
        self._prepare()
        self.context.app.config["EXPORT_JOB_ROWS"] = 10**12
        self.rss.start()

    def after(self) -> None:
        self.context.app.config["EXPORT_JOB_ROWS"] = self.saved_threshold
        self.growth["job"] = self.rss.growth()

    def floor_after(self) -> None:
        self.context.app.config["EXPORT_JOB_ROWS"] = self.saved_threshold
        self.growth["immediate"] = self.rss.growth()

    def _forget(self) -> None:
        """Delete the job rows and their files."""
        from lms.core.storage import StorageNotFound, current_storage
        from lms.reports.models import ExportJob

        with self.context.app.app_context():
            jobs = db.session.scalars(select(ExportJob).where(ExportJob.id > self.first_job_id)).all()
            for job in jobs:
                if job.file_key:
                    try:
                        current_storage().delete(job.file_key)
                    except StorageNotFound:
                        pass
            db.session.execute(delete(ExportJob).where(ExportJob.id > self.first_job_id))
            db.session.commit()
            db.session.remove()

    def cleanup(self) -> None:
        if self.admin is not None:
            self._forget()
            self.context.app.config["EXPORT_JOB_ROWS"] = self.saved_threshold
        if self.folder is not None:
            self.folder.cleanup()

    # The workload and its floor (timed) ----------------------------------------------------------------------
    def run(self) -> tuple[Path, str]:
        """Ask for the export, run its job while reloading its page, download its file."""
        url = URL.format(fmt=self.fmt)
        started = time.perf_counter()
        response = self.admin.get(url)
        location = response.headers.get("Location", "")
        match = _JOB_PAGE.search(location)
        if response.status_code != 303 or match is None:
            raise AssertionError(f"GET {url} above the threshold answered {response.status_code} {location!r}, "
                                 f"not a redirect to an export job's page")
        job_id = int(match.group(1))
        page = f"/reports/exports/{job_id}"
        errors: list[BaseException] = []
        worker = threading.Thread(target=self._work, args=(errors,), name="bench-export-job")
        worker.start()
        while worker.is_alive():
            self._sample(page, started)
            worker.join(POLL_SECONDS)
        if errors:
            raise errors[0]
        status = self.admin.get(f"{page}/status.json").get_json()
        if status["status"] != "done":
            raise AssertionError(f"export job {job_id} ended {status['status']}: {status.get('text')}")
        self.samples.append((time.perf_counter() - started, status["rows_done"], status["rows_total"]))
        return self.admin.save(f"{page}/download", Path(self.folder.name) / f"job.{self.fmt}")

    def floor(self) -> tuple[Path, str]:
        """The same export sent at once, streamed to a file."""
        return self.admin.save(URL.format(fmt=self.fmt), Path(self.folder.name) / f"immediate.{self.fmt}")

    def _work(self, errors: list) -> None:
        """The worker's part: run what the queue holds until nothing is due (the export job)."""
        from lms.jobs import run_pending

        try:
            with self.context.app.app_context():
                while run_pending() > 0:
                    pass
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - handed to the timed thread, which raises it
            errors.append(error)

    def _sample(self, page: str, started: float) -> None:
        """Reload the job's page and note the progress it shows (none once the job is over)."""
        html = self.admin.get(page).get_data(as_text=True)
        match = _PROGRESS.search(html)
        if match:
            total, done = int(match.group(1)), int(match.group(2))
            self.samples.append((time.perf_counter() - started, done, total))

    # Compared after each pair (untimed) ----------------------------------------------------------------------
    def check(self, job: tuple[Path, str], immediate: tuple[Path, str]) -> None:
        """The progress seen went up to the report's row count; the two files hold the same."""
        (job_path, job_name), (immediate_path, immediate_name) = job, immediate
        self._check_progress()
        if self.fmt == "csv":
            rows = _compare_csv(job_path, immediate_path)
        else:
            rows = _compare_xlsx(job_path, immediate_path)
        if rows != self.expected:
            raise AssertionError(f"the files hold {rows:,} rows, the report counts {self.expected:,}")
        named = [_rows_named(name) for name in (job_name, immediate_name)]
        if named != [rows, rows]:
            raise AssertionError(f"the files' names give {named} rows, they hold {rows:,}")
        self.runs.append({"samples": len(self.samples), "seen": self.samples[:],
                          "bytes": job_path.stat().st_size, **self.growth})

    def _check_progress(self) -> None:
        done = [d for _t, d, _n in self.samples]
        totals = {n for _t, _d, n in self.samples}
        if not self.samples or any(b < a for a, b in zip(done, done[1:], strict=False)):
            raise AssertionError(f"the progress seen is not monotonic: {done[:20]}")
        if totals != {self.expected}:
            raise AssertionError(f"the progress seen gives totals {sorted(totals)}, the report has {self.expected:,}")
        if done[-1] != self.expected:
            raise AssertionError(f"the progress ended at {done[-1]:,} of {self.expected:,}")

    def details(self) -> list[str]:
        """What each repetition's job page showed, for the report."""
        lines = []
        for number, run in enumerate(self.runs, start=1):
            seen = run["seen"]
            moving = [s for s in seen if 0 < s[1] < s[2]]
            shown = ", ".join(f"{t:.1f} s {d:,}/{n:,}" for t, d, n in _spread(seen, 6))
            lines.append(f"  {self.fmt.upper()} job, repetition {number}: {len(seen)} progress samples "
                         f"({len(moving)} part-way), monotonic, total = {self.expected:,} rows = end; "
                         f"file {run['bytes'] / 2**20:,.1f} MiB identical to the immediate one; peak RSS growth: "
                         f"job {_mib(run.get('job'))}, immediate {_mib(run.get('immediate'))}; seen: {shown}")
        return lines


class PeakRss:
    """The growth of this process's resident memory at its peak during a run, from Linux's own high-water mark
    (VmHWM, reset by writing 5 to /proc/self/clear_refs): free to measure, so taken in every timed run, where
    tracemalloc's extra traced run would double an L-size export's minutes. It counts the whole process (the job's
    thread, the page reloads, the download); None where the kernel offers no reset."""

    def __init__(self):
        self.base: int | None = None

    def start(self) -> None:
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
            self.base = _status_kib("VmHWM")
        except OSError:
            self.base = None

    def growth(self) -> int | None:
        if self.base is None:
            return None
        peak = _status_kib("VmHWM")
        # Never below the mark read at the reset on Linux; a kernel that emulates /proc (a sandbox's) may not
        # keep to that, and a peak below the start is no growth.
        return None if peak is None else max(0, peak - self.base) * 1024


def _status_kib(field: str) -> int | None:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def _mib(value: int | None) -> str:
    return "—" if value is None else f"+{value / 2**20:,.1f} MiB"


def _spread(samples: list, count: int) -> list:
    """At most `count` samples, evenly spread, the first and the last included."""
    if len(samples) <= count:
        return samples
    step = (len(samples) - 1) / (count - 1)
    return [samples[round(i * step)] for i in range(count)]


def _rows_named(name: str) -> int | None:
    match = _ROWS_IN_NAME.search(name or "")
    return int(match.group(1)) if match else None


def _compare_csv(job: Path, immediate: Path) -> int:
    """The CSV files byte for byte; returns their data rows (line ends less the header's)."""
    size = job.stat().st_size
    with job.open("rb") as a, immediate.open("rb") as b:
        lines = 0
        offset = 0
        while True:
            chunk_a, chunk_b = a.read(1 << 20), b.read(1 << 20)
            if chunk_a != chunk_b:
                at = offset + next((i for i, (x, y) in enumerate(zip(chunk_a, chunk_b, strict=False)) if x != y),
                                   min(len(chunk_a), len(chunk_b)))
                raise AssertionError(f"the job's CSV ({size:,} bytes) differs from the immediate one "
                                     f"({immediate.stat().st_size:,} bytes) at byte {at:,}")
            if not chunk_a:
                return lines - 1
            lines += chunk_a.count(b"\n")
            offset += len(chunk_a)


def _compare_xlsx(job: Path, immediate: Path) -> int:
    """The XLSX files cell by cell (their sheets, names included); returns their data rows."""
    import openpyxl

    books = [openpyxl.load_workbook(path, read_only=True) for path in (job, immediate)]
    try:
        names = [book.sheetnames for book in books]
        if names[0] != names[1]:
            raise AssertionError(f"the XLSX files' sheets differ: {names[0]} / {names[1]}")
        rows = 0
        for sheet in names[0]:
            pairs = zip_longest(*(book[sheet].iter_rows(values_only=True) for book in books))
            for number, (a, b) in enumerate(pairs, start=1):
                if a != b:
                    raise AssertionError(f"sheet {sheet!r} row {number}: the job's {a} / the immediate {b}")
                rows = number
        return rows - 1
    finally:
        for book in books:
            book.close()


def export_job_workloads(context, repeat: int, formats=("csv", "xlsx")) -> list[Workload]:
    """The admin's full export as a background job, against the same export sent at once, per format."""
    workloads = []
    for fmt in formats:
        job = ExportJobRun(context, fmt)
        workloads.append(Workload(
            f"{fmt.upper()} export-job, all enrolments", job.run, job.floor, "the same export sent at once", repeat,
            setup=job.setup, floor_setup=job.floor_setup, after=job.after, floor_after=job.floor_after,
            cleanup=job.cleanup, check=job.check, details=job.details,
            note=f"{context.enrolments:,} enrolments; job at LMS_EXPORT_JOB_ROWS={min(JOB_ROWS, context.enrolments // 2):,}"))
    return workloads
