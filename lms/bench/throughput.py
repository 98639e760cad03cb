"""The throughput run: the bench app under gunicorn (2 workers) on 127.0.0.1, loaded by wrk.

The bare route, the catalogue page and a lesson page (as the signed-in bench trainee) each get a
bounded wrk run (`--duration` seconds, a few connections), only ever on the loopback address;
requests per second and the 99th percentile latency are compared with the bare route's. A run
with any non-2xx/3xx answer is reported as failed rather than as a figure.
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

from lms.bench import sizes
from lms.bench.app import BARE_PATH

HOST = "127.0.0.1"
USER_AGENT = "lms-bench"


@dataclass
class Run:
    """One wrk run."""

    name: str
    path: str
    requests_per_second: float | None = None
    p99_ms: float | None = None
    error: str | None = None


@dataclass
class Throughput:
    """The wrk runs of one throughput measurement."""

    runs: list[Run] = field(default_factory=list)
    skipped: str | None = None

    def ratio(self, run: Run) -> float | None:
        bare = next((r for r in self.runs if r.path == BARE_PATH), None)
        if bare is None or not bare.requests_per_second or not run.requests_per_second:
            return None
        return run.requests_per_second / bare.requests_per_second

    def lines(self) -> list[str]:
        if self.skipped:
            return [f"throughput: skipped ({self.skipped})"]
        out = ["", "throughput (gunicorn, 2 workers, wrk on 127.0.0.1):",
               f"  {'route':<22} {'req/s':>9} {'p99':>10} {'vs bare':>8}"]
        for run in self.runs:
            if run.error:
                out.append(f"  {run.name:<22} FAILED: {run.error}")
                continue
            ratio = self.ratio(run)
            out.append(f"  {run.name:<22} {run.requests_per_second:>9,.0f} {run.p99_ms:>8.1f} ms "
                       f"{'' if ratio is None else f'{ratio:>7.2f}×'}")
        return out

    def as_dict(self) -> dict:
        return {"skipped": self.skipped, "runs": [
            {"name": r.name, "path": r.path, "requests_per_second": r.requests_per_second, "p99_ms": r.p99_ms,
             "vs_bare": self.ratio(r), "error": r.error} for r in self.runs]}


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


def run_throughput(duration: int = 10, connections: int = 8, lesson_path: str | None = None,
                   environ: dict | None = None) -> Throughput:
    """Serve the bench app and load the bare route, the catalogue and a lesson page in turn."""
    result = Throughput()
    if shutil.which("wrk") is None:
        result.skipped = "wrk is not installed: apt-get install wrk (make system-deps does it)"
        return result
    duration = max(1, min(duration, 120))  # bounded, whatever is asked
    port = _free_port()
    base = f"http://{HOST}:{port}"
    env = {**os.environ, **(environ or {}), "LMS_LOG_LEVEL": "WARNING"}
    env.setdefault("LMS_SECRET_KEY", "bench-only-secret")
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"{HOST}:{port}",
                                "--log-level", "warning", "lms.bench.wsgi:app"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_until_up(base, process)
        cookie = _session_cookie(base)
        targets = [("bare route", BARE_PATH, None), ("catalogue page", "/courses/", cookie)]
        if lesson_path:
            targets.append(("lesson page", lesson_path, cookie))
        for name, path, send_cookie in targets:
            run = Run(name, path)
            try:
                _preflight(base, path, send_cookie)
                run.requests_per_second, run.p99_ms, bad = _wrk(base, path, duration, connections, send_cookie)
                if bad:
                    run.error = f"{bad} answers were not 2xx/3xx"
            except (subprocess.SubprocessError, AttributeError, OSError, RuntimeError) as exc:
                run.error = f"{type(exc).__name__}: {exc}".splitlines()[0]
            result.runs.append(run)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return result
