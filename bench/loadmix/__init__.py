"""The load mix (`python -m bench loadmix`, and in `python -m bench run` on PostgreSQL): N virtual trainees, each
with an account and a session of its own, going catalogue → course → lesson → quiz → start → saves → submit →
review for a bounded time against gunicorn serving `bench.wsgi:app` on 127.0.0.1, optionally while a storm of
other trainees signs in; then an untimed check that the database holds everything the server acknowledged,
and a clean-up of what the run wrote.

The steps:
1. choose the trainees and the storm's accounts, copy what the run will change, give them a password
   (`bench.loadmix.accounts`);
2. start gunicorn with the product's settings (`-c python:lms.gunicorn_conf`), `--workers`/`--threads`
   overriding them;
3. sign every trainee in through the sign-in form (a few at a time: that is not what is measured), warm the
   workers up with a few journeys (every template compiled, caches filled; untimed), then run the journeys until
   the deadline (`bench.loadmix.trainee`); none starts after it, and those under way end (a hard stop a minute
   later cancels any left, so the run is always bounded);
4. the storm, if asked: its sign-ins are sent at an even pace over STORM_SECONDS in the middle of the run;
5. stop gunicorn, check the database (`bench.loadmix.check`), clean up, print (`bench.loadmix.report`).

The load generator shares the machine with gunicorn and the database: one asyncio process that mostly waits;
the report says how much of a core it used.
"""
from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import aiohttp

from bench.loadmix import accounts as accounts_module
from bench.loadmix.check import check
from bench.loadmix.report import Report
from bench.loadmix.trainee import Browser, Broken, Log, VirtualTrainee
from bench.throughput import HOST, REPOSITORY_ROOT, _free_port, _wait_until_up
from lms import gunicorn_conf

STORM_SECONDS = 10.0
SIGN_IN_AT_ONCE = 4  # the trainees' own sign-ins before the run, a few at a time
HARD_STOP_SECONDS = 60  # after the deadline, journeys still under way are cancelled
MAX_DURATION = 600


def _run_apart(coroutine):
    """`asyncio.run(coroutine)` in a thread of its own: the calling thread may already run an event loop, where
    asyncio.run refuses (in the test suite, Playwright's sync API keeps one running in every worker process that ran
    a browser test, and the load-mix test may come after one)."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="loadmix") as pool:
        return pool.submit(asyncio.run, coroutine).result()


def server_settings(workers: int | None, threads: int | None) -> tuple[list[str], str, int]:
    """gunicorn's arguments (the product's settings file, with the overrides given), a description, and how
    many requests it serves at once."""
    workers = workers or getattr(gunicorn_conf, "workers", None) or 2
    arguments = ["-c", "python:lms.gunicorn_conf", "--workers", str(workers)]
    if threads:
        arguments += ["--threads", str(threads)]
    threads = threads or getattr(gunicorn_conf, "threads", None) or 1
    kind = getattr(gunicorn_conf, "worker_class", None) or ("gthread" if threads > 1 else "sync")
    return arguments, f"{workers} {kind} workers" + (f" × {threads} threads" if threads > 1 else ""), workers * threads


def workers_cpu(master: int) -> float | None:
    """CPU seconds used so far by the gunicorn master `master`'s workers (Linux /proc; None elsewhere)."""
    try:
        ticks = 0
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue  # ended meanwhile
            if int(fields[1]) == master:  # the parent's pid; utime and stime follow at 12 and 13
                ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


@contextmanager
def gunicorn(environ: dict, arguments: list[str]):
    """gunicorn serving the bench app on a free loopback port; yields its base URL and the master's pid,
    stops it after."""
    port = _free_port()
    base = f"http://{HOST}:{port}"
    env = {**os.environ, **environ, "LMS_LOG_LEVEL": "WARNING"}
    env.setdefault("LMS_SECRET_KEY", "bench-only-secret")
    errors = tempfile.TemporaryFile()  # gunicorn's own lines: the last one says why it did not start
    # As in bench.throughput: bench/ is found beside lms/ through --pythonpath, the working directory stays.
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", *arguments, "--bind", f"{HOST}:{port}",
                                "--pythonpath", str(REPOSITORY_ROOT), "--log-level", "warning", "bench.wsgi:app"],
                               env=env, stdout=subprocess.DEVNULL, stderr=errors, start_new_session=True)
    try:
        try:
            _wait_until_up(base, process, seconds=180)  # a busy machine can take a minute to import the app
        except RuntimeError as exc:
            errors.seek(0)
            last = errors.read().decode("utf-8", "replace").strip().splitlines()[-1:]
            raise RuntimeError(f"{exc}{': ' + last[0] if last else ''}") from exc
        yield base, process.pid
    finally:
        # The master and its workers are a process group of their own: a worker still answering a request
        # the load generator gave up on would otherwise write after the clean-up (seen: an attempt and
        # sign-ins left behind when the master was killed after its graceful wait).
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass  # the whole group has ended
        process.wait()
        errors.close()


