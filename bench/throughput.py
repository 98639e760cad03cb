"""The throughput run: the bench app under gunicorn (2 workers) on 127.0.0.1, loaded by wrk.

The bare route and the trainee's pages (the catalogue, a course, a lesson, a quiz and "my learning", as the
signed-in bench trainee: every page issue 25's target names) each get bounded wrk runs (`--duration` seconds,
a few connections), only ever on the loopback address. They take turns for a few rounds after a short
warm-up, and each page's requests per second are compared with the bare route's of the same round: on a
shared machine the speed of the whole machine drifts from one minute to the next, and a floor measured
minutes apart would move the ratio more than the page does. The table gives the medians over the rounds and
the lowest and highest ratio seen; a route whose round ratios spread wider than `measure.SPREAD_LIMIT` is
marked unreliable and left out of the published JSON, as a workload is. A run with any non-2xx/3xx answer is
reported as failed rather than as a figure.
"""
from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median

from bench import sizes
from bench.app import BARE_PATH
from bench.measure import spread_verdict

HOST = "127.0.0.1"
# The directory holding bench/ (and lms/): the bench package is imported from there, never installed.
REPOSITORY_ROOT = Path(__file__).resolve().parent.parent
USER_AGENT = "lms-bench"


@dataclass
class Run:
    """The wrk runs of one route, one per round."""

    name: str
    path: str
    rates: list[float] = field(default_factory=list)  # requests per second, per round
    p99s: list[float] = field(default_factory=list)  # milliseconds, per round
    error: str | None = None

    @property
    def requests_per_second(self) -> float | None:
        return median(self.rates) if self.rates else None

    @property
    def p99_ms(self) -> float | None:
        return median(self.p99s) if self.p99s else None


