"""sqlmap against the sign-in form, the catalogue search, the report filters and the API, on a
throw-away PostgreSQL database behind gunicorn. Marked `security`: run by `make test-security`
(and in CI), not by `make test`. Throttling is raised for the run, and the test checks from the
server's access log that sqlmap's requests really reached each target.

A target passes only when sqlmap finished its tests of every parameter named (`-p`) within the
target's time budget, found nothing, and sent more than 100 requests that reached the server: a scan
cut short by the budget tested only part of what it should, so it fails, whatever it sent. The
summary of the run says, per target, how many requests reached the server and whether the scan
finished (tests/security_scan/conftest.py prints it).
"""
from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.helpers import postgres_admin_url, postgres_available

pytestmark = pytest.mark.security
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
OUTPUTS: list[str] = []
# Seconds each target may take to finish its scan: about three times what it needs alone on the 2-core
# reference machine (40-50 s), for a machine shared with other work.
TARGET_TIMEOUT = 120
# The sign-in form is scanned one request at a time (a fresh CSRF token for each) and every refused
# sign-in checks a password hash: its full scan takes 150-250 s (1,700-1,750 requests).
SIGN_IN_TIMEOUT = 420
MIN_REQUESTS = 100  # fewer means sqlmap's requests did not reach the target (a redirect, a refusal)
# What sqlmap says of each parameter it tested through, and once all of them were.
TESTED = re.compile(r"parameter '([^']+)' does not seem to be injectable")
ALL_TESTED = "all tested parameters do not appear to be injectable"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """gunicorn on a fresh PostgreSQL database with the shipped courses and the demo accounts."""
    import psycopg

    admin_url = postgres_admin_url()
    if not postgres_available(admin_url):
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL does not answer and CI=true")
        pytest.skip(f"PostgreSQL does not answer at {admin_url}")
    name = f"lms_sqlmap_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    tmp = tmp_path_factory.mktemp("sqlmap")
    env = {**os.environ, "LMS_DATABASE_URL": admin_url.rsplit("/", 1)[0] + "/" + name, "LMS_SECRET_KEY": "q" * 40,
           "LMS_INSTANCE_PATH": str(tmp), "LMS_LOGIN_LIMIT_PER_ADDRESS": "1000000 per minute",
           "LMS_LOGIN_LIMIT_PER_ACCOUNT": "1000000 per minute", "LMS_LOG_LEVEL": "WARNING",
           "LMS_PRIVACY_NOTICE_AT_SIGN_IN": "false"}
    for args in (["init"], ["demo"]):
        subprocess.run([str(BIN / "lms"), *args], env=env, cwd=ROOT, check=True, capture_output=True, timeout=300)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp / "access.log"
    process = subprocess.Popen([str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2",
                                "--access-logfile", str(log), "wsgi:app"], env=env, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    yield {"base": base, "log": log, "env": env, "tmp": tmp}
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def admin_session(base: str) -> str:
    """The session cookie of the demo admin, signed in through the form."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    opener.open(base + "/login", urllib.parse.urlencode({"email": "admin@demo.example", "password": "demo-admin-pass",
                                                         "csrf_token": token}).encode())
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def api_token(base: str, cookie: str) -> str:
    """A personal access token created on the profile page, as a user would."""
    request = urllib.request.Request(base + "/profile/tokens", headers={"Cookie": cookie})
    page = urllib.request.urlopen(request).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    request = urllib.request.Request(base + "/profile/tokens", headers={"Cookie": cookie}, data=urllib.parse.urlencode(
        {"name": "sqlmap", "csrf_token": token}).encode())
    page = urllib.request.urlopen(request).read().decode()
    return re.search(r'id="new-token"[^>]*value="([^"]+)"', page).group(1)


def sqlmap(server, record_property, target: str, counted: str, params: str, *args, threads: int = 4,
           budget: int = TARGET_TIMEOUT) -> str:
    """Scan `target` (a name for the summary) with sqlmap on the parameters `params`, counting the requests
    to paths starting with `counted` in the access log; fail unless the scan finished, found nothing and
    sent more than MIN_REQUESTS requests."""
    if not shutil.which("sqlmap", path=str(BIN)) and not (BIN / "sqlmap").exists():
        pytest.fail("sqlmap is not installed (it is in the test extras)")
    command = [str(BIN / "sqlmap"), "--batch", "--level=3", "--risk=2", "--dbms=PostgreSQL", f"--threads={threads}",
               "--flush-session", "--disable-coloring", f"--output-dir={server['tmp']}", "-p", params, *args]
    before, started = hits(server, counted), time.monotonic()
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=budget)
        output, timed_out = result.stdout + result.stderr, False
    except subprocess.TimeoutExpired as exc:  # the per-target budget is spent: the scan did not finish
        output = (exc.stdout or b"").decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        output += "\n[per-target timeout reached]"
        timed_out = True
    elapsed = time.monotonic() - started
    sent = hits(server, counted) - before
    untested = sorted(set(params.split(",")) - set(TESTED.findall(output)))
    finished = not timed_out and ALL_TESTED in output and not untested
    if finished:
        state = "finished"
    elif timed_out:
        state = f"did NOT finish: stopped at its {budget} s budget"
    else:
        state = "did NOT finish: sqlmap stopped early"
    summary = f"{target}: {sent} requests reached the server in {elapsed:.0f} s; {state}" + (
        f" (untested: {', '.join(untested)})" if untested else "")
    record_property("sqlmap", summary)
    OUTPUTS.append(output)
    assert "can't be found" not in output and "[CRITICAL] option" not in output, output[-3000:]
    assert "is vulnerable" not in output and "identified the following injection point" not in output, output[-3000:]
    assert finished, summary + "\n" + output[-3000:]
    assert sent > MIN_REQUESTS, summary + "\n" + output[-3000:]
    return output


def hits(server, path: str) -> int:
    return sum(1 for line in server["log"].read_text().splitlines() if f" {path}" in line)


def test_sign_in_form(server, record_property):
    sqlmap(server, record_property, "sign-in form", "/login", "email,password",
           "-u", f"{server['base']}/login", "--data", "email=officer%40example.org&password=secret&csrf_token=x",
           "--csrf-token=csrf_token", f"--csrf-url={server['base']}/login",
           threads=1, budget=SIGN_IN_TIMEOUT)  # sqlmap refreshes the CSRF token one request at a time


def test_catalogue_search(server, record_property):
    sqlmap(server, record_property, "catalogue search", "/courses/?", "q,language,topic",
           "-u", f"{server['base']}/courses/?q=border&language=en&topic=strategy")


def test_report_filters(server, record_property):
    cookie = admin_session(server["base"])
    sqlmap(server, record_property, "report filters", "/reports/?", "course,institution,country",
           "-u", f"{server['base']}/reports/?course=ibm-strategic-planning&institution=DEMO-MD&country=MD",
           f"--cookie={cookie}")


def test_api(server, record_property):
    token = api_token(server["base"], admin_session(server["base"]))
    sqlmap(server, record_property, "API completion report", "/api/v1/reports/completion?", "course,country,page",
           "-u", f"{server['base']}/api/v1/reports/completion?course=ibm-strategic-planning&country=MD&page=1",
           f"--headers=Authorization: Bearer {token}")