async def _storm(base: str, connector, log: Log, emails: list[str], start: float, seconds: float) -> None:
    """Sign `emails` in at an even pace over `seconds` from `start`, each a new browser."""
    async def one(n: int, email: str) -> None:
        await asyncio.sleep(max(0.0, start + n * seconds / len(emails) - log.now()))
        browser = Browser(base, connector, log, "storm")
        started, refused, outcome = log.now(), sum(log.refusals.values()), "signed in"
        try:
            await browser.sign_in(email, "sign-in")
        except Broken:
            outcome = "refused" if sum(log.refusals.values()) > refused else "failed"
        finally:
            log.sign_ins.append((started, log.now() - started, outcome))
            await browser.close()

    await asyncio.gather(*(one(n, email) for n, email in enumerate(emails)))
    log.storm_window = (start, log.now())


async def _drive(base: str, chosen: accounts_module.Accounts, duration: float, think: float, seed: int,
                 log: Log, warm_ups: int, server_cpu) -> tuple[float, float, float, float | None, float | None]:
    """Sign the trainees in, then run the journeys (and the storm); returns the window's start and end, the
    load generator's CPU time at its start, and the server's workers' CPU time at its start and end."""
    # No queue in the generator (waiting is the server's to show). A connection kept alive is given up before
    # gunicorn closes it on its side (its `keepalive`, 2 s by default): reusing one the server is closing fails
    # as no browser would let a person see (browsers send such a request again).
    connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=getattr(gunicorn_conf, "keepalive", 2) / 2)
    browsers = [Browser(base, connector, log, "setup") for _ in chosen.trainees]
    try:
        gate = asyncio.Semaphore(SIGN_IN_AT_ONCE)

        async def sign_in(browser, trainee):
            async with gate:
                try:
                    await browser.sign_in(trainee.email, "sign-in (setup)")
                    return True
                except Broken:
                    return False

        signed = await asyncio.gather(*(sign_in(b, t) for b, t in zip(browsers, chosen.trainees)))
        # Every worker renders each page once before anything is timed (templates compiled, caches filled):
        # a few journeys at once, without pauses.
        warming = [VirtualTrainee(b, t, random.Random(f"{seed}-warm-{t.user_id}"), 0.0)
                   for b, t, ok in zip(browsers, chosen.trainees, signed) if ok][:warm_ups]
        for trainee in warming:
            trainee.browser.kind = "warm-up"
        await asyncio.gather(*(trainee.once() for trainee in warming))
        for browser in browsers:
            browser.kind = "journey"
        begin, cpu, server_begin = log.now(), time.process_time(), server_cpu()
        log.begin = begin
        deadline = begin + duration
        runners = [VirtualTrainee(b, t, random.Random(f"{seed}-{t.user_id}"), think).run(deadline)
                   for b, t, ok in zip(browsers, chosen.trainees, signed) if ok]
        if chosen.storm:
            storm_start = begin + max(0.0, (duration - STORM_SECONDS) / 2)
            runners.append(_storm(base, connector, log, chosen.storm, storm_start, min(STORM_SECONDS, duration)))
        tasks = [asyncio.ensure_future(r) for r in runners]
        _done, pending = await asyncio.wait(tasks, timeout=duration + HARD_STOP_SECONDS)
        for task in pending:
            task.cancel()
            log.errors["a journey still under way at the hard stop"] += 1
        await asyncio.gather(*pending, return_exceptions=True)
        return begin, log.now(), cpu, server_begin, server_cpu()
    finally:
        for browser in browsers:
            await browser.close()
        await connector.close()


def run_loadmix(engine, environ: dict, trainees: int = 50, duration: int = 60, sign_ins: int = 0,
                workers: int | None = None, threads: int | None = None, think: float = 1.0, seed: int = 1,
                after_run=None) -> Report:
    """One run of the load mix on the bench database of `engine`, served by gunicorn with `environ` (its
    LMS_DATABASE_URL must be the same database). `after_run(engine, log)`, if given, is called after the
    run and before the check (the tests use it to take an answer away)."""
    duration = max(1, min(duration, MAX_DURATION))  # bounded, whatever is asked
    arguments, server, at_once = server_settings(workers, threads)
    report = Report(trainees, duration, think, server, Log(time.monotonic()), 0.0, 0.0, os.getloadavg(),
                    os.getloadavg(), sign_ins=sign_ins)
    try:
        chosen = accounts_module.choose(engine, trainees, sign_ins)
    except RuntimeError as exc:
        report.failure = str(exc)
        return report
    accounts_module.prepare(engine, chosen)
    try:
        try:
            with gunicorn(environ, arguments) as (base, master):
                report.load_start = os.getloadavg()
                report.log.origin = time.monotonic()
                begin, end, cpu, served_from, served_to = _run_apart(_drive(
                    base, chosen, duration, think, seed, report.log, warm_ups=2 * at_once,
                    server_cpu=lambda: workers_cpu(master)))
                report.generator_cpu = time.process_time() - cpu
                if served_from is not None and served_to is not None:
                    report.server_cpu = served_to - served_from
                report.window = end - begin
                report.load_end = os.getloadavg()
        except (OSError, RuntimeError) as exc:
            report.failure = f"{type(exc).__name__}: {exc}"
            return report
        if after_run is not None:
            after_run(engine, report.log)
        report.mismatches, report.checked = check(engine, report.log.attempts)
    finally:
        report.deleted = accounts_module.clean_up(engine, chosen)
    return report