@dataclass
class Throughput:
    """The wrk runs of one throughput measurement."""

    runs: list[Run] = field(default_factory=list)
    skipped: str | None = None

    def _bare(self) -> Run | None:
        return next((r for r in self.runs if r.path == BARE_PATH and not r.error), None)

    def ratios(self, run: Run) -> list[float]:
        """The route's rate over the bare route's, round by round."""
        bare = self._bare()
        if bare is None or run.error:
            return []
        return [rate / floor for rate, floor in zip(run.rates, bare.rates) if floor]

    def ratio(self, run: Run) -> float | None:
        ratios = self.ratios(run)
        return median(ratios) if ratios else None

    def unreliable(self, run: Run) -> str | None:
        """Why the route's ratio to the bare route is not published (its round ratios spread too wide), or None."""
        if run.error or run.path == BARE_PATH:
            return None
        return spread_verdict(self.ratios(run), unit="round")

    def lines(self) -> list[str]:
        if self.skipped:
            return [f"throughput: skipped ({self.skipped})"]
        rounds = max((len(r.rates) for r in self.runs), default=0)
        out = ["", f"throughput (gunicorn, 2 workers, wrk on 127.0.0.1; medians of {rounds} rounds):",
               f"  {'route':<22} {'req/s':>9} {'p99':>10} {'vs bare':>8}  {'(lowest-highest)':>16}  verdict"]
        doubts = []
        for run in self.runs:
            if run.error:
                out.append(f"  {run.name:<22} FAILED: {run.error}")
                continue
            ratios = self.ratios(run)
            spread = f"({min(ratios):.2f}-{max(ratios):.2f})" if ratios and run.path != BARE_PATH else ""
            ratio = self.ratio(run)
            doubt = self.unreliable(run)
            if doubt:
                doubts.append(f"  unreliable, not published: {run.name}: {doubt}")
            verdict = "" if run.path == BARE_PATH else "UNRELIABLE" if doubt else "ok"
            out.append(f"  {run.name:<22} {run.requests_per_second:>9,.0f} {run.p99_ms:>8.1f} ms "
                       f"{'' if ratio is None else f'{ratio:>7.2f}×'}  {spread:>16}  {verdict}")
        return out + doubts

    def failed(self) -> bool:
        """Whether a route failed (a skipped run, without wrk, does not fail the bench)."""
        return any(r.error for r in self.runs)

    def as_dict(self) -> dict:
        """The published figures: the routes whose round ratios are reliable; the others under `left_out`."""
        kept = [r for r in self.runs if not self.unreliable(r)]
        return {"skipped": self.skipped, "runs": [
            {"name": r.name, "path": r.path, "requests_per_second": r.requests_per_second, "p99_ms": r.p99_ms,
             "vs_bare": self.ratio(r), "rounds": [
                 {"requests_per_second": rate, "p99_ms": p99} for rate, p99 in zip(r.rates, r.p99s)],
             "vs_bare_by_round": self.ratios(r), "error": r.error} for r in kept],
            "left_out": [{"name": r.name, "reason": self.unreliable(r)} for r in self.runs if self.unreliable(r)]}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _wait_until_up(base: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(base + BARE_PATH, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer in time")


def _session_cookie(base: str) -> str:
    """Sign in as the bench trainee over HTTP; returns the Cookie header to send."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(base + "/login", timeout=30).read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"email": sizes.BENCH_TRAINEE, "password": sizes.BENCH_PASSWORD,
                                   "csrf_token": token}).encode()
    opener.open(base + "/login", data=data, timeout=30).read()
    cookies = "; ".join(f"{c.name}={c.value}" for c in jar)
    if "session=" not in cookies:
        raise RuntimeError("signing in over HTTP gave no session cookie")
    return cookies


def parse_wrk(output: str) -> tuple[float, float, int]:
    """(requests per second, p99 in ms, non-2xx/3xx answers) from `wrk --latency` output."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    value, unit = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE).groups()
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return rps, p99, int(bad.group(1)) if bad else 0


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _preflight(base: str, path: str, cookie: str | None) -> None:
    """The page must answer 200 itself (wrk would count a redirect to the sign-in page as a success)."""
    opener = urllib.request.build_opener(_NoRedirect)
    headers = {"User-Agent": USER_AGENT, **({"Cookie": cookie} if cookie else {})}
    try:
        with opener.open(urllib.request.Request(base + path, headers=headers), timeout=30) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    if status != 200:
        raise RuntimeError(f"GET {path} answered {status}, not 200")


def _wrk(base: str, path: str, duration: int, connections: int, cookie: str | None) -> tuple[float, float, int]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s",
               "-H", f"User-Agent: {USER_AGENT}"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    done = subprocess.run([*command, base + path], capture_output=True, text=True, timeout=duration + 60,
                          check=True)
    return parse_wrk(done.stdout)


def run_throughput(duration: int = 5, connections: int = 8, pages: dict[str, str] | None = None,
                   environ: dict | None = None, rounds: int = 3) -> Throughput:
    """Serve the bench app and load the bare route and each of `pages` (name: path, the catalogue alone when
    none are given) in turn, `rounds` times."""
    result = Throughput()
    if shutil.which("wrk") is None:
        result.skipped = "wrk is not installed: apt-get install wrk (make system-deps does it)"
        return result
    duration = max(1, min(duration, 120))  # bounded, whatever is asked
    rounds = max(1, min(rounds, 10))
    port = _free_port()
    base = f"http://{HOST}:{port}"
    env = {**os.environ, **(environ or {}), "LMS_LOG_LEVEL": "WARNING"}
    env.setdefault("LMS_SECRET_KEY", "bench-only-secret")
    # bench/ is not installed: gunicorn finds it beside lms/ through --pythonpath, whatever the working
    # directory (which stays the caller's, so a relative SQLite path means the same file to both).
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"{HOST}:{port}",
                                "--pythonpath", str(REPOSITORY_ROOT), "--log-level", "warning", "bench.wsgi:app"],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_until_up(base, process)
        cookie = _session_cookie(base)
        targets = [("bare route", BARE_PATH, None)]
        targets += [(name, path, cookie) for name, path in (pages or {"catalogue page": "/courses/"}).items()]
        runs = [(Run(name, path), send_cookie) for name, path, send_cookie in targets]
        result.runs = [run for run, _ in runs]
        for run, send_cookie in runs:  # every worker fills its caches before anything is counted
            try:
                _preflight(base, run.path, send_cookie)
                _wrk(base, run.path, 1, connections, send_cookie)
            except (subprocess.SubprocessError, AttributeError, OSError, RuntimeError) as exc:
                run.error = f"{type(exc).__name__}: {exc}".splitlines()[0]
        for _round in range(rounds):
            for run, send_cookie in runs:
                if run.error:
                    continue
                try:
                    rate, p99, bad = _wrk(base, run.path, duration, connections, send_cookie)
                except (subprocess.SubprocessError, AttributeError, OSError, RuntimeError) as exc:
                    run.error = f"{type(exc).__name__}: {exc}".splitlines()[0]
                    continue
                if bad:
                    run.error = f"{bad} answers were not 2xx/3xx"
                    continue
                run.rates.append(rate)
                run.p99s.append(p99)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return result
